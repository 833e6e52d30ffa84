// Between the core's records and the proto messages. Times travel as RFC 3339
// strings (UTC); words (states, reasons, kinds) travel unchanged. Incoming
// strings are checked against the closed sets here, because this is where an
// untyped wire value becomes a typed core value.

import type { CoreStatus, LineUpdate as CoreLineUpdate, Principal, SubmitInput } from '../core/api.js';
import { CtiError } from '../core/errors.js';
import type { PeerHealth } from '../core/peering.js';
import type { Prompt as CorePrompt } from '../core/prompts.js';
import type { TransferEntry } from '../core/transfers.js';
import type { NetworkType, RequestRecord, Strategy } from '../core/request.js';
import { routePrefix, type ListedRoute, type Place, type Route } from '../core/routes.js';
import type { GetStatusResponse, LineUpdate, Peer, Prompt, Request, Route as ProtoRoute, SubmitRequest, Transfer } from '../../gen/cti/v1/cti.js';

const KINDS: readonly SubmitInput['kind'][] = ['call', 'camp-on', 'join', 'barge-in'];
export const STRATEGIES: readonly Strategy[] = ['watch', 'retry'];
export const NETWORKS: readonly NetworkType[] = ['station', 'toll', 'public'];
const PLACES: readonly Place[] = ['remote', 'local'];

/** Epoch ms as RFC 3339 (UTC); empty for an unset time, as proto3 strings are. */
export function rfc3339(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

export function toProtoRequest(r: RequestRecord): Request {
  return {
    id: r.id,
    kind: r.kind,
    requester: r.requester,
    destination: r.destination,
    dial: r.dial,
    source: r.source,
    network: r.network,
    campOn: r.campOn,
    strategy: r.strategy,
    retryEveryMs: r.retryEveryMs,
    recallFirst: r.recallFirst,
    state: r.state,
    reason: r.reason ?? '',
    message: r.message ?? '',
    ringing: r.ringing ?? '',
    createdAt: rfc3339(r.createdAt),
    deadline: rfc3339(r.deadline),
    endedAt: rfc3339(r.endedAt),
    attempts: r.attempts,
    history: r.history.map((h) => ({ state: h.state, at: rfc3339(h.at), detail: h.detail ?? '' })),
    office: r.office ?? '',
    place: r.place ?? '',
    display: r.display ?? '',
  };
}

export function toProtoTransfer(t: TransferEntry): Transfer {
  return { extension: t.extension, destinations: t.destinations.map((d) => ({ ...d })), mode: t.mode, setBy: t.setBy, setAt: rfc3339(t.setAt) };
}

export function toProtoPrompt(p: CorePrompt): Prompt {
  return { ...p, call: [...p.call], options: [...p.options], expires: rfc3339(p.expires), text: p.text ?? '' };
}

export function toProtoLine(update: CoreLineUpdate): LineUpdate {
  return { device: update.device, state: update.state, at: rfc3339(update.at) };
}

export function toProtoStatus(s: CoreStatus, principal: Principal, mailListeners: string[] = []): GetStatusResponse {
  return {
    office: s.office,
    version: s.version,
    switchLink: s.switchLink,
    switchUrl: s.switchUrl,
    user: principal.name,
    admin: principal.admin,
    // An admin owns every extension of the office.
    extensions: principal.admin ? s.officeExtensions : principal.extensions,
    pendingRequests: s.pendingRequests,
    peers: s.peers.map(toProtoPeer),
    mailListeners,
  };
}

/** A SubmitRequest as core input: proto3 empty / zero values mean "the default". */
export function fromSubmitRequest(req: SubmitRequest): SubmitInput {
  return {
    kind: oneOf('kind', req.kind, KINDS),
    destination: req.destination,
    source: req.source || undefined,
    campOn: req.campOn,
    windowMs: optionalMs('window_ms', req.windowMs),
    strategy: req.strategy ? oneOf('strategy', req.strategy, STRATEGIES) : undefined,
    retryEveryMs: optionalMs('retry_every_ms', req.retryEveryMs),
    recallFirst: req.recallFirst,
    network: req.network ? oneOf('network', req.network, NETWORKS) : undefined,
    idempotencyKey: req.idempotencyKey || undefined,
    place: req.place ? oneOf('place', req.place, PLACES) : undefined,
    display: req.display || undefined,
  };
}

export function toProtoRoute(r: ListedRoute): ProtoRoute {
  return { prefix: r.prefix, office: r.office, network: r.network, place: r.place, origin: r.origin };
}

/** AddRoute's route: the prefix as digits, and the config's defaults (public, remote) for empty words. */
export function fromProtoRoute(r: ProtoRoute | undefined): Route {
  if (!r?.office) throw new CtiError('invalid-argument', 'a route needs a prefix and an office');
  return {
    prefix: routePrefix(r.prefix),
    office: r.office,
    network: r.network ? oneOf('network', r.network, NETWORKS) : 'public',
    place: r.place ? oneOf('place', r.place, PLACES) : 'remote',
  };
}

export function toProtoPeer(p: PeerHealth): Peer {
  return { office: p.office, address: p.address, health: p.health, lastReached: rfc3339(p.lastReached), lastError: p.lastError ?? '' };
}

/** A window for MonitorLine: 0 means "until the client goes away" (the core bounds it). */
export function monitorWindowMs(windowMs: number): number {
  return optionalMs('window_ms', windowMs) ?? 0;
}

/** A wire word as one of a closed set; anything else is the caller's bad input. */
export function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CtiError('invalid-argument', `${field} must be one of ${allowed.join(', ')}; got "${value}"`);
}

function optionalMs(field: string, ms: number): number | undefined {
  if (ms === 0) return undefined;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new CtiError('invalid-argument', `${field} must be a positive number of milliseconds; got ${ms}`);
  return ms;
}
