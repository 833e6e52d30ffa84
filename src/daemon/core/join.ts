// Join (additional connection, FIG. 44-52) and barge-in (interruptive
// connection, FIG. 53-54) on an extension of this office. The target's
// owner is asked first (a consent prompt in the record, FIG. 49-51); on
// accept the switch adds the requester to the target's call with two
// voice-board ports from the pool (ports.ts joinCall), and the request
// succeeds once they talk. What happens after that (hang-ups, undoing the
// join, giving the ports back) is the JoinFollower's.
//
// Durability: the prompt and its answer are stored with the request, so a
// restart re-asks nothing and loses no answer. What the join holds at the
// switch is stored before each step (write-ahead, `joined`): a restart in
// the middle of a join undoes it and tries again, since consent was given.

import type { JoinFailure, JoinOutcome } from './ports.js';
import type { FailureReason, RequestRecord } from './request.js';
import { Runner, type RunnerContext } from './runner.js';

const FAILURE_WORDS: Record<JoinFailure, string> = {
  'not-in-call': 'the target is not in a call any more',
  'call-ended': 'the call ended before it could be joined',
  'requester-no-answer': 'you did not answer',
  'requester-busy': 'your own phone was busy',
  'invalid-number': 'the switch cannot reach your number',
  'switch-unavailable': 'the switch link is down',
  cancelled: 'cancelled',
};

export class JoinRunner extends Runner {
  private readonly abort = new AbortController();

  private get verb(): string {
    return this.record.kind === 'barge-in' ? 'barge in on' : 'join';
  }

  protected async run(): Promise<void> {
    const r = this.record;
    if (r.state === 'accepted' && !(await this.ask())) return;
    if (r.state === 'waiting-consent' && !(await this.consented())) return;
    if (r.joined) await this.undo(); // a restart in the middle of the join: start the switch part again
    if (!this.done) await this.join();
  }

  protected onDeadline(): Promise<void> {
    return this.finish('failed', 'timeout', `could not ${this.verb} ${this.record.destination}'s call within the window`);
  }

  protected cleanup(): void {
    this.abort.abort();
  }

  /** Sends the consent prompt, once the target is known to be in a call and ports are free. */
  private async ask(): Promise<boolean> {
    const r = this.record;
    if (this.ctx.ports.available < 2) return this.refuse('no-free-port', 'no voice-board port is free; try again later');
    await this.untilLinkUp();
    if (this.done) return false;
    let call;
    try {
      call = await this.ctx.switch.activeCall(r.dial);
    } catch (err) {
      return this.refuse('switch-unavailable', `the switch could not tell whether ${r.destination} is in a call: ${(err as Error).message}`);
    }
    if (this.done) return false;
    if (!call) return this.refuse('not-in-call', `${r.destination} is not in a call`);
    const expires = this.ctx.now() + this.ctx.promptTimeoutMs;
    const from = `${r.display ?? r.requester} (${r.source})`;
    await this.ctx.registry.update(r, {
      state: 'waiting-consent',
      detail: `asking ${r.destination} to let you ${this.verb} the call`,
      // ctid's own ports (another join already in this call) are nobody the answerer knows.
      fields: { prompt: { extension: r.dial, from, call: call.parties.filter((p) => !this.ctx.ports.owns(p)), expires } },
    });
    return !this.done;
  }

  /** Waits for the answer; no answer in time counts as a rejection. */
  private async consented(): Promise<boolean> {
    const r = this.record;
    const answer = () => r.prompt?.answer; // answerPrompt replaces the prompt object
    await this.waitFor(() => answer() !== undefined, Math.max(0, r.prompt!.expires - this.ctx.now()));
    if (this.done) return false;
    const given = answer();
    if (!given) return this.refuse('rejected', `${r.destination} did not answer the prompt in time`);
    if (!given.accept) return this.refuse('rejected', `${given.by} rejected the ${r.kind}`);
    return true;
  }

  /** Borrows two ports and has the switch add the requester to the call. */
  private async join(): Promise<void> {
    const r = this.record;
    const ports = this.ctx.ports.take(2);
    if (!ports) return void (await this.refuse('no-free-port', 'no voice-board port is free; try again later'));
    let outcome: JoinOutcome;
    try {
      await this.ctx.registry.update(r, { state: 'calling', detail: `ringing ${r.source}` });
      outcome = await this.ctx.switch.joinCall({
        mode: r.kind === 'barge-in' ? 'barge-in' : 'join',
        target: r.dial,
        requester: r.source,
        requesterOutside: r.origin !== undefined, // a request another office forwarded: its requester is that office's number
        ports,
        persist: (joined) => this.ctx.registry.update(r, { fields: { joined } }),
        signal: this.abort.signal,
        onRinging: (device) => this.ctx.registry.ringing(r, device),
      });
    } catch (err) {
      outcome = { ok: false, reason: 'switch-unavailable', detail: String(err) };
    }
    if (outcome.ok && !this.done) {
      await this.finish('succeeded', undefined, r.kind === 'barge-in' ? `talking with ${r.destination}; the other party is on hold` : `joined ${r.destination}'s call`);
      this.ctx.follow(r);
      return;
    }
    if (outcome.ok) await this.ctx.switch.undoJoin(outcome.joined); // cancelled or timed out just as it came about
    this.ctx.ports.give(ports);
    await this.ctx.registry.amend(r, { joined: undefined });
    if (!outcome.ok && !this.done) {
      const reason: FailureReason = outcome.reason === 'requester-busy' ? 'busy' : outcome.reason;
      await this.refuse(reason, `could not ${this.verb} the call: ${FAILURE_WORDS[outcome.reason]} (${outcome.detail})`);
    }
  }

  /** Undoes what a join interrupted by a restart left at the switch. */
  private async undo(): Promise<void> {
    const joined = this.record.joined!;
    await this.ctx.switch.undoJoin(joined);
    this.ctx.ports.give(joined.ports);
    await this.ctx.registry.amend(this.record, { joined: undefined });
  }

  /** Ends the request with a failure; false, so callers can `return this.refuse(...)`. */
  private async refuse(reason: FailureReason, message: string): Promise<false> {
    await this.finish('failed', reason, message);
    return false;
  }
}

/**
 * A join that came about, followed until someone hangs up; then it is
 * undone and its ports go back to the pool. Started after success and, for
 * joins still up, after a restart.
 */
export function followJoin(ctx: RunnerContext, record: RequestRecord, onEnd: () => void): () => void {
  const joined = record.joined!;
  return ctx.switch.followJoin(joined, (why) => {
    onEnd();
    ctx.logger(`${record.kind} ended`, { id: record.id, why });
    void ctx.switch
      .undoJoin(joined)
      .then(() => ctx.ports.give(joined.ports))
      .then(() => ctx.registry.amend(record, { joined: undefined }));
  });
}
