// A CoreApi the test drives by hand, behind the real gRPC server: the CLI's
// and the adapter's behaviour (progress, exit statuses, streams, errors)
// tested without a switch, each state change made exactly when the test says.

import type { CoreApi, LineUpdate, Principal, SubmitInput, Unsubscribe } from '../../src/daemon/core/api.js';
import { CtiError } from '../../src/daemon/core/errors.js';
import type { PeerHealth } from '../../src/daemon/core/peering.js';
import type { Prompt, PromptReply } from '../../src/daemon/core/prompts.js';
import type { TransferEntry, TransferInput } from '../../src/daemon/core/transfers.js';
import { isFinal, type FailureReason, type RequestRecord, type RequestState } from '../../src/daemon/core/request.js';
import type { ListedRoute, Route } from '../../src/daemon/core/routes.js';

export const TOKENS = { bob: 'bob-token', boss: 'boss-token' } as const;

const USERS: Record<string, Principal> = {
  [TOKENS.bob]: { name: 'bob', admin: false, extensions: ['2001'] },
  [TOKENS.boss]: { name: 'boss', admin: true, extensions: [] },
};

type RequestWatcher = { principal: Principal; id?: string; onUpdate: (r: RequestRecord, initial: boolean) => void; onEnd: () => void };
type LineWatcher = { number: string; onUpdate: (u: LineUpdate) => void; onEnd: (err?: Error) => void };

export class FakeCore implements CoreApi {
  readonly requests = new Map<string, RequestRecord>();
  /** The route table, as the real one: config routes first, admins change it. */
  readonly routes: ListedRoute[] = [{ prefix: '044222', office: 'b', network: 'public', place: 'remote', origin: 'config' }];
  /** What listPeers returns; the test sets it. */
  peers: PeerHealth[] = [];
  /** The last SubmitInput the core was given (to check what the adapter passed through). */
  lastSubmit: SubmitInput | undefined;
  /** Thrown by the next submit, if set (then cleared). */
  failNextSubmit: unknown;
  private readonly requestWatchers = new Set<RequestWatcher>();
  private readonly lineWatchers = new Set<LineWatcher>();
  private nextId = 1;

  authenticate(token: string): Principal | undefined {
    return USERS[token];
  }

  status() {
    const pending = [...this.requests.values()].filter((r) => !isFinal(r)).length;
    return { office: 'a', version: '9.9.9', switchLink: 'up' as const, switchUrl: 'embedded', pendingRequests: pending, peers: this.listPeers(), officeExtensions: [...new Set(Object.values(USERS).flatMap((u) => u.extensions))].sort() };
  }

  vouch(principal: Principal, source?: string): { source: string; external: string } {
    const ext = source ?? principal.extensions[0] ?? '';
    return { source: ext, external: `044123${ext}` };
  }

  check(): void {}

  async submit(principal: Principal, input: SubmitInput): Promise<RequestRecord> {
    const failure = this.failNextSubmit;
    this.failNextSubmit = undefined;
    if (failure) throw failure;
    this.lastSubmit = input;
    const source = input.source ?? principal.extensions[0] ?? '';
    if (!principal.admin && !principal.extensions.includes(source)) throw new CtiError('permission-denied', `extension ${source} is not yours`, 'not-allowed');
    const now = Date.now();
    const record: RequestRecord = {
      id: `r${this.nextId++}`,
      kind: input.kind,
      requester: principal.name,
      destination: input.destination,
      dial: input.destination.replace(/\D/g, ''),
      source,
      network: 'station',
      campOn: input.kind === 'camp-on' || input.campOn === true,
      strategy: input.strategy ?? 'watch',
      retryEveryMs: input.retryEveryMs ?? 30_000,
      recallFirst: input.recallFirst ?? false,
      state: 'accepted',
      createdAt: now,
      deadline: now + (input.windowMs ?? 30 * 60_000),
      attempts: 0,
      history: [{ state: 'accepted', at: now }],
      place: input.place,
    };
    this.requests.set(record.id, record);
    this.publish(record);
    return record;
  }

  get(principal: Principal, id: string): RequestRecord {
    const record = this.requests.get(id);
    if (!record || (!principal.admin && record.requester !== principal.name)) throw new CtiError('not-found', `no request ${id}`);
    return record;
  }

  list(principal: Principal, options: { all?: boolean }): RequestRecord[] {
    return [...this.requests.values()].filter((r) => (options.all && principal.admin) || r.requester === principal.name).reverse();
  }

  async cancel(principal: Principal, id: string): Promise<RequestRecord> {
    const record = this.get(principal, id);
    if (!isFinal(record)) this.advance(id, 'cancelled', { reason: 'cancelled', message: `cancelled by ${principal.name}` });
    return record;
  }

  watch(principal: Principal, filter: { id?: string; all?: boolean }, onUpdate: RequestWatcher['onUpdate'], onEnd: () => void): Unsubscribe {
    const initial = filter.id ? [this.get(principal, filter.id)] : this.list(principal, filter).reverse();
    const watcher: RequestWatcher = { principal, id: filter.id, onUpdate, onEnd };
    this.requestWatchers.add(watcher);
    initial.forEach((r) => onUpdate(r, true));
    if (filter.id && isFinal(initial[0]!)) this.endWatch(watcher);
    return () => this.requestWatchers.delete(watcher);
  }

