// One call to an extension with a transfer entry, carried the source text's
// way (FIG. 55-57): the switch routed it to voice-board port 1, where it
// waits alerting (the caller hears ringing), and port 2 calls the
// destinations in order until one answers; then the two are bridged
// (Switch.connectParked) and followed like a join until someone hangs up.
// With `--confirm` the owner of the extension is asked first (a prompt of
// kind `transfer`): a destination, ring here, or refuse; no answer in time
// takes the office's default. When no destination takes the call, it rings
// the extension itself or is refused, as the office is configured.
//
// Each routed call is a request record (kind `transfer`, requester the
// entry's setter), so its prompt, its progress and the ports it holds
// survive a restart like a join's: the ports are in `joined` from the start.

import type { ParkedFailure, ParkedRelease } from './ports.js';
import type { FailureReason, RequestRecord } from './request.js';
import { Runner, type RunnerContext } from './runner.js';
import type { TransferEntry } from './transfers.js';

/** config `transfer`: what happens when no destination takes a call, and when a confirm prompt is not answered. */
export interface TransferPolicy {
  allFail: 'ring' | 'refuse';
  unanswered: 'transfer' | 'ring' | 'refuse';
}

/** The defaults of config `transfer`: the source text's way; no destination: the extension rings; no answer: as without --confirm. */
export const DEFAULT_TRANSFER = { mode: 'voice-board', allFail: 'ring', unanswered: 'transfer' } as const;

/** How long a routed call may take in all, beyond its prompt: every destination rung to its no-answer limit. */
const TRANSFER_WINDOW_MS = 5 * 60_000;

/** A parked call whose port shows no call this long after the runner started was never (or is no longer) there. */
const PARK_GRACE_MS = 5_000;

const FAILURE_WORDS: Record<ParkedFailure, string> = {
  busy: 'busy',
  'no-answer': 'did not answer',
  'invalid-number': 'cannot be reached',
  'caller-gone': 'the caller hung up',
  'switch-unavailable': 'the switch failed the call',
  cancelled: 'cancelled',
};

export interface OfferedTransfer {
  entry: TransferEntry;
  caller: string;
  /** The two ports lent to the call; it was routed to the first. */
  ports: string[];
}

/** The record of a call routed to port 1 (state accepted). */
export function transferRecord(ctx: Pick<RunnerContext, 'office' | 'now' | 'promptTimeoutMs'>, id: string, call: OfferedTransfer): RequestRecord {
  const { entry, caller, ports } = call;
  const now = ctx.now();
  const confirm = entry.mode === 'confirm';
  return {
    id,
    kind: 'transfer',
    requester: entry.setBy,
    destination: entry.extension,
    dial: entry.extension,
    source: caller,
    network: 'station',
    campOn: false,
    strategy: 'watch',
    retryEveryMs: 0,
    recallFirst: false,
    state: 'accepted',
    createdAt: now,
    deadline: now + (confirm ? ctx.promptTimeoutMs : 0) + TRANSFER_WINDOW_MS,
    attempts: 0,
    history: [{ state: 'accepted', at: now, detail: `a call from ${caller} waits on ${ports[0]}` }],
    joined: { mode: 'transfer', target: entry.extension, requester: '', ports: [...ports], refs: [] },
    transfer: { to: entry.destinations, confirm, next: 0 },
  };
}

/** What to do with the parked call: try destinations (indices into `to`), ring the extension, or refuse it. */
type Plan = { try: number[] } | { release: 'here' | 'refuse'; why: string };

export class TransferCallRunner extends Runner {
  private readonly abort = new AbortController();
  private callerGone = false;
  private stopWatch: (() => void) | undefined;

  private get port1(): string {
    return this.record.joined!.ports[0]!;
  }

  protected async run(): Promise<void> {
    this.watchCaller();
    const plan = this.record.transfer!.confirm ? await this.askOwner() : this.inOrder();
    if (!plan || this.done) return;
    if ('release' in plan) return this.sendOn(plan.release === 'here' ? 'succeeded' : 'failed', plan.release, plan.why);
    await this.tryDestinations(plan.try);
  }

  override async cancel(): Promise<void> {
    this.abort.abort();
    await this.sendOn('cancelled', this.ctx.transferPolicy.allFail === 'ring' ? 'here' : 'refuse', 'cancelled by request');
  }

  protected async onDeadline(): Promise<void> {
    this.abort.abort();
    await this.sendOn('failed', this.ctx.transferPolicy.allFail === 'ring' ? 'here' : 'refuse', 'nobody took the call in time', 'timeout');
  }

  protected cleanup(): void {
    this.abort.abort();
    this.stopWatch?.();
  }

  /**
   * Port 1 going idle means the caller hung up, once the call was seen
   * there: right after the RouteSelect the port may not alert yet. After a
   * restart, a port still idle after the grace period has no call.
   */
  private watchCaller(): void {
    let seen = false;
    const gone = (): void => {
      this.callerGone = true;
      this.poke();
    };
    const watch = this.ctx.switch.watchLine(this.port1, (state) => {
      if (state !== 'idle') seen = true;
      else if (seen) gone();
    });
    const grace = this.ctx.clock.setTimer(PARK_GRACE_MS, () => {
      if (!seen && watch.state === 'idle') gone();
    });
    this.stopWatch = () => {
      grace.cancel();
      watch.stop();
    };
  }

  /** The destinations from the next one on, as without --confirm. */
  private inOrder(): Plan {
    const t = this.record.transfer!;
    return { try: t.to.map((_, i) => i).slice(t.next) };
  }

