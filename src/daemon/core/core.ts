// The office's core: who may do what, admission (caps on pending requests),
// where numbers lead (own switch, outside, another office), and the runners
// that carry requests out. It implements the CoreApi the client gRPC adapter
// serves; PeerDesk (peer-desk.ts) serves other offices from the same state.

import { randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/clock.js';
import type { CoreApi, CoreStatus, LineUpdate, Principal, SubmitInput, Unsubscribe } from './api.js';
import { CtiError, isCtiError, mustBeAdmin } from './errors.js';
import { monitorLine, type WatchFactory } from './line-monitor.js';
import type { NumberResolver } from './numbers.js';
import { peerLineWatch } from './peer-line.js';
import { PeerDesk } from './peer-desk.js';
import { Deadlines } from './deadlines.js';
import { LineTurns } from './line-turns.js';
import { PortPool } from './port-pool.js';
import { answerPrompt, openPrompts, watchPrompts, type Prompt, type PromptReply } from './prompts.js';
import type { PeerFacingApi, PeerHealth, Peers } from './peering.js';
import type { RequestStore, Switch, SwitchFeature, TransferStore } from './ports.js';
import type { DialPolicy } from './dial-policy.js';
import { transferRecord, type OfferedTransfer, type TransferPolicy } from './transfer-call.js';
import { TransferRouting, type TransferMode } from './transfer-routing.js';
import { TransferTable, type TransferEntry, type TransferInput } from './transfers.js';
import { RequestRegistry } from './registry.js';
import { isDisplayName, isFinal, isJoinKind, type RequestRecord } from './request.js';
import { routePrefix, type ListedRoute, type Route, type RouteTable } from './routes.js';
import { Runners } from './runners.js';
import { scenarioProblem } from './scenario.js';
import { targetOf, type Target } from './targets.js';

export interface CoreLimits {
  /** The window when a request gives none (interfaces.md: 30m). */
  defaultWindowMs: number;
  /** The longest window anyone may ask for. */
  maxWindowMs: number;
  /** `--retry-every` default (30 s). */
  retryEveryMs: number;
  /** Caps on pending requests. */
  perRequester: number;
  perDestination: number;
  total: number;
  /** How long finished requests stay readable. */
  retentionMs: number;
  /** How long a consent prompt waits for its answer (30 s). */
  promptTimeoutMs: number;
}

/** A join's window: the prompt, then this long to ring the requester and connect. */
const JOIN_CONNECT_MS = 2 * 60_000;

export interface CoreOptions {
  office: string;
  version: string;
  switchUrl: string;
  users: (Principal & { token: string })[];
  limits: CoreLimits;
  numbers: NumberResolver;
  routes: RouteTable;
  peers: Peers;
  switch: Switch;
  /** The office's voice-board ports (config `voiceBoardPorts`). */
  voiceBoardPorts: string[];
  /** The office FAX device scenarios send to (config `faxDevice`). */
  faxDevice?: string;
  store: RequestStore;
  /** The transfer table's store, and the dial policy its destinations obey. */
  transfers: TransferStore;
  dialPolicy: DialPolicy;
  /** How routed calls are carried (config `transfer`). */
  transfer: TransferPolicy & { mode: TransferMode };
  clock: Clock;
  now?: () => number;
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export class Core implements CoreApi {
  readonly registry: RequestRegistry;
  readonly runners: Runners;
  /** What other offices may ask of this one. */
  readonly peerDesk: PeerFacingApi;
  readonly transfers: TransferTable;
  private readonly transferRouting: TransferRouting;
  private readonly now: () => number;

  constructor(private readonly options: CoreOptions) {
    this.now = options.now ?? Date.now;
    this.registry = new RequestRegistry(options.store, this.now);
    this.transfers = new TransferTable(options.transfers, options.numbers, options.dialPolicy, this.now);
    const ports = new PortPool(options.voiceBoardPorts);
    this.runners = new Runners({
      switch: options.switch,
      peers: options.peers,
      office: options.office,
      clock: options.clock,
      deadlines: new Deadlines(options.clock),
      now: this.now,
      registry: this.registry,
      logger: options.logger,
      ports,
      turns: new LineTurns(),
      promptTimeoutMs: options.limits.promptTimeoutMs,
      ...(options.faxDevice ? { faxDevice: options.faxDevice } : {}),
      transferPolicy: { allFail: options.transfer.allFail, unanswered: options.transfer.unanswered },
    });
    this.transferRouting = new TransferRouting({
      switch: options.switch,
      table: this.transfers,
      mode: options.transfer.mode,
      ports,
      carry: (call) => this.carryTransfer(call),
      logger: options.logger,
    });
    this.peerDesk = new PeerDesk({
      ...options,
      now: this.now,
      registry: this.registry,
      runners: this.runners,
      admit: (r) => this.admit(r),
      ownTransfers: { list: (p) => this.transfers.list(p), set: (p, i) => this.setOwnTransfer(p, i), clear: (p, e) => this.clearOwnTransfer(p, e) },
    });
  }

  /** Resumes every pending request from the store, with its original deadline. */
  start(): void {
    this.runners.resume(this.registry.all());
    this.transferRouting.sync();
    this.registry.startRetention(this.options.clock, this.options.limits.retentionMs);
  }

  /** Stops the runners without changing stored state: they resume on the next start. */
  stop(): void {
    this.runners.stop();
    this.transferRouting.stop();
    this.registry.stop();
  }

  authenticate(token: string): Principal | undefined {
    const given = Buffer.from(token);
    let found: Principal | undefined;
    for (const user of this.options.users) {
      const expected = Buffer.from(user.token);
      // Compare against every user, in constant time per comparison.
      if (given.length === expected.length && timingSafeEqual(given, expected) && !found) found = user;
    }
    return found && { name: found.name, admin: found.admin, extensions: found.extensions, ...(found.local ? { local: true } : {}) };
  }

  status(): CoreStatus {
    return {
      office: this.options.office,
      version: this.options.version,
      switchLink: this.options.switch.linkState,
      switchUrl: this.options.switchUrl,
      pendingRequests: this.registry.pendingCount,
      peers: this.options.peers.list(),
      officeExtensions: [...new Set(this.options.users.flatMap((u) => u.extensions))].sort(),
    };
  }

  vouch(principal: Principal, given?: string): { source: string; external: string } {
    const source = this.sourceOf(principal, given);
    const external = this.options.numbers.externalOf(source);
    if (!external) throw new CtiError('invalid-argument', `extension ${source} has no external number in the numbering plan, so another office cannot call it`, 'invalid-number');
    return { source, external };
  }

  check(principal: Principal, input: SubmitInput): void {
    this.newRecord(principal, input);
  }

  async submit(principal: Principal, input: SubmitInput): Promise<RequestRecord> {
    if (input.idempotencyKey) {
      const same = this.registry.byKey(principal.name, input.idempotencyKey);
      if (same) return same;
    }
    const record = this.newRecord(principal, input);
    this.admit(record);
    await this.registry.create(record);
    this.options.logger('request accepted', { id: record.id, kind: record.kind, destination: record.dial, source: record.source, office: record.office });
    // The state as stored, before the runner moves it on (the runner replaces fields and appends to the
    // history; only a scenario changes in place). Cheaper than a structuredClone of the whole record.
    const acknowledged: RequestRecord = { ...record, history: record.history.slice(), ...(record.scenario ? { scenario: structuredClone(record.scenario) } : {}) };
    this.runners.run(record);
    return acknowledged;
  }

  get(principal: Principal, id: string): RequestRecord {
    const record = this.registry.get(id);
    if (!record || record.origin || !(principal.admin || record.requester === principal.name)) throw new CtiError('not-found', `no request ${id}`);
    return record;
  }

  list(principal: Principal, options: { all?: boolean }): RequestRecord[] {
    if (options.all && !principal.admin) throw new CtiError('permission-denied', 'only an admin may list every request (--all)', 'not-allowed');
    return [...this.registry.all()].filter((r) => (options.all ? !r.origin : r.requester === principal.name)).sort((a, b) => b.createdAt - a.createdAt);
  }

  async cancel(principal: Principal, id: string): Promise<RequestRecord> {
    const record = this.get(principal, id);
    if (!isFinal(record)) await this.runners.cancel(id);
    return record;
  }

  watch(principal: Principal, filter: { id?: string; all?: boolean }, onUpdate: (r: RequestRecord, initial: boolean) => void, onEnd: () => void): Unsubscribe {
    const wanted = (r: RequestRecord) => !r.origin && (filter.id ? r.id === filter.id : filter.all ? true : r.requester === principal.name);
    const initial = filter.id ? [this.get(principal, filter.id)] : this.list(principal, { all: filter.all ?? false }).reverse();
    return watchRecords(this.registry, wanted, initial, filter.id !== undefined, onUpdate, onEnd);
  }

  monitorLine(principal: Principal, number: string, windowMs: number, onUpdate: (u: LineUpdate) => void, onEnd: (err?: Error) => void): Unsubscribe {
    void principal; // any user may watch a line of the office (what a busy-lamp field shows)
    const { limits, clock, routes, numbers, office } = this.options;
    const target = targetOf(numbers, routes, office, number);
    const window = Math.min(windowMs > 0 ? windowMs : limits.maxWindowMs, limits.maxWindowMs);
    const watch: WatchFactory = target.office
      ? (onChange) => peerLineWatch(this.runners.ctx, target.office!, target.dial, [office], onChange)
      : (onChange) => this.options.switch.watchLine(target.dial, onChange);
    return monitorLine(watch, clock, this.now, target.dial, window, onUpdate, onEnd);
  }

  listRoutes(): ListedRoute[] {
    return this.options.routes.list();
  }

  addRoute(principal: Principal, route: Route): Promise<ListedRoute> {
    mustBeAdmin(principal, 'change the route table');
    return this.options.routes.add({ ...route, prefix: routePrefix(route.prefix) });
  }

  removeRoute(principal: Principal, prefix: string): Promise<void> {
    mustBeAdmin(principal, 'change the route table');
    return this.options.routes.remove(routePrefix(prefix));
  }

  listPeers(): PeerHealth[] {
    return this.options.peers.list();
  }

  async listTransfers(principal: Principal, office?: string): Promise<TransferEntry[]> {
    if (!office || office === this.options.office) return this.transfers.list(principal);
    mustBePerson(principal);
    if (!this.options.peers.has(office)) throw new CtiError('invalid-argument', `no peer office "${office}" in the config (peers)`);
    return this.atOwner(() => this.options.peers.listTransfers(office, principal.name));
  }

  /** Another office's extension (the route table says whose) is set there, over the peer API, as this user. */
  async setTransfer(principal: Principal, input: TransferInput): Promise<TransferEntry> {
    const owner = this.transferOwner(input.extension);
    if (!owner) return this.setOwnTransfer(principal, input);
    mustBePerson(principal);
    const request = { user: principal.name, extension: owner.dial, destinations: [...input.destinations], confirm: input.confirm ?? false };
    return this.atOwner(() => this.options.peers.setTransfer(owner.office, request));
  }

  async clearTransfer(principal: Principal, extension: string): Promise<TransferEntry> {
    const owner = this.transferOwner(extension);
    if (!owner) return this.clearOwnTransfer(principal, extension);
    mustBePerson(principal);
    return this.atOwner(() => this.options.peers.clearTransfer(owner.office, { user: principal.name, extension: owner.dial }));
  }

  /** This office's extensions only (the table refuses any other number): for local users, and for other offices' (PeerDesk). */
  private async setOwnTransfer(principal: Principal, input: TransferInput): Promise<TransferEntry> {
    this.mustServe('routing');
    const entry = await this.transfers.set(principal, input);
    this.transferRouting.sync();
    return entry;
  }

  private async clearOwnTransfer(principal: Principal, extension: string): Promise<TransferEntry> {
    const entry = await this.transfers.clear(principal, extension);
    this.transferRouting.sync();
    return entry;
  }

  /** The office that owns a number the route table leads to another office, and the number as sent there (national digits). */
  private transferOwner(number: string): { office: string; dial: string } | undefined {
    const { numbers, routes, office } = this.options;
    const target = targetOf(numbers, routes, office, number);
    return target.office ? { office: target.office, dial: target.dial } : undefined;
  }

  /** One attempt: an owner that cannot be reached fails the request (`peer-unavailable`, exit 1), it does not make this ctid look down. */
  private async atOwner<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isCtiError(err) && err.code === 'unavailable') throw new CtiError('failed-precondition', err.message, err.reason ?? 'peer-unavailable', { cause: err });
      throw err;
    }
  }

  listPrompts(principal: Principal): Prompt[] {
    return openPrompts(this.registry, principal);
  }

  watchPrompts(principal: Principal, onUpdate: (prompt: Prompt, initial: boolean) => void): Unsubscribe {
    return watchPrompts(this.registry, principal, onUpdate);
  }

  async answerPrompt(principal: Principal, id: string, reply: PromptReply): Promise<Prompt> {
    const prompt = await answerPrompt(this.registry, principal, id, reply, this.now());
    this.runners.nudge(id);
    return prompt;
  }

  // ------------------------------------------------------------ helpers

  /** A routed call parked on a voice-board port becomes a request of its own (transfer-call.ts). */
  private async carryTransfer(call: OfferedTransfer): Promise<void> {
    const record = transferRecord(this.runners.ctx, newId(this.options.office), call);
    await this.registry.create(record);
    this.runners.run(record);
  }

  /** Refuses what this office's switch adapter does not serve (yet), with its words. */
  private mustServe(feature: SwitchFeature): void {
    const why = this.options.switch.lacks.get(feature);
    if (why) throw new CtiError('failed-precondition', `this office's switch cannot do that: ${why}`);
  }

    /** The requester's extension: given (it must be theirs, or they an admin) or their first. */
  private sourceOf(principal: Principal, given: string | undefined): string {
    const source = given ?? principal.extensions[0];
    if (!source) throw new CtiError('invalid-argument', `user ${principal.name} has no extension: give the one to ring with --from`);
    if (!/^\d{1,8}$/.test(source)) throw new CtiError('invalid-argument', `--from must be an extension (digits), got "${source}"`);
    if (!principal.admin && !principal.extensions.includes(source)) {
      throw new CtiError('permission-denied', `extension ${source} is not yours (yours: ${principal.extensions.join(', ') || 'none'})`, 'not-allowed');
    }
    return source;
  }

  private newRecord(principal: Principal, input: SubmitInput): RequestRecord {
    const { limits, numbers, routes, office } = this.options;
    const source = this.sourceOf(principal, input.source);
    const joining = isJoinKind(input.kind);
    if (input.display !== undefined && !isDisplayName(input.display)) {
      throw new CtiError('invalid-argument', '--as must be a name of at most 64 printable characters');
    }
    const target = targetOf(numbers, routes, office, input.destination, joining ? 'remote' : input.place);
    if (target.own && target.dial === source) throw new CtiError('invalid-argument', `cannot call ${source} from itself`, 'invalid-number');
    if (joining && !target.office && !(target.own && /^[1-9]/.test(target.dial))) {
      throw new CtiError('failed-precondition', `${input.destination} is not an extension of this office and no route leads to the office that owns it`, 'unroutable');
    }
    if (joining && target.own) this.mustServe('joins');
    if (input.scenario) {
      checkScenario(input, target);
      if (input.scenario.flat().some((a) => a.do === 'play' || a.do === 'fax')) this.mustServe('voice-board');
    }
    const sourceExternal = target.office ? numbers.externalOf(source) : undefined;
    if (target.office && target.place === 'remote' && !sourceExternal) {
      throw new CtiError('invalid-argument', `extension ${source} has no external number in the numbering plan, so office ${target.office} cannot call it`, 'invalid-number');
    }
    const windowMs = joining ? limits.promptTimeoutMs + JOIN_CONNECT_MS : input.windowMs && input.windowMs > 0 ? input.windowMs : limits.defaultWindowMs;
    if (windowMs > limits.maxWindowMs) throw new CtiError('invalid-argument', `the window may be at most ${limits.maxWindowMs / 60_000} minutes`);
    const retryEveryMs = input.retryEveryMs && input.retryEveryMs > 0 ? input.retryEveryMs : limits.retryEveryMs;
    if (retryEveryMs < 1000) throw new CtiError('invalid-argument', '--retry-every must be at least 1s');
    const now = this.now();
    return {
      id: newId(office),
      kind: input.kind,
      requester: principal.name,
      destination: input.destination.trim(),
      dial: target.dial,
      source,
      network: input.network ?? target.network,
      campOn: input.kind === 'camp-on' || (input.campOn ?? false),
      strategy: input.strategy ?? 'watch',
      retryEveryMs,
      recallFirst: input.recallFirst ?? false,
      state: 'accepted',
      createdAt: now,
      deadline: now + windowMs,
      attempts: 0,
      history: [{ state: 'accepted', at: now }],
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(target.office ? { office: target.office, place: target.place } : {}),
      ...(sourceExternal ? { sourceExternal } : {}),
      ...(joining ? { display: input.display?.trim() || principal.name } : {}),
      ...(input.scenario ? { scenario: { steps: input.scenario, next: 0, outcomes: [] } } : {}),
    };
  }

  /** Caps on pending requests (the anchor PBX uses 5 / 5 / 20). */
  private admit(record: RequestRecord): void {
    const { perRequester, perDestination, total } = this.options.limits;
    const refuse = (what: string) => {
      throw new CtiError('resource-exhausted', `too many pending requests ${what}; cancel one or wait`, 'limit');
    };
    if (this.registry.pendingCount >= total) refuse(`in this office (${total})`);
    if (this.registry.pendingFor('requester', record.requester) >= perRequester) refuse(`of yours (${perRequester})`);
    if (this.registry.pendingFor('dial', record.dial) >= perDestination) refuse(`for ${record.destination} (${perDestination})`);
  }
}