  monitorLine(_principal: Principal, number: string, windowMs: number, onUpdate: LineWatcher['onUpdate'], onEnd: LineWatcher['onEnd']): Unsubscribe {
    const watcher: LineWatcher = { number, onUpdate, onEnd };
    this.lineWatchers.add(watcher);
    onUpdate({ device: number, state: 'idle', at: Date.now() });
    const timer = windowMs > 0 ? setTimeout(() => this.lineWatchers.delete(watcher) && onEnd(), windowMs) : undefined;
    return () => {
      clearTimeout(timer);
      this.lineWatchers.delete(watcher);
    };
  }

  listRoutes(): ListedRoute[] {
    return [...this.routes].sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
  }

  async addRoute(principal: Principal, route: Route): Promise<ListedRoute> {
    this.admin(principal, 'change routes');
    if (!['b', 'c'].includes(route.office)) throw new CtiError('invalid-argument', `no peer office "${route.office}" in the config (peers)`);
    const listed: ListedRoute = { ...route, origin: 'runtime' };
    this.dropRoute(route.prefix);
    this.routes.push(listed);
    return listed;
  }

  async removeRoute(principal: Principal, prefix: string): Promise<void> {
    this.admin(principal, 'change routes');
    if (!this.dropRoute(prefix)) throw new CtiError('not-found', `no route for prefix ${prefix}`);
  }

  listPeers(): PeerHealth[] {
    return this.peers;
  }

  /** Transfer entries by extension. */
  transfers = new Map<string, TransferEntry>();

  async listTransfers(): Promise<TransferEntry[]> {
    return [...this.transfers.values()];
  }

  async setTransfer(principal: Principal, input: TransferInput): Promise<TransferEntry> {
    const entry: TransferEntry = {
      extension: input.extension,
      destinations: input.destinations.map((number) => ({ number, dial: number.replace(/\D/g, ''), network: 'public' })),
      mode: input.confirm ? 'confirm' : 'auto',
      setBy: principal.name,
      setAt: Date.now(),
    };
    this.transfers.set(input.extension, entry);
    return entry;
  }

  async clearTransfer(_principal: Principal, extension: string): Promise<TransferEntry> {
    const entry = this.transfers.get(extension);
    if (!entry) throw new CtiError('not-found', `no transfer is set for ${extension}`);
    this.transfers.delete(extension);
    return entry;
  }

  /** Open prompts; the test adds them. */
  prompts: Prompt[] = [];

  listPrompts(principal: Principal): Prompt[] {
    return this.prompts.filter((p) => p.state === 'open' && (principal.admin || principal.extensions.includes(p.extension)));
  }

  watchPrompts(principal: Principal, onUpdate: (prompt: Prompt, initial: boolean) => void): Unsubscribe {
    for (const p of this.listPrompts(principal)) onUpdate(p, true);
    return () => {};
  }

  async answerPrompt(principal: Principal, id: string, { accept }: PromptReply): Promise<Prompt> {
    const prompt = this.prompts.find((p) => p.id === id);
    if (!prompt) throw new CtiError('not-found', `no prompt ${id}`);
    if (!principal.admin && !principal.extensions.includes(prompt.extension)) throw new CtiError('permission-denied', 'not your extension', 'not-allowed');
    prompt.state = accept ? 'accepted' : 'rejected';
    return prompt;
  }

  private admin(principal: Principal, what: string): void {
    if (!principal.admin) throw new CtiError('permission-denied', `only admins may ${what}`, 'not-allowed');
  }

  private dropRoute(prefix: string): boolean {
    const i = this.routes.findIndex((r) => r.prefix === prefix);
    if (i >= 0) this.routes.splice(i, 1);
    return i >= 0;
  }

  // ------------------------------------------------------------ the test's hands

  /** Moves a request to a new state, as the real runners would. */
  advance(id: string, state: RequestState, more: { detail?: string; reason?: FailureReason; message?: string; ringing?: string } = {}): RequestRecord {
    const record = this.requests.get(id)!;
    const now = Date.now();
    Object.assign(record, { state, reason: more.reason, message: more.message, ringing: more.ringing });
    record.history.push({ state, at: now, detail: more.detail });
    if (isFinal(record)) record.endedAt = now;
    this.publish(record);
    return record;
  }

  line(number: string, state: LineUpdate['state']): void {
    for (const w of this.lineWatchers) if (w.number === number) w.onUpdate({ device: number, state, at: Date.now() });
  }

  /** Open subscriptions (to check that closed clients unsubscribe). */
  get subscriptions(): number {
    return this.requestWatchers.size + this.lineWatchers.size;
  }

  private publish(record: RequestRecord): void {
    for (const w of [...this.requestWatchers]) {
      if (w.id ? w.id !== record.id : !(w.principal.admin || record.requester === w.principal.name)) continue;
      w.onUpdate({ ...record, history: [...record.history] }, false);
      if (w.id && isFinal(record)) this.endWatch(w);
    }
  }

  private endWatch(watcher: RequestWatcher): void {
    this.requestWatchers.delete(watcher);
    watcher.onEnd();
  }
}