  /** Confirm mode: the owner's choice, or the office's default when nobody answers in time. */
  private async askOwner(): Promise<Plan | undefined> {
    const r = this.record;
    if (r.state === 'accepted') {
      await this.ctx.registry.update(r, {
        state: 'waiting-consent',
        detail: `asking the owner of ${r.dial} where the call from ${r.source} goes`,
        fields: { prompt: { extension: r.dial, from: r.source, call: [], expires: this.ctx.now() + this.ctx.promptTimeoutMs } },
      });
    }
    const answer = () => r.prompt?.answer;
    if (r.state === 'waiting-consent') await this.waitFor(() => answer() !== undefined || this.callerGone, Math.max(0, r.prompt!.expires - this.ctx.now()));
    if (this.done) return undefined;
    if (this.callerGone && !answer()) {
      await this.endParked('failed', 'the caller hung up before the prompt was answered', 'call-ended');
      return undefined;
    }
    const given = answer();
    if (!given) {
      const fallback = this.ctx.transferPolicy.unanswered;
      const why = `nobody answered the prompt in time`;
      return fallback === 'transfer' ? this.inOrder() : { release: fallback === 'ring' ? 'here' : 'refuse', why };
    }
    if (!given.accept) return { release: 'refuse', why: `${given.by} refused the call` };
    if (given.to === 'here') return { release: 'here', why: `${given.by} chose to take it at ${r.dial}` };
    return { try: [(given.to ?? 1) - 1] };
  }

  /** Port 2 calls each destination in turn; the first that answers is bridged with the caller. */
  private async tryDestinations(indices: number[]): Promise<void> {
    const r = this.record;
    const t = r.transfer!;
    const missed: string[] = [];
    let reason: FailureReason = 'no-answer';
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const d = t.to[i];
      if (!d || d.dial === r.source) continue; // a destination calling the extension is not sent to itself
      await this.ctx.registry.update(r, { state: 'calling', detail: `calling ${d.number}`, fields: { transfer: { ...t, next: i }, attempts: r.attempts + 1 } });
      if (this.done) return;
      const outcome = await this.ctx.switch.connectParked({
        extension: r.dial,
        ports: r.joined!.ports,
        destination: d.dial,
        signal: this.abort.signal,
        onRinging: (device) => this.ctx.registry.ringing(r, device),
      });
      if (this.done || this.abort.signal.aborted) return; // cancelled or timed out: that path sends the call on
      if (outcome.ok) {
        await this.ctx.registry.amend(r, { joined: outcome.joined });
        await this.finish('succeeded', undefined, `${d.number} answered: the caller talks with ${d.number}`);
        this.ctx.follow(r);
        return;
      }
      if (outcome.reason === 'caller-gone') return this.endParked('failed', `the caller hung up while ${d.number} was rung`, 'call-ended');
      if (outcome.reason === 'switch-unavailable' && this.ctx.switch.linkState !== 'up') {
        // The link dropped: the call is still parked at the switch; try this destination again once it is back.
        await this.untilLinkUp();
        if (this.done) return;
        k--;
        continue;
      }
      missed.push(`${d.number} ${FAILURE_WORDS[outcome.reason]}`);
      if (outcome.reason === 'busy' || outcome.reason === 'no-answer' || outcome.reason === 'invalid-number') reason = outcome.reason;
    }
    const why = missed.length > 0 ? missed.join(', ') : 'no destination could take the call';
    await this.sendOn('failed', this.ctx.transferPolicy.allFail === 'ring' ? 'here' : 'refuse', why, reason);
  }

  /** The parked call rings the extension or is refused; then the request ends and the ports go back. */
  private async sendOn(state: 'succeeded' | 'failed' | 'cancelled', to: 'here' | 'refuse', why: string, reason?: FailureReason): Promise<void> {
    if (this.done) return;
    const r = this.record;
    const where: ParkedRelease = to === 'here' ? { ring: r.dial } : 'refuse';
    let sent: boolean | 'error' | undefined;
    while (sent === undefined) {
      try {
        sent = await this.ctx.switch.releaseParked(this.port1, where);
      } catch (err) {
        if (this.ctx.switch.linkState !== 'up') {
          await this.untilLinkUp(); // the call waits at the switch meanwhile
          if (this.done) return;
          continue;
        }
        this.ctx.logger('transfer call not sent on', { id: r.id, port: this.port1, err: (err as Error).message });
        sent = 'error';
      }
    }
    if (!sent) return this.endParked('failed', `${why}; the caller hung up`, 'call-ended');
    const what = sent === 'error' ? 'the switch could not send the call on' : to === 'here' ? `${r.dial} rang instead` : 'the call was refused';
    const finalReason = state === 'failed' ? (reason ?? (to === 'refuse' ? 'rejected' : 'switch-unavailable')) : state === 'cancelled' ? 'cancelled' : undefined;
    await this.endParked(state, `${why}: ${what}`, finalReason);
  }

  /** Ends the request and gives the ports back (nothing of the call is on them any more). */
  private async endParked(state: 'succeeded' | 'failed' | 'cancelled', message: string, reason?: FailureReason): Promise<void> {
    if (this.done) return;
    const ports = this.record.joined?.ports ?? [];
    await this.finish(state, reason, message);
    this.ctx.ports.give(ports);
    await this.ctx.registry.amend(this.record, { joined: undefined });
  }
}