/**
 * The current state of the matching records first (initial = true), then each
 * change; with `single`, the stream ends after that record's final state.
 */
export function watchRecords(
  registry: RequestRegistry,
  wanted: (r: RequestRecord) => boolean,
  initial: RequestRecord[],
  single: boolean,
  onUpdate: (r: RequestRecord, initial: boolean) => void,
  onEnd: () => void,
): Unsubscribe {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    onEnd();
  };
  const listener = (r: RequestRecord) => {
    if (!wanted(r)) return;
    onUpdate(r, false);
    if (single && isFinal(r)) end();
  };
  const unsubscribe = single && initial[0] ? registry.subscribeTo(initial[0].id, listener) : registry.subscribe(listener);
  for (const r of initial) onUpdate(r, true);
  if (single && initial[0] && isFinal(initial[0])) end();
  return end;
}

/**
 * A scenario fit to run (scenarioProblem); playing, showing and asking
 * reach the recipient's phone and clients, so the destination must be an
 * extension of this office.
 */
function checkScenario(input: SubmitInput, target: Target): void {
  const steps = input.scenario!;
  const bad = (why: string) => {
    throw new CtiError('invalid-argument', `scenario: ${why}`);
  };
  if (input.kind !== 'call') bad(`a ${input.kind} request has no scenario`);
  const problem = scenarioProblem(steps);
  if (problem) bad(problem);
  const reachesPhone = steps.flat().some((a) => a.do === 'play' || a.do === 'show' || a.do === 'ask');
  if (reachesPhone && !(target.own && /^[1-9]/.test(target.dial))) bad(`${input.destination} is not an extension of this office: voice messages and prompts go to the recipient's own phone`);
}

/** Other offices know users by name: the local admin token (nobody in particular) acts in this office only. */
function mustBePerson(principal: Principal): void {
  if (principal.local) throw new CtiError('permission-denied', 'the local admin token acts in this office only: other offices know users by name, so use a user of the config', 'not-allowed');
}

/** Random bytes for ids, drawn a few hundred ids at a time: one randomBytes(8) per id costs a few microseconds each. */
const idPool = { bytes: Buffer.alloc(4096), used: 4096 };

/** Unguessable ids (64 random bits) that still say which office made them: `a-3f9c...`. */
function newId(office: string): string {
  if (idPool.used + 8 > idPool.bytes.length) {
    randomFillSync(idPool.bytes);
    idPool.used = 0;
  }
  const hex = idPool.bytes.toString('hex', idPool.used, idPool.used + 8);
  idPool.used += 8;
  return `${office}-${hex}`;
}
