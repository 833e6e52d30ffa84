// What this office does for other offices (FIG. 13-16, 19-26): it takes
// forwarded camp-on requests for the numbers it owns, runs them on its own
// switch (the requester is called back at its external number), reports
// their state, cancels them, and streams the status of its lines. A request
// keeps the id its origin gave it, so a re-sent request is the same request.
// Only the office that forwarded a request may read or cancel it. It also
// sets and clears the transfer entries of its extensions for the users of
// other offices (FIG. 55-58): the calling office vouches for the user's name,
// and this office's own user of that name must be the extension's owner here
// or an admin here.

import type { Clock } from '../../common/clock.js';
import type { Principal, Unsubscribe } from './api.js';
import { watchRecords, type CoreLimits } from './core.js';
import { CtiError, isCtiError } from './errors.js';
import { monitorLine, type WatchFactory } from './line-monitor.js';
import type { NumberResolver } from './numbers.js';
import { peerLineWatch } from './peer-line.js';
import type { PeerCampOn, PeerFacingApi, PeerRequestState, Peers, PeerStatus, PeerStatusNotification, PeerTransferEntry, PeerTransferRequest } from './peering.js';
import type { LineState, Switch } from './ports.js';
import type { RequestRegistry } from './registry.js';
import type { FailureReason, RequestRecord } from './request.js';
import type { RouteTable } from './routes.js';
import type { Runners } from './runners.js';
import { targetOf, type Target } from './targets.js';
import type { TransferEntry, TransferInput } from './transfers.js';

export interface DeskContext {
  office: string;
  limits: CoreLimits;
  numbers: NumberResolver;
  routes: RouteTable;
  peers: Peers;
  switch: Switch;
  clock: Clock;
  now: () => number;
  registry: RequestRegistry;
  runners: Runners;
  /** The office's caps on pending requests; throws CtiError `limit`. */
  admit: (record: RequestRecord) => void;
  /** The office's users (config `users`), by whose names other offices ask. */
  users: readonly Principal[];
  /** Transfer entry / release of this office's own extensions, as for a local user (the table, then the routing registration). */
  ownTransfers: {
    list(principal: Principal): TransferEntry[];
    set(principal: Principal, input: TransferInput): Promise<TransferEntry>;
    clear(principal: Principal, extension: string): Promise<TransferEntry>;
  };
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

const ID = /^[a-z0-9][a-z0-9-]{0,31}-[0-9a-f]{8,32}$/;

export class PeerDesk implements PeerFacingApi {
  constructor(private readonly ctx: DeskContext) {}

  async peerCampOn(origin: string, request: PeerCampOn): Promise<PeerRequestState> {
    if (!ID.test(request.id)) throw new CtiError('invalid-argument', `"${request.id}" is not a request id`);
    const existing = this.ctx.registry.get(request.id);
    if (existing) {
      if (existing.origin !== origin) throw new CtiError('already-exists', `request ${request.id} exists and is not office ${origin}'s`);
      return peerState(existing);
    }
    const record = this.recordFor(origin, request);
    await this.ctx.registry.create(record);
    this.ctx.logger('forwarded request accepted', { id: record.id, origin, destination: record.dial, state: record.state, reason: record.reason });
    const acknowledged = peerState(record);
    if (record.state === 'accepted') this.ctx.runners.run(record);
    return acknowledged;
  }

  peerWatch(origin: string, id: string, onState: (s: PeerRequestState) => void, onEnd: () => void): Unsubscribe {
    const record = this.own(origin, id);
    return watchRecords(this.ctx.registry, (r) => r.id === id, [record], true, (r) => onState(peerState(r)), onEnd);
  }

  async peerCancel(origin: string, id: string): Promise<PeerRequestState> {
    const record = this.own(origin, id);
    await this.ctx.runners.cancel(id);
    return peerState(record);
  }

  peerMonitor(origin: string, number: string, windowMs: number, via: string[], onStatus: (n: PeerStatusNotification) => void, onEnd: (err?: Error) => void): Unsubscribe {
    const { office, limits, clock, now } = this.ctx;
    const target = this.target(number);
    if (!target.own && (!target.office || via.includes(target.office) || target.office === office)) {
      throw new CtiError('failed-precondition', `office ${office} does not own ${number} and cannot route it`, target.office ? 'loop' : 'unroutable');
    }
    void origin; // any peer may watch a line's status (FIG. 24); it learns no more than a busy-lamp field
    const window = Math.min(windowMs > 0 ? windowMs : limits.maxWindowMs, limits.maxWindowMs);
    const watch: WatchFactory = target.own
      ? (onChange) => this.ctx.switch.watchLine(target.dial, onChange)
      : (onChange) => peerLineWatch(this.ctx.runners.ctx, target.office!, target.dial, [...via, office], onChange);
    let last: LineState | undefined;
    return monitorLine(
      watch,
      clock,
      now,
      target.dial,
      window,
      (u) => {
        onStatus({ status: statusOf(last, u.state), lineState: u.state });
        last = u.state;
      },
      onEnd,
    );
  }

