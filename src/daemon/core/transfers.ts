// The transfer table (FIG. 58): for an extension of this office, where its
// incoming calls go instead, in order of preference, and whether its owner
// is asked per call (confirm). Entries are set and cleared by the owner of
// the extension or an admin, checked against the dial policy when set, and
// stored before the change is acknowledged.

import type { Principal } from './api.js';
import { OneAtATime } from '../../common/one-at-a-time.js';
import type { DialPolicy } from './dial-policy.js';
import { CtiError } from './errors.js';
import type { NumberResolver } from './numbers.js';
import type { TransferStore } from './ports.js';
import type { NetworkType } from './request.js';

export interface TransferDestination {
  /** As the user gave it. */
  number: string;
  /** What the switch dials: an extension, or national digits. */
  dial: string;
  network: NetworkType;
}

/** Whether the owner is asked per call (`--confirm`) or calls go on by themselves. */
export type TransferMode = 'auto' | 'confirm';

export interface TransferEntry {
  extension: string;
  destinations: TransferDestination[];
  mode: TransferMode;
  setBy: string;
  /** Epoch ms. */
  setAt: number;
}

export interface TransferInput {
  extension: string;
  destinations: string[];
  confirm?: boolean;
}

/** More fallbacks than this is a mistake rather than a plan. */
export const MAX_DESTINATIONS = 5;

export class TransferTable {
  private readonly entries = new Map<string, TransferEntry>();
  private readonly changes = new OneAtATime();

  constructor(
    private readonly store: TransferStore,
    private readonly numbers: NumberResolver,
    private readonly policy: DialPolicy,
    private readonly now: () => number,
  ) {
    for (const entry of store.load()) this.entries.set(entry.extension, entry);
  }

  /** Entries for the user's extensions (every entry for an admin), by extension. */
  list(principal: Principal): TransferEntry[] {
    return [...this.entries.values()].filter((e) => mayChange(principal, e.extension)).sort((a, b) => a.extension.localeCompare(b.extension));
  }

  get(extension: string): TransferEntry | undefined {
    return this.entries.get(extension);
  }

  all(): IterableIterator<TransferEntry> {
    return this.entries.values();
  }

  /** Validates, stores durably, and returns the entry (replacing any earlier one for the extension). */
  set(principal: Principal, input: TransferInput): Promise<TransferEntry> {
    return this.changes.run(() => this.setNow(principal, input));
  }

  clear(principal: Principal, input: string): Promise<TransferEntry> {
    return this.changes.run(() => this.clearNow(principal, input));
  }

  private async setNow(principal: Principal, input: TransferInput): Promise<TransferEntry> {
    const extension = this.ownExtension(input.extension);
    this.mustOwn(principal, extension);
    if (input.destinations.length === 0) throw new CtiError('invalid-argument', 'give at least one destination (--to NUMBER)');
    if (input.destinations.length > MAX_DESTINATIONS) throw new CtiError('invalid-argument', `at most ${MAX_DESTINATIONS} destinations`);
    const destinations = input.destinations.map((number): TransferDestination => {
      const resolved = this.numbers.resolve(number);
      if (resolved.dial === extension) throw new CtiError('invalid-argument', `${number} is ${extension} itself: calls cannot be transferred to where they go anyway`);
      this.policy.check(number, resolved.dial);
      return { number: number.trim(), dial: resolved.dial, network: resolved.network };
    });
    const entry: TransferEntry = { extension, destinations, mode: input.confirm ? 'confirm' : 'auto', setBy: principal.name, setAt: this.now() };
    await this.save(new Map(this.entries).set(extension, entry));
    return entry;
  }

  private async clearNow(principal: Principal, input: string): Promise<TransferEntry> {
    const extension = this.ownExtension(input);
    this.mustOwn(principal, extension);
    const entry = this.entries.get(extension);
    if (!entry) throw new CtiError('not-found', `no transfer is set for ${extension}`);
    const next = new Map(this.entries);
    next.delete(extension);
    await this.save(next);
    return entry;
  }

  private async save(next: Map<string, TransferEntry>): Promise<void> {
    await this.store.save([...next.values()]);
    this.entries.clear();
    for (const [k, v] of next) this.entries.set(k, v);
  }

  private ownExtension(text: string): string {
    const resolved = this.numbers.resolve(text);
    if (!resolved.own) throw new CtiError('failed-precondition', `${text} is not an extension of this office`, 'unroutable');
    return resolved.dial;
  }

  private mustOwn(principal: Principal, extension: string): void {
    if (!mayChange(principal, extension)) throw new CtiError('permission-denied', `extension ${extension} is not yours`, 'not-allowed');
  }
}

function mayChange(principal: Principal, extension: string): boolean {
  return principal.admin || principal.extensions.includes(extension);
}
