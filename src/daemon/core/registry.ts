// Every request the office knows, in memory and in the store, and who is
// watching them. Changes go to the store (durably, in order) and to the
// watchers; a submission is acknowledged only after its first put().

import type { Clock, Timer } from '../../common/clock.js';
import type { RequestStore } from './ports.js';
import { isFinal, type RequestRecord, type RequestState } from './request.js';

export type RequestListener = (record: RequestRecord) => void;

export interface Change {
  state?: RequestState;
  /** Words for the history entry of a state change ("line busy", "ringing 2000"). */
  detail?: string;
  fields?: Partial<Omit<RequestRecord, 'id' | 'state' | 'history'>>;
  /** Progress within the same state ("ringing 2000"): a history entry without a state change. */
  note?: string;
  /**
   * `watchers`, for progress only: update() tells the watchers at once and
   * leaves the store to the next change (losing it in a crash loses nothing
   * a restart needs); a state change is always stored.
   */
  until?: 'watchers';
}

export class RequestRegistry {
  private readonly records = new Map<string, RequestRecord>();
  private readonly listeners = new Set<RequestListener>();
  /** Watchers of one request each, by id: a change wakes only its own (many forwarded requests stay open at once). */
  private readonly byId = new Map<string, Set<RequestListener>>();
  private readonly pending = new Set<string>();
  /** requester + idempotency key -> request id. */
  private readonly keys = new Map<string, string>();
  /** Pending counts by requester and by destination, for the admission caps. */
  private readonly counts = { requester: new Map<string, number>(), dial: new Map<string, number>() };
  private sweeper: Timer | undefined;

  constructor(
    private readonly store: RequestStore,
    private readonly now: () => number,
  ) {
    for (const record of store.load()) {
      this.records.set(record.id, record);
      this.index(record);
      if (!isFinal(record)) this.addPending(record);
    }
  }

  /** The request a user submitted with this idempotency key, if any. */
  byKey(requester: string, key: string): RequestRecord | undefined {
    const id = this.keys.get(`${requester}\u0000${key}`);
    return id === undefined ? undefined : this.records.get(id);
  }

  private index(record: RequestRecord): void {
    if (record.idempotencyKey) this.keys.set(`${record.requester}\u0000${record.idempotencyKey}`, record.id);
  }

  get(id: string): RequestRecord | undefined {
    return this.records.get(id);
  }

  all(): IterableIterator<RequestRecord> {
    return this.records.values();
  }

  /** Requests not yet in a final state. */
  pendingRecords(): RequestRecord[] {
    return [...this.pending].map((id) => this.records.get(id)!);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  pendingFor(key: 'requester' | 'dial', value: string): number {
    return this.counts[key].get(value) ?? 0;
  }

  /** Stores a new request; resolves once it is durable (the acknowledgement point). */
  async create(record: RequestRecord): Promise<void> {
    await this.store.put(record);
    this.records.set(record.id, record);
    this.index(record);
    if (!isFinal(record)) this.addPending(record);
    this.publish(record);
  }

  /**
   * Applies a change, tells the watchers at once, and resolves once the
   * change is durable. A change that changes nothing (a resumed request
   * storing the state it was stored in) is neither stored nor told.
   */
  update(record: RequestRecord, change: Change): Promise<void> {
    const changed = this.apply(record, change);
    if (changed === 'nothing' || (changed === 'progress' && change.until === 'watchers')) return Promise.resolve();
    return this.store.put(record);
  }

  /**
   * update(), with the change written to the store before it returns
   * (RequestStore.write) rather than awaited to its fsync. Throws if it
   * cannot be written.
   */
  updateNow(record: RequestRecord, change: Omit<Change, 'until'>): void {
    if (this.apply(record, change) !== 'nothing') this.store.write(record);
  }

  /** Applies a change to the record and tells the watchers; says what changed. */
  private apply(record: RequestRecord, change: Change): 'nothing' | 'progress' | 'state' {
    if (isFinal(record)) return 'nothing';
    const fieldsChanged = assignChanged(record, change.fields);
    const stateChanged = change.state !== undefined && change.state !== record.state;
    if (!fieldsChanged && !stateChanged && !change.note) return 'nothing';
    if (stateChanged) {
      record.state = change.state!;
      record.history.push({ state: record.state, at: this.now(), ...(change.detail ? { detail: change.detail } : {}) });
      if (isFinal(record)) {
        record.endedAt = this.now();
        record.ringing = undefined;
        this.removePending(record);
      }
    } else if (change.note) {
      record.history.push({ state: record.state, at: this.now(), detail: change.note });
    }
    this.publish(record);
    return stateChanged ? 'state' : 'progress';
  }

  /** A phone of the request's call is ringing: progress the watchers hear at once (the `ringing` field and a note). */
  ringing(record: RequestRecord, device: string): void {
    void this.update(record, { fields: { ringing: device }, note: `ringing ${device}`, until: 'watchers' });
  }

  /** Changes bookkeeping fields of any request, final ones included (no history, no watchers); resolves when durable. */
  amend(record: RequestRecord, fields: Partial<Pick<RequestRecord, 'peerCancel' | 'joined'>>): Promise<void> {
    Object.assign(record, fields);
    for (const [key, value] of Object.entries(fields)) if (value === undefined) delete (record as unknown as Record<string, unknown>)[key];
    return this.store.put(record);
  }

  subscribe(listener: RequestListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Like subscribe, for the changes of one request only. */
  subscribeTo(id: string, listener: RequestListener): () => void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byId.get(id) === set) this.byId.delete(id);
    };
  }

  /** Forgets finished requests older than the retention period, checking once a minute. */
  startRetention(clock: Clock, retentionMs: number): void {
    const sweep = () => {
      const cutoff = this.now() - retentionMs;
      for (const r of [...this.records.values()]) {
        if (isFinal(r) && (r.endedAt ?? r.createdAt) < cutoff) {
          this.records.delete(r.id);
          if (r.idempotencyKey) this.keys.delete(`${r.requester}\u0000${r.idempotencyKey}`);
          void this.store.remove(r.id).catch(() => undefined);
        }
      }
      this.sweeper = clock.setTimer(60_000, sweep);
    };
    sweep();
  }

  stop(): void {
    this.sweeper?.cancel();
    this.listeners.clear();
    this.byId.clear();
  }

  private addPending(record: RequestRecord): void {
    this.pending.add(record.id);
    for (const key of ['requester', 'dial'] as const) this.counts[key].set(record[key], this.pendingFor(key, record[key]) + 1);
  }

  private removePending(record: RequestRecord): void {
    if (!this.pending.delete(record.id)) return;
    for (const key of ['requester', 'dial'] as const) {
      const n = this.pendingFor(key, record[key]) - 1;
      if (n > 0) this.counts[key].set(record[key], n);
      else this.counts[key].delete(record[key]);
    }
  }

  private publish(record: RequestRecord): void {
    for (const listener of [...this.listeners]) listener(record);
    const own = this.byId.get(record.id);
    if (own) for (const listener of [...own]) listener(record);
  }
}

/**
 * Sets the fields whose values differ; whether any did. A field left
 * undefined on a record that lacks it is no change (and adds no property).
 * Objects count as changed: a caller may have changed them in place.
 */
function assignChanged(record: RequestRecord, fields: Change['fields']): boolean {
  if (!fields) return false;
  const target = record as unknown as Record<string, unknown>;
  let changed = false;
  for (const [key, value] of Object.entries(fields)) {
    if (target[key] === value && (typeof value !== 'object' || value === null)) continue;
    target[key] = value;
    changed = true;
  }
  return changed;
}
