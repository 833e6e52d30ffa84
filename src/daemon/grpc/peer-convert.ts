// Between the peer API's messages (peer.proto) and the core's federation
// types (core/peering.ts), for both ends: the peer server (peer-service.ts)
// and the peer client (daemon/peers). Every word from the wire is checked
// against its closed set here; the sets are Records over the core's unions,
// so a word added to the core without being added here fails to compile.

import { CtiError } from '../core/errors.js';
import type { PeerCampOn, PeerRequestState, PeerStatus, PeerStatusNotification, PeerTransferEntry, PeerTransferRequest } from '../core/peering.js';
import type { LineState } from '../core/ports.js';
import { isDisplayName, type FailureReason, type RequestState } from '../core/request.js';
import type { TransferEntry, TransferMode } from '../core/transfers.js';
import type {
  CampOnRequest,
  MonitorStatusRequest,
  PeerRequestState as ProtoPeerRequestState,
  PeerStatusNotification as ProtoPeerStatusNotification,
  PeerTransfer,
  TransferEntryRequest,
  TransferReleaseRequest,
} from '../../gen/cti/v1/peer.js';
import { monitorWindowMs, NETWORKS, oneOf, rfc3339, STRATEGIES } from './convert.js';

const REQUEST_STATES = words<RequestState>({ accepted: 1, watching: 1, 'waiting-consent': 1, calling: 1, succeeded: 1, failed: 1, cancelled: 1 });
const REASONS = words<FailureReason>({
  timeout: 1, cancelled: 1, busy: 1, 'no-answer': 1, 'requester-no-answer': 1, rejected: 1, 'not-in-call': 1, 'call-ended': 1,
  'no-free-port': 1, 'invalid-number': 1, unroutable: 1, barred: 1, limit: 1, 'not-allowed': 1, 'peer-unavailable': 1, loop: 1,
  'switch-unavailable': 1, internal: 1,
});
const STATUSES = words<PeerStatus>({ idle: 1, ringing: 1, answered: 1, busy: 1, held: 1, 'out-of-service': 1, failure: 1 });
const LINE_STATES = words<LineState>({ idle: 1, ringing: 1, busy: 1, held: 1, 'out-of-service': 1 });
const TRANSFER_MODES = words<TransferMode>({ auto: 1, confirm: 1 });

function words<T extends string>(set: Record<T, 1>): readonly T[] {
  return Object.keys(set) as T[];
}

/** National digits, as the origin normalized them. */
function digits(field: string, value: string): string {
  if (/^\d{1,20}$/.test(value)) return value;
  throw new CtiError('invalid-argument', `${field} must be national digits; got "${value}"`);
}

function given(field: string, value: string): string {
  if (value.length > 0 && value.length <= 128) return value;
  throw new CtiError('invalid-argument', `${field} must be 1 to 128 characters`);
}

function positiveMs(field: string, ms: number): number {
  if (Number.isSafeInteger(ms) && ms > 0) return ms;
  throw new CtiError('invalid-argument', `${field} must be a positive number of milliseconds; got ${ms}`);
}

function via(offices: string[]): string[] {
  return offices.map((office, i) => given(`via[${i}]`, office));
}

const PEER_KINDS = words<NonNullable<PeerCampOn['kind']>>({ 'camp-on': 1, join: 1, 'barge-in': 1 });

export function toProtoCampOn(r: PeerCampOn): CampOnRequest {
  return { ...r, deadlineMs: r.deadline, via: [...r.via], kind: r.kind ?? '', display: r.display ?? '' };
}

export function fromProtoCampOn(r: CampOnRequest): PeerCampOn {
  return {
    id: given('id', r.id),
    destination: digits('destination', r.destination),
    source: digits('source', r.source),
    network: oneOf('network', r.network, NETWORKS),
    deadline: positiveMs('deadline_ms', r.deadlineMs),
    strategy: oneOf('strategy', r.strategy, STRATEGIES),
    retryEveryMs: positiveMs('retry_every_ms', r.retryEveryMs),
    requester: given('requester', r.requester),
    via: via(r.via),
    ...(r.kind ? { kind: oneOf('kind', r.kind, PEER_KINDS) } : {}),
    ...(r.display ? { display: displayName(r.display) } : {}),
  };
}

