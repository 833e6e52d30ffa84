// The windows of every pending request on one timer. A timer per request
// costs a Node Timeout and its closures (about 600 bytes each at 100k
// pending) and every restart re-arms them all; a binary heap ordered by due
// time keeps one timer, for the earliest. Items carry their own heap slot,
// so removing one (a request that ended) is O(log n) with no lookup table.

import type { Clock, Timer } from '../../common/clock.js';

/** Something with a deadline: Deadlines sets dueAt and slot, and calls expire() once it is due. */
export interface Expiring {
  /** When it is due, on the clock's monotonic time line. */
  dueAt: number;
  /** Its index in the heap; -1 when it is not in it. */
  slot: number;
  expire(): void;
}

export class Deadlines {
  private readonly heap: Expiring[] = [];
  private timer: Timer | undefined;
  /** The due time the timer is armed for (Infinity: none). */
  private armedFor = Infinity;

  constructor(private readonly clock: Clock) {}

  /** Calls item.expire() in `ms` (of the clock's time), unless it is removed first. */
  add(item: Expiring, ms: number): void {
    if (item.slot >= 0) this.remove(item);
    item.dueAt = this.clock.now() + ms;
    item.slot = this.heap.length;
    this.heap.push(item);
    this.up(item.slot);
    this.arm();
  }

  remove(item: Expiring): void {
    const at = item.slot;
    if (at < 0 || this.heap[at] !== item) return;
    item.slot = -1;
    const last = this.heap.pop()!;
    if (last === item) return;
    this.place(last, at);
    this.down(at);
    this.up(at);
    // An earlier timer than needed fires into an empty round and re-arms: cheaper than re-arming on every removal.
  }

  get size(): number {
    return this.heap.length;
  }

  /** Forgets every item without expiring any (the daemon stops). */
  clear(): void {
    for (const item of this.heap) item.slot = -1;
    this.heap.length = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || (this.timer && first.dueAt >= this.armedFor)) return;
    this.timer?.cancel();
    this.armedFor = first.dueAt;
    this.timer = this.clock.setTimer(first.dueAt - this.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    // A timer may fire a hair before the float sum it was armed for: a microsecond's tolerance.
    const now = this.clock.now() + 0.001;
    while (this.heap.length > 0 && this.heap[0]!.dueAt <= now) {
      const item = this.heap[0]!;
      this.remove(item);
      item.expire();
    }
    this.arm();
  }

  private place(item: Expiring, at: number): void {
    this.heap[at] = item;
    item.slot = at;
  }

  private up(at: number): void {
    const item = this.heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = this.heap[parent]!;
      if (p.dueAt <= item.dueAt) break;
      this.place(p, at);
      at = parent;
    }
    this.place(item, at);
  }

  private down(at: number): void {
    const item = this.heap[at];
    if (!item) return;
    const n = this.heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.heap[right]!.dueAt < this.heap[left]!.dueAt ? right : left;
      const c = this.heap[child]!;
      if (c.dueAt >= item.dueAt) break;
      this.place(c, at);
      at = child;
    }
    this.place(item, at);
  }
}
