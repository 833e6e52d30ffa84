// The runners of the office's pending requests: one per request, of the kind
// its record calls for, forgotten once it ends.

import { RequestRunner } from './camp-on.js';
import { cancelAtOwner, ForwardedRunner } from './forwarded.js';
import { isFinal, type RequestRecord } from './request.js';
import type { Runner, RunnerContext } from './runner.js';

export class Runners {
  private readonly running = new Map<string, Runner>();

  constructor(readonly ctx: RunnerContext) {}

  /** Starts (or, after a restart, resumes) a request. */
  run(record: RequestRecord): void {
    const forget = (runner: Runner) => this.running.delete(runner.record.id);
    const runner = record.office && record.place === 'remote' ? new ForwardedRunner(this.ctx, record, forget) : new RequestRunner(this.ctx, record, forget);
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