  async peerSetTransfer(origin: string, request: PeerTransferEntry): Promise<TransferEntry> {
    const principal = this.userOf(origin, request.user);
    const entry = await this.ctx.ownTransfers.set(principal, { extension: request.extension, destinations: request.destinations, confirm: request.confirm });
    this.ctx.logger('transfer set for another office', { origin, user: principal.name, extension: entry.extension });
    return entry;
  }

  async peerClearTransfer(origin: string, request: PeerTransferRequest): Promise<TransferEntry> {
    const principal = this.userOf(origin, request.user);
    const entry = await this.ctx.ownTransfers.clear(principal, request.extension);
    this.ctx.logger('transfer cleared for another office', { origin, user: principal.name, extension: entry.extension });
    return entry;
  }

  peerListTransfers(origin: string, user: string): TransferEntry[] {
    return this.ctx.ownTransfers.list(this.userOf(origin, user));
  }

  /** This office's user of the name the calling office vouches for; an unknown name may do nothing. */
  private userOf(origin: string, name: string): Principal {
    const user = this.ctx.users.find((u) => u.name === name && !u.local); // the local admin token is nobody another office can vouch for
    if (!user) throw new CtiError('permission-denied', `${name} of office ${origin} is not a user of office ${this.ctx.office}`, 'not-allowed');
    return { name: user.name, admin: user.admin, extensions: [...user.extensions] };
  }

  /** The local request a forwarded one becomes: runnable, or already failed with the reason it cannot run. */
  private recordFor(origin: string, request: PeerCampOn): RequestRecord {
    const { office, limits, now } = this.ctx;
    const at = now();
    const kind = request.kind ?? 'camp-on';
    const record: RequestRecord = {
      id: request.id,
      kind,
      requester: `${origin}/${request.requester}`,
      destination: request.destination,
      dial: request.destination,
      source: request.source,
      network: request.network,
      campOn: kind === 'camp-on',
      strategy: request.strategy,
      retryEveryMs: Math.max(1000, request.retryEveryMs || limits.retryEveryMs),
      recallFirst: false,
      state: 'accepted',
      createdAt: at,
      deadline: Math.min(request.deadline > 0 ? request.deadline : at + limits.defaultWindowMs, at + limits.maxWindowMs),
      attempts: 0,
      history: [{ state: 'accepted', at }],
      origin,
      via: request.via,
      ...(request.display ? { display: request.display } : {}),
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      ...(request.scenario ? { scenario: { steps: request.scenario, next: 0, outcomes: [] } } : {}),
    };
    const refuse = (reason: FailureReason, message: string): RequestRecord => {
      record.state = 'failed';
      record.reason = reason;
      record.message = message;
      record.endedAt = at;
      record.history.push({ state: 'failed', at, detail: message });
      return record;
    };
    if (request.via.includes(office)) return refuse('loop', `the request came back to office ${office} (via ${request.via.join(' -> ')}): the route tables loop`);
    let target: Target;
    try {
      target = this.target(request.destination);
    } catch (err) {
      return refuse('invalid-number', isCtiError(err) ? err.message : String(err));
    }
    record.dial = target.dial;
    if ((kind !== 'camp-on' || request.scenario) && !(target.own && /^[1-9]/.test(target.dial))) return refuse('unroutable', `${request.destination} is not an extension of office ${office}`);
    if (!target.own) {
      if (!target.office) return refuse('unroutable', `office ${office} does not own ${request.destination} and has no route for it`);
      if (request.via.includes(target.office)) return refuse('loop', `office ${office} routes ${request.destination} back to office ${target.office}: the route tables loop`);
      // Forward onward; the requester's number travels unchanged.
      Object.assign(record, { office: target.office, place: 'remote', sourceExternal: request.source });
    }
    try {
      this.ctx.admit(record);
    } catch (err) {
      return refuse('limit', isCtiError(err) ? err.message : String(err));
    }
    return record;
  }

  private target(number: string): Target {
    return targetOf(this.ctx.numbers, this.ctx.routes, this.ctx.office, number, 'remote');
  }

  private own(origin: string, id: string): RequestRecord {
    const record = this.ctx.registry.get(id);
    if (!record || record.origin !== origin) throw new CtiError('not-found', `no request ${id} from office ${origin}`);
    return record;
  }
}

/** FIG. 25: what a change of line state means to the office that waits on it. */
function statusOf(before: LineState | undefined, now: LineState): PeerStatus {
  if (now === 'busy' && before === 'ringing') return 'answered';
  return now;
}

export function peerState(r: RequestRecord): PeerRequestState {
  const last = r.history.at(-1);
  return {
    id: r.id,
    state: r.state,
    attempts: r.attempts,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.message ? { message: r.message } : {}),
    ...(r.ringing ? { ringing: r.ringing } : {}),
    ...(last?.detail ? { detail: last.detail } : {}),
  };
}
