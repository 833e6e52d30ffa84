// What every request runner shares: the window (an absolute deadline,
// re-armed on the monotonic clock after a restart, on the office's one
// deadline heap), one waiting point that any event can wake, and a single
// way to end (finish). Subclasses say how the request is carried out (run)
// and what to let go of (cleanup).

import type { Clock } from '../../common/clock.js';
import type { Deadlines, Expiring } from './deadlines.js';
import type { LineTurns } from './line-turns.js';
import type { Peers } from './peering.js';
import type { PortPool } from './port-pool.js';
import type { Switch } from './ports.js';
import type { RequestRegistry } from './registry.js';
import type { FailureReason, RequestRecord } from './request.js';
import type { TransferPolicy } from './transfer-call.js';

export interface RunnerContext {
  switch: Switch;
  peers: Peers;
  /** This office's id. */
  office: string;
  clock: Clock;
  /** The windows of the office's requests, on one timer. */
  deadlines: Deadlines;
  /** Wall-clock epoch ms: deadlines are absolute UTC. */
  now: () => number;
  registry: RequestRegistry;
  logger: (event: string, fields?: Record<string, unknown>) => void;
  /** Hands a request over to the runner its record now calls for (a call that failed, then forwarded: FIG. 12). */
  rerun: (record: RequestRecord) => void;
  /** The voice-board ports joins borrow. */
  ports: PortPool;
  /** Which camp-on of a watched line tries first when it frees. */
  turns: LineTurns;
  /** How long a consent prompt waits for its answer. */
  promptTimeoutMs: number;
  /** What a transfer does when no destination takes its call, or its prompt goes unanswered. */
  transferPolicy: TransferPolicy;
  /** The office FAX device scenarios send FAX parts to (config `faxDevice`), if it has one. */
  faxDevice?: string;
  /** Follows a join (or transfer) that came about until it comes apart (join.ts followJoin). */
  follow: (record: RequestRecord) => void;
}

export type FinalState = 'succeeded' | 'failed' | 'cancelled';

export abstract class Runner implements Expiring {
  protected done = false;
  dueAt = 0;
  slot = -1;
  private waiter: (() => void) | undefined;

  constructor(
    protected readonly ctx: RunnerContext,
    readonly record: RequestRecord,
    /** Called once the request reached its final state. */
    private readonly onDone: (runner: Runner) => void,
  ) {}

  start(): void {
    const left = this.record.deadline + this.deadlineGraceMs - this.ctx.now();
    if (left <= 0) {
      void this.onDeadline();
      return;
    }
    this.ctx.deadlines.add(this, left);
    this.begin();
  }

  /** The window ended (Deadlines calls this). */
  expire(): void {
    void this.onDeadline();
  }

  /** Cancel (FIG. 22). */
  cancel(): Promise<void> {
    return this.finish('cancelled', 'cancelled', 'cancelled by request');
  }

  /** Something the runner waits on changed outside it (a prompt was answered): look again. */
  nudge(): void {
    this.poke();
  }

  /** Daemon shutdown: stop working without changing the stored state (it resumes on restart). */
  stop(): void {
    this.release();
  }

  /** Starts carrying the request out; a camp-on that waits its turn starts later. */
  protected begin(): void {
    this.runNow();
  }

  protected runNow(): void {
    this.run().catch((err: unknown) => {
      this.ctx.logger('request crashed', { id: this.record.id, err: String(err) });
      void this.finish('failed', 'internal', 'an internal error ended this request');
    });
  }

  protected abstract run(): Promise<void>;
  /** The window ended without a final state. */
  protected abstract onDeadline(): Promise<void>;
  /** Lets go of watches, streams and calls in progress. */
  protected abstract cleanup(): void;

  /** How long after the deadline this runner's own timer fires (a forwarded request lets the owner report first). */
  protected get deadlineGraceMs(): number {
    return 0;
  }

  protected async finish(state: FinalState, reason: FailureReason | undefined, message: string): Promise<void> {
    if (this.done) return;
    this.release();
    await this.ctx.registry.update(this.record, { state, detail: message, fields: { ...(reason ? { reason } : {}), message } });
    this.onDone(this);
  }

  protected poke(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves when cond() holds, the timeout passes, or the request ends. */
  protected async waitFor(cond: () => boolean, timeoutMs?: number): Promise<void> {
    let expired = false;
    const timer = timeoutMs === undefined ? undefined : this.ctx.clock.setTimer(timeoutMs, () => ((expired = true), this.poke()));
    while (!this.done && !expired && !cond()) await new Promise<void>((resolve) => (this.waiter = resolve));
    timer?.cancel();
  }

  /** Resolves once the switch link is up (at once if it is), or the request ends. */
  protected async untilLinkUp(): Promise<void> {
    const unlink = this.ctx.switch.onLinkState(() => this.poke());
    try {
      await this.waitFor(() => this.ctx.switch.linkState === 'up');
    } finally {
      unlink();
    }
  }

  private release(): void {
    this.done = true;
    this.ctx.deadlines.remove(this);
    this.cleanup();
    this.poke();
  }
}
