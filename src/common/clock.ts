// Time is an input (style.md section 8): everything that waits takes a Clock,
// so the simulator can run its world faster than real time and unit tests can
// advance time by hand instead of sleeping.

/** A pending timer; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on this clock's own monotonic time line. */
  now(): number;
  /** Calls fn once, after `ms` of this clock's time. */
  setTimer(ms: number, fn: () => void): Timer;
}

// Node fires delays over 2^31-1 ms at once; long waits are re-armed in steps.
const MAX_NODE_DELAY = 2 ** 31 - 1;

/**
 * Real time, optionally sped up: with scale 10, a 30 s wait takes 3 s.
 * now() is monotonic (performance.now based), never the wall clock.
 */
export class ScaledClock implements Clock {
  private readonly origin = performance.now();

  constructor(readonly scale = 1) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
  }

  now(): number {
    return (performance.now() - this.origin) * this.scale;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const due = this.now() + Math.max(0, ms);
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const left = (due - this.now()) / this.scale;
      if (left <= 0) {
        handle = undefined;
        fn();
        return;
      }
      handle = setTimeout(arm, Math.min(Math.ceil(left), MAX_NODE_DELAY));
      handle.unref?.();
    };
    arm();
    return {
      cancel: () => {
        if (handle) clearTimeout(handle);
        handle = undefined;
      },
    };
  }
}

/** A clock that moves only when told to: for deterministic unit tests. */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { due: this.time + Math.max(0, ms), fn });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** Moves time forward, firing due timers in order (timers they set included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      next[1].fn();
    }
    this.time = end;
  }

  /** How many timers are pending (tests check nothing leaks). */
  get pending(): number {
    return this.timers.size;
  }
}
