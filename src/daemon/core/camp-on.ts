// One call or camp-on request, carried out (MISSION.md section 1; FIG. 5-6,
// 12-13 of the source text). A *call* tries once; with camp-on it then
// camps on. A *camp-on* either watches the destination's line and places
// the two-point connection the moment it is idle (strategy watch, FIG. 13),
// or re-issues the connection on a cycle (strategy retry, FIG. 6), until the
// parties are connected or the window (monitor time) ends.
//
// Durability: the request is stored as `calling` (with its attempt count)
// before each MakeCall. After a restart, a request found `calling` has an
// unknown outcome; it counts as connected only if both lines are then busy,
// otherwise it camps on again. This keeps a restart from placing a call twice
// while the first one is still up.

import type { Clock, Timer } from '../../common/clock.js';
import type { CallFailure, CallOutcome, LineWatch, Switch } from './ports.js';
import type { RequestRegistry } from './registry.js';
import type { FailureReason, RequestRecord } from './request.js';

export interface RunnerContext {
  switch: Switch;
  clock: Clock;
  /** Wall-clock epoch ms: deadlines are absolute UTC. */
  now: () => number;
  registry: RequestRegistry;
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

/** Why an attempt failed, in the words a user reads. */
const FAILURE_WORDS: Record<CallFailure, string> = {
  busy: 'the line is busy',
  'no-answer': 'the destination did not answer',
  'requester-no-answer': 'you did not answer the recall',
  'requester-busy': 'your own phone was busy',
  'invalid-number': 'the switch cannot reach that number',
  'switch-unavailable': 'the switch link is down',
  cancelled: 'cancelled',
};

/** Failures that end a request at once: waiting would not change them. */
const FATAL: ReadonlySet<CallFailure> = new Set(['requester-no-answer', 'invalid-number']);

export class RequestRunner {
  private readonly abort = new AbortController();
  private deadlineTimer: Timer | undefined;
  private watch: LineWatch | undefined;
  private unlink: (() => void) | undefined;
  private waiter: (() => void) | undefined;
  private lineChanges = 0;
  private done = false;

  constructor(
    private readonly ctx: RunnerContext,
    readonly record: RequestRecord,
    /** Called once the request reached its final state (or was stopped). */
    private readonly onDone: (runner: RequestRunner) => void,
  ) {}

  start(): void {
    this.run().catch((err: unknown) => {
      this.ctx.logger('request crashed', { id: this.record.id, err: String(err) });
      void this.finish('failed', 'internal', 'an internal error ended this request');
    });
  }

  /** Cancel (FIG. 22): clears any call being placed. */
  cancel(): Promise<void> {
    return this.finish('cancelled', 'cancelled', 'cancelled by request');
  }

  /** Daemon shutdown: stop working without changing the stored state (it resumes on restart). */
  stop(): void {
    this.release();
  }

  // ------------------------------------------------------------ the request's life

  private async run(): Promise<void> {
    const r = this.record;
    const left = r.deadline - this.ctx.now();
    if (left <= 0) return this.finish('failed', 'timeout', 'the window ended before the call could be connected');
    this.deadlineTimer = this.ctx.clock.setTimer(left, () => void this.finish('failed', 'timeout', `no connection within the window: ${this.lastFailure ?? 'the line stayed busy'}`));
    this.unlink = this.ctx.switch.onLinkState(() => this.poke());
    if (this.watchable) {
      this.watch = this.ctx.switch.watchLine(r.dial, (state) => {
        this.lineChanges++;
        if (r.state === 'watching' && !this.done) void this.ctx.registry.update(r, { note: `line ${state}` });
        this.poke();
      });
    }
    if (r.state === 'calling' && (await this.connectedBeforeRestart())) return;
    if (r.kind === 'call' && r.attempts === 0) {
      const outcome = await this.attempt();
      if (this.done || outcome.ok) return;
      if (!r.campOn || FATAL.has(outcome.reason)) return this.fail(outcome.reason);
    }
    while (!this.done) {
      await this.waitForChance();
      if (this.done) return;
      const outcome = await this.attempt();
      if (this.done || outcome.ok) return;
      if (FATAL.has(outcome.reason)) return this.fail(outcome.reason);
    }
  }

