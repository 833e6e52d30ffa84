// The runners of the office's pending requests: one per request, of the kind
// its record calls for, forgotten once it ends.

import { RequestRunner } from './camp-on.js';
import { cancelAtOwner, ForwardedRunner } from './forwarded.js';
import { followJoin, JoinRunner } from './join.js';
import { isFinal, isJoinKind, type RequestRecord } from './request.js';
import type { Runner, RunnerContext } from './runner.js';
import { ScenarioRunner } from './scenario.js';
import { TransferCallRunner } from './transfer-call.js';

export class Runners {
  private readonly running = new Map<string, Runner>();
  /** Joins that came about, by request id: their stop functions. */
  private readonly following = new Map<string, () => void>();

  readonly ctx: RunnerContext;
  /** Called by a runner once its request ended (one function for all of them). */
  private readonly forget = (runner: Runner): void => {
    if (this.running.get(runner.record.id) === runner) this.running.delete(runner.record.id);
  };

  constructor(ctx: Omit<RunnerContext, 'rerun' | 'follow'>) {
    this.ctx = {
      ...ctx,
      rerun: (record) => this.run(record),
      follow: (record) => {
        const stop = followJoin(this.ctx, record, () => this.following.delete(record.id));
        this.following.set(record.id, stop);
      },
    };
  }

  /**
   * Starts (or, after a restart, resumes) a request. Another office's number
   * with place=remote is forwarded (FIG. 13-14), except that a *call* is
   * first tried through this office's own switch (FIG. 12).
   */
  run(record: RequestRecord): void {
    const forget = this.forget;
    const forwarded = record.office && record.place === 'remote' && !(record.kind === 'call' && record.attempts === 0);
    const runner = forwarded
      ? new ForwardedRunner(this.ctx, record, forget)
      : isJoinKind(record.kind)
        ? new JoinRunner(this.ctx, record, forget)
        : record.kind === 'transfer'
          ? new TransferCallRunner(this.ctx, record, forget)
          : scenarioLeft(record)
            ? new ScenarioRunner(this.ctx, record, forget)
            : new RequestRunner(this.ctx, record, forget);
    this.running.set(record.id, runner);
    runner.start();
  }

  /**
   * Resumes what the store holds: pending requests, cancels an owner has not
   * confirmed yet, and joins (and transfers) still up. Ports held by stored
   * records are claimed first, so a resumed request cannot borrow them.
   */
  resume(records: Iterable<RequestRecord>): void {
    // Oldest first, so each line's queue fills in order and only its first camp-on starts (line-turns.ts).
    const all = [...records].sort((a, b) => a.createdAt - b.createdAt);
    for (const record of all) if (record.joined) this.ctx.ports.claim(record.joined.ports);
    for (const record of all) {
      if (!isFinal(record)) this.run(record);
      else if (record.peerCancel === 'pending') void cancelAtOwner(this.ctx, record);
      else if (record.joined) this.ctx.follow(record);
    }
  }

  async cancel(id: string): Promise<void> {
    await this.running.get(id)?.cancel();
  }

  /** A prompt of this request was answered: its runner looks again. */
  nudge(id: string): void {
    this.running.get(id)?.nudge();
  }

  stop(): void {
    this.ctx.turns.clear(); // a camp-on stopping must not start the next one's turn
    this.ctx.deadlines.clear(); // all at once, not one removal per runner
    for (const runner of this.running.values()) runner.stop();
    this.running.clear();
    for (const stop of this.following.values()) stop();
    this.following.clear();
  }
}

/** A scenario with steps before its connection (or without one) still to run. */
function scenarioLeft(record: RequestRecord): boolean {
  const step = record.scenario?.steps[record.scenario.next];
  return record.scenario !== undefined && step?.[0]?.do !== 'connect';
}
