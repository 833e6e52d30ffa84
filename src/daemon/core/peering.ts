// The federation edges (MISSION.md section 1, FIG. 12-27): what the core
// asks of other offices (Peers, implemented by the gRPC peer client) and
// what it offers them (PeerFacingApi, served by the gRPC peer server). The
// words are the source text's: camp-on request / reply / cancel (FIG. 19,
// 21, 22) and status monitor request / notification / termination
// (FIG. 24-26). Transfer entry and release (FIG. 55-58) of another office's
// extension go to that office too, which applies them as if its own user of
// the same name had asked.

import type { Unsubscribe } from './api.js';
import { CtiError } from './errors.js';
import type { LineState } from './ports.js';
import type { TransferEntry } from './transfers.js';
import type { FailureReason, NetworkType, RequestKind, RequestState, ScenarioAction, Strategy } from './request.js';

/** FIG. 19: a camp-on request forwarded to the office that owns the destination. */
export interface PeerCampOn {
  /** Origin office + request number: the idempotency key, kept end to end. */
  id: string;
  /** National digits, as the origin normalized them. */
  destination: string;
  /** The requester's number as the owning switch dials it: national digits. */
  source: string;
  network: NetworkType;
  /** The window's end, epoch ms. */
  deadline: number;
  strategy: Strategy;
  retryEveryMs: number;
  /** The user who asked, at the origin. */
  requester: string;
  /** Offices passed through, the origin first: a loop guard. */
  via: string[];
  /** camp-on (the default), join or barge-in (FIG. 44-54: the owning office asks the target's consent). */
  kind?: Extract<RequestKind, 'camp-on' | 'join' | 'barge-in'>;
  /** join / barge-in: who asks, as the target's prompt shows it. */
  display?: string;
  /**
   * A request by mail relayed from the origin office (mail/relayed.ts), not
   * carried by the peer API: its scenario, and the key completion mails
   * find it by.
   */
  scenario?: ScenarioAction[][];
  idempotencyKey?: string;
}

/** FIG. 21: a forwarded camp-on's state as the owning office reports it. */
export interface PeerRequestState {
  id: string;
  state: RequestState;
  reason?: FailureReason;
  message?: string;
  ringing?: string;
  attempts: number;
  /** The latest progress note ("line busy"). */
  detail?: string;
}

/** FIG. 25 statuses, plus the plain line states a busy-lamp field shows. */
export type PeerStatus = 'idle' | 'ringing' | 'answered' | 'busy' | 'held' | 'out-of-service' | 'failure';

export interface PeerStatusNotification {
  status: PeerStatus;
  lineState: LineState;
}

/**
 * Transfer entry / release of an extension of the called office, asked by a
 * user of the calling office. The calling office vouches for the user's name
 * (peers are authenticated offices); the called office decides, by its own
 * users of that name, whether that user may.
 */
export interface PeerTransferRequest {
  /** The user who asks, by name. */
  user: string;
  /** The number as the calling office normalized it: national digits, or an extension's digits. */
  extension: string;
}

export interface PeerTransferEntry extends PeerTransferRequest {
  /** As the user gave them; the called office reads them (its extensions, its dial policy). */
  destinations: string[];
  confirm: boolean;
}

export type PeerHealthState = 'serving' | 'not-serving' | 'unreachable' | 'unknown';

export interface PeerHealth {
  office: string;
  address: string;
  health: PeerHealthState;
  /** Epoch ms of the last successful exchange. */
  lastReached?: number;
  lastError?: string;
}

/**
 * Other offices, as the core reaches them. Methods reject (or end a stream)
 * with CtiError code `unavailable` when the peer cannot be reached; the core
 * retries with backoff within the request's window.
 */
export interface Peers {
  /** Whether the config names this office as a peer. */
  has(office: string): boolean;
  campOn(office: string, request: PeerCampOn): Promise<PeerRequestState>;
  /** The state now, then each change; onEnd after the final state (no error) or when the stream breaks (error). */
  watchCampOn(office: string, id: string, onState: (state: PeerRequestState) => void, onEnd: (err?: Error) => void): Unsubscribe;
  cancelCampOn(office: string, id: string): Promise<PeerRequestState>;
  /** Status notifications now and at each change; onEnd when the window ends (no error) or the stream breaks. */
  monitorStatus(
    office: string,
    number: string,
    windowMs: number,
    via: string[],
    onStatus: (n: PeerStatusNotification) => void,
    onEnd: (err?: Error) => void,
  ): Unsubscribe;
  /** Transfer entry at the office that owns the extension: the entry it stored. One attempt, no retry. */
  setTransfer(office: string, request: PeerTransferEntry): Promise<TransferEntry>;
  /** Transfer release there: the entry it removed. */
  clearTransfer(office: string, request: PeerTransferRequest): Promise<TransferEntry>;
  /** The entries that office's user of this name may see there. */
  listTransfers(office: string, user: string): Promise<TransferEntry[]>;
  list(): PeerHealth[];
}

/** What the core serves to authenticated peer offices (`origin` is the caller's office id). */
export interface PeerFacingApi {
  peerCampOn(origin: string, request: PeerCampOn): Promise<PeerRequestState>;
  peerWatch(origin: string, id: string, onState: (state: PeerRequestState) => void, onEnd: () => void): Unsubscribe;
  peerCancel(origin: string, id: string): Promise<PeerRequestState>;
  peerMonitor(
    origin: string,
    number: string,
    windowMs: number,
    via: string[],
    onStatus: (n: PeerStatusNotification) => void,
    onEnd: (err?: Error) => void,
  ): Unsubscribe;
  peerSetTransfer(origin: string, request: PeerTransferEntry): Promise<TransferEntry>;
  peerClearTransfer(origin: string, request: PeerTransferRequest): Promise<TransferEntry>;
  peerListTransfers(origin: string, user: string): TransferEntry[];
}

/** An office with no peers: every other office is unreachable. */
export const NO_PEERS: Peers = {
  has: () => false,
  campOn: (office) => Promise.reject(noPeer(office)),
  watchCampOn: (office, _id, _onState, onEnd) => {
    queueMicrotask(() => onEnd(noPeer(office)));
    return () => {};
  },
  cancelCampOn: (office) => Promise.reject(noPeer(office)),
  monitorStatus: (office, _number, _windowMs, _via, _onStatus, onEnd) => {
    queueMicrotask(() => onEnd(noPeer(office)));
    return () => {};
  },
  setTransfer: (office) => Promise.reject(noPeer(office)),
  clearTransfer: (office) => Promise.reject(noPeer(office)),
  listTransfers: (office) => Promise.reject(noPeer(office)),
  list: () => [],
};

function noPeer(office: string): CtiError {
  return new CtiError('unavailable', `office ${office} is not a configured peer`, 'peer-unavailable');
}