  /** Waits until a call is worth trying: the line idle (watch), or the next retry cycle. */
  private async waitForChance(): Promise<void> {
    const r = this.record;
    const before = this.lineChanges;
    const detail = this.lastFailure ?? (!this.watchable ? 'calling again on the retry cycle' : this.watch!.state ? `line ${this.watch!.state}` : 'checking the line');
    await this.ctx.registry.update(r, { state: 'watching', detail, fields: { ringing: undefined } });
    const linkUp = () => this.ctx.switch.linkState === 'up';
    if (!this.watchable || r.strategy === 'retry') {
      if (r.attempts > 0) await this.waitFor(() => false, r.retryEveryMs);
      await this.waitFor(linkUp);
      return;
    }
    const idle = () => this.watch!.state === 'idle' && linkUp();
    if (r.attempts === 0) return this.waitFor(idle);
    // After a failed attempt: the line's next change to idle, or --retry-every, whichever comes first.
    await this.waitFor(() => this.lineChanges > before && idle(), r.retryEveryMs);
    await this.waitFor(idle);
  }

  /** One two-point connection, stored as `calling` first. */
  private async attempt(): Promise<CallOutcome> {
    const r = this.record;
    await this.ctx.registry.update(r, { state: 'calling', detail: `attempt ${r.attempts + 1}`, fields: { attempts: r.attempts + 1 } });
    if (this.done) return { ok: false, reason: 'cancelled', detail: 'cancelled' };
    const destinationFirst = this.watchable && !r.recallFirst; // the source text's order (S505-S508)
    const outcome = await this.ctx.switch.placeCall({
      first: destinationFirst ? r.dial : r.source,
      second: destinationFirst ? r.source : r.dial,
      destination: destinationFirst ? 'first' : 'second',
      signal: this.abort.signal,
      onRinging: (device) => void this.ctx.registry.update(r, { fields: { ringing: device }, note: `ringing ${device}` }),
    });
    if (this.done) return outcome;
    if (outcome.ok) {
      await this.finish('succeeded', undefined, `connected ${r.source} with ${r.destination}`);
      return outcome;
    }
    this.lastFailure = FAILURE_WORDS[outcome.reason];
    this.ctx.logger('attempt failed', { id: r.id, reason: outcome.reason, detail: outcome.detail });
    return outcome;
  }

  /** After a restart during `calling`: both lines busy means the call went through. */
  private async connectedBeforeRestart(): Promise<boolean> {
    const source = this.ctx.switch.watchLine(this.record.source, () => this.poke());
    await this.waitFor(() => this.ctx.switch.linkState === 'up' && source.state !== undefined && (!this.watch || this.watch.state !== undefined));
    const both = source.state === 'busy' && (!this.watch || this.watch.state === 'busy');
    source.stop();
    if (this.done) return true;
    if (both) await this.finish('succeeded', undefined, `connected ${this.record.source} with ${this.record.destination} (confirmed after a restart)`);
    return both;
  }

  // ------------------------------------------------------------ helpers

  private lastFailure: string | undefined;

  /** Only an extension of this switch can be watched; an external number is retried. */
  private get watchable(): boolean {
    return /^[1-9]/.test(this.record.dial);
  }

  private fail(reason: CallFailure): Promise<void> {
    const mapped: FailureReason = reason === 'requester-busy' ? 'busy' : reason === 'cancelled' ? 'cancelled' : reason;
    return this.finish('failed', mapped, FAILURE_WORDS[reason]);
  }

  private async finish(state: 'succeeded' | 'failed' | 'cancelled', reason: FailureReason | undefined, message: string): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.abort.abort();
    this.release();
    await this.ctx.registry.update(this.record, { state, detail: message, fields: { ...(reason ? { reason } : {}), message } });
    this.onDone(this);
  }

  private release(): void {
    this.done = true;
    this.deadlineTimer?.cancel();
    this.watch?.stop();
    this.unlink?.();
    this.poke();
  }

  private poke(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves when cond() holds, the timeout passes, or the request ends. */
  private async waitFor(cond: () => boolean, timeoutMs?: number): Promise<void> {
    let expired = false;
    const timer = timeoutMs === undefined ? undefined : this.ctx.clock.setTimer(timeoutMs, () => ((expired = true), this.poke()));
    while (!this.done && !expired && !cond()) await new Promise<void>((resolve) => (this.waiter = resolve));
    timer?.cancel();
  }
}