/** The name a prompt shows: short, printable. */
function displayName(value: string): string {
  if (!isDisplayName(value)) throw new CtiError('invalid-argument', 'display must be at most 64 printable characters');
  return value;
}

/** The id of a WatchCampOn / CancelCampOn request. */
export function requestId(id: string): string {
  return given('id', id);
}

export function toProtoPeerState(s: PeerRequestState, at = Date.now()): ProtoPeerRequestState {
  return { id: s.id, state: s.state, reason: s.reason ?? '', message: s.message ?? '', ringing: s.ringing ?? '', attempts: s.attempts, at: rfc3339(at), detail: s.detail ?? '' };
}

export function fromProtoPeerState(s: ProtoPeerRequestState): PeerRequestState {
  return {
    id: given('id', s.id),
    state: oneOf('state', s.state, REQUEST_STATES),
    reason: s.reason ? oneOf('reason', s.reason, REASONS) : undefined,
    message: s.message || undefined,
    ringing: s.ringing || undefined,
    attempts: s.attempts,
    detail: s.detail || undefined,
  };
}

/** A MonitorStatus request as the core's arguments; window 0 = the owning office's maximum. */
export function fromProtoMonitor(r: MonitorStatusRequest): { number: string; windowMs: number; via: string[] } {
  return { number: digits('number', r.number), windowMs: monitorWindowMs(r.windowMs), via: via(r.via) };
}

export function toProtoStatus(number: string, n: PeerStatusNotification, at = Date.now()): ProtoPeerStatusNotification {
  return { number, status: n.status, lineState: n.lineState, at: rfc3339(at) };
}

export function fromProtoStatus(n: ProtoPeerStatusNotification): PeerStatusNotification {
  return { status: oneOf('status', n.status, STATUSES), lineState: oneOf('line_state', n.lineState, LINE_STATES) };
}

export function toProtoTransferEntry(r: PeerTransferEntry): TransferEntryRequest {
  return { user: r.user, extension: r.extension, destinations: [...r.destinations], confirm: r.confirm };
}

/** The called office reads the destinations itself (numbers.ts, the dial policy); here they are only bounded. */
export function fromProtoTransferEntry(r: TransferEntryRequest): PeerTransferEntry {
  return { ...fromProtoTransferRelease(r), destinations: r.destinations.map((d, i) => given(`destinations[${i}]`, d)), confirm: r.confirm };
}

export function toProtoTransferRelease(r: PeerTransferRequest): TransferReleaseRequest {
  return { user: r.user, extension: r.extension };
}

/** TransferList's user, checked. */
export function fromProtoTransferList(r: { user: string }): string {
  return given('user', r.user);
}

export function fromProtoTransferRelease(r: TransferReleaseRequest): PeerTransferRequest {
  return { user: given('user', r.user), extension: digits('extension', r.extension) };
}

export function toProtoPeerTransfer(t: TransferEntry): PeerTransfer {
  return { extension: t.extension, destinations: t.destinations.map((d) => ({ ...d })), mode: t.mode, setBy: t.setBy, setAtMs: t.setAt };
}

export function fromProtoPeerTransfer(t: PeerTransfer): TransferEntry {
  return {
    extension: digits('extension', t.extension),
    destinations: t.destinations.map((d, i) => ({
      number: given(`destinations[${i}].number`, d.number),
      dial: digits(`destinations[${i}].dial`, d.dial),
      network: oneOf(`destinations[${i}].network`, d.network, NETWORKS),
    })),
    mode: oneOf('mode', t.mode, TRANSFER_MODES),
    setBy: given('set_by', t.setBy),
    setAt: positiveMs('set_at_ms', t.setAtMs),
  };
}
