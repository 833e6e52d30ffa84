// The federation edges (MISSION.md section 1, FIG. 12-27): what the core
// asks of other offices (Peers, implemented by the gRPC peer client) and
// what it offers them (PeerFacingApi, served by the gRPC peer server). The
// words are the source text's: camp-on request / reply / cancel (FIG. 19,
// 21, 22) and status monitor request / notification / termination
// (FIG. 24-26).

import type { Unsubscribe } from './api.js';
import { CtiError } from './errors.js';
import type { LineState } from './ports.js';
import type { FailureReason, NetworkType, RequestKind, RequestState, Strategy } from './request.js';

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
  list: () => [],
};

function noPeer(office: string): CtiError {
  return new CtiError('unavailable', `office ${office} is not a configured peer`, 'peer-unavailable');
}
