// The one backoff helper (style.md section 7, after tailscale's
// util/backoff): each failure waits longer, up to a cap, with jitter so that
// many clients cut off by the same outage do not all retry in the same
// instant; a success resets it. Random and Clock are inputs, so tests are exact.

import type { Clock, Timer } from './clock.js';

/**
 * How the delay is spread:
 *   full  - uniform in [0, d): spreads retries most (AWS "full jitter")
 *   equal - uniform in [d/2, d): never retries almost at once
 *   none  - exactly d
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  /** The first delay before jitter, ms. Default 500. */
  initialMs?: number;
  /** The largest delay before jitter, ms. Default 30 000. */
  maxMs?: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** Default 'equal'. */
  jitter?: Jitter;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: Jitter;
  private readonly random: () => number;
  /** Failures since the last reset. */
  private failures = 0;

  constructor(
    private readonly clock: Clock,
    options: BackoffOptions = {},
  ) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 'equal';
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs and factor >= 1, got ${this.initialMs}, ${this.maxMs}, ${this.factor}`);
    }
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt; counts one more failure. */
  nextDelay(): number {
    // Capped before it can overflow: factor^failures grows without bound.
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** Math.min(this.failures, 64));
    this.failures++;
    switch (this.jitter) {
      case 'full':
        return this.random() * base;
      case 'equal':
        return base / 2 + (this.random() * base) / 2;
      case 'none':
        return base;
    }
  }

  /** Calls fn after nextDelay() on the clock; says how long that is (for the log). */
  schedule(fn: () => void): Timer & { delayMs: number } {
    const delayMs = this.nextDelay();
    const timer = this.clock.setTimer(delayMs, fn);
    return { delayMs, cancel: () => timer.cancel() };
  }

  /** After a success: the next failure waits initialMs again. */
  reset(): void {
    this.failures = 0;
  }
}
