// A table whose base comes from the config and whose run-time changes are
// stored apart (what an admin added, and which base entries they removed),
// so a restart keeps the changes and a config edit still shows. Entries are
// keyed (a route by its prefix, a relay by its domain); changes go one at a
// time, each saving the whole change set.

import { OneAtATime } from './one-at-a-time.js';

export interface Overlay<T> {
  added: T[];
  /** Keys of base entries an admin removed. */
  removed: string[];
}

export interface OverlayStore<T> {
  load(): Overlay<T>;
  /** Resolves when durable. */
  save(changes: Overlay<T>): Promise<void>;
}

export interface OverlayEntry<T> {
  entry: T;
  origin: 'config' | 'runtime';
}

export class OverlayTable<T> {
  private changes: Overlay<T>;
  private readonly serial = new OneAtATime();

  constructor(
    private readonly base: readonly T[],
    private readonly store: OverlayStore<T>,
    private readonly key: (entry: T) => string,
  ) {
    this.changes = store.load();
  }

  /** The effective entries: the base less what was removed or replaced, then what was added. */
  entries(): OverlayEntry<T>[] {
    const removed = new Set(this.changes.removed);
    const added = new Map(this.changes.added.map((e) => [this.key(e), e]));
    const base = this.base.filter((e) => !removed.has(this.key(e)) && !added.has(this.key(e))).map((entry) => ({ entry, origin: 'config' as const }));
    return [...base, ...[...added.values()].map((entry) => ({ entry, origin: 'runtime' as const }))];
  }

  /** Adds or replaces the entry with its key. */
  put(entry: T): Promise<void> {
    return this.serial.run(async () => {
      const k = this.key(entry);
      await this.save({ added: [...this.changes.added.filter((e) => this.key(e) !== k), entry], removed: this.changes.removed.filter((r) => r !== k) });
    });
  }

  /** Removes the entry with that key; resolves false when there is none. */
  remove(k: string): Promise<boolean> {
    return this.serial.run(async () => {
      if (!this.entries().some(({ entry }) => this.key(entry) === k)) return false;
      const fromBase = this.base.some((e) => this.key(e) === k);
      await this.save({
        added: this.changes.added.filter((e) => this.key(e) !== k),
        removed: fromBase ? [...new Set([...this.changes.removed, k])] : this.changes.removed,
      });
      return true;
    });
  }

  private async save(next: Overlay<T>): Promise<void> {
    await this.store.save(next);
    this.changes = next;
  }
}
