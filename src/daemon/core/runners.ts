// The runners of the office's pending requests: one per request, of the kind
// its record calls for, forgotten once it ends.

import { RequestRunner } from './camp-on.js';
import { cancelAtOwner, ForwardedRunner } from './forwarded.js';
import { isFinal, type RequestRecord } from './request.js';
import type { Runner, RunnerContext } from './runner.js';

export class Runners {
  private readonly running = new Map<string, Runner>();

  readonly ctx: RunnerContext;

  constructor(ctx: Omit<RunnerContext, 'rerun'>) {
    this.ctx = { ...ctx, rerun: (record) => this.run(record) };
  }

  /**
   * Starts (or, after a restart, resumes) a request. Another office's number
   * with place=remote is forwarded (FIG. 13-14), except that a *call* is
   * first tried through this office's own switch (FIG. 12).
   */
  run(record: RequestRecord): void {
    const forget = (runner: Runner) => {
      if (this.running.get(runner.record.id) === runner) this.running.delete(runner.record.id);
    };
    const forwarded = record.office && record.place === 'remote' && !(record.kind === 'call' && record.attempts === 0);
    const runner = forwarded ? new ForwardedRunner(this.ctx, record, forget) : new RequestRunner(this.ctx, record, forget);
    this.running.set(record.id, runner);
    runner.start();
  }

  /** Resumes what the store holds: pending requests, and cancels an owner has not confirmed yet. */
  resume(records: Iterable<RequestRecord>): void {
    for (const record of records) {
      if (!isFinal(record)) this.run(record);
      else if (record.peerCancel === 'pending') void cancelAtOwner(this.ctx, record);
    }
  }

  async cancel(id: string): Promise<void> {
    await this.running.get(id)?.cancel();
  }

  stop(): void {
    for (const runner of this.running.values()) runner.stop();
    this.running.clear();
  }
}
