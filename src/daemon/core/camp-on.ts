// A call or camp-on request placed through this office's switch
// (MISSION.md section 1; FIG. 5-6, 12-13, 15-16 of the source text). A
// *call* tries once; with camp-on it then camps on. A *camp-on* either
// watches the destination's line and places the two-point connection the
// moment it is idle (strategy watch, FIG. 13), or re-issues the connection
// on a cycle (strategy retry, FIG. 6), until the parties are connected or the
// window (monitor time) ends. The line is watched through this switch, or,
// for a number another office owns with place=local (FIG. 15-16), through
// that office's status monitor.
//
// Camp-ons watching the same line take turns when it frees, oldest first
// (line-turns.ts), so a freed line gets one call, not one per camp-on.
//
// When the line's change makes a call worth trying, the call is placed in
// the same tick, from the line watch's callback (watchDestination): no
// promise hop between the switch's event and the MakeCall (issue 4 asks for
// under 2 ms at p99); run() then follows the attempt it began.
//
// Durability: the request is stored as `calling` (with its attempt count)
// before each MakeCall, written to the journal (so a crash or kill of ctid
// cannot lose it) but not awaited to its fsync, which follows at once: that
// fsync would be most of the time from "line idle" to the MakeCall. After a
// restart, a request found `calling` has an unknown outcome; it counts as
// connected only if both lines are then busy, otherwise it camps on again.
// This keeps a restart from placing a call twice while the first one is
// still up (only the machine itself going down within the millisecond
// before that fsync could).

import { peerLineWatch } from './peer-line.js';
import type { LineQueue, TurnTaker } from './line-turns.js';
import type { CallFailure, CallOutcome, LineWatch } from './ports.js';
import type { FailureReason, RequestRecord } from './request.js';
import { Runner } from './runner.js';

/** Why an attempt failed, in the words a user reads. */
const FAILURE_WORDS: Record<CallFailure, string> = {
  busy: 'the line is busy',
  'no-answer': 'the destination did not answer',
  'requester-no-answer': 'you did not answer the recall',
  'requester-busy': 'your own phone was busy',
  'invalid-number': 'the switch cannot reach that number',
  'switch-unavailable': 'the switch link is down',
  unknown: 'the switch link dropped while the call was being placed',
  cancelled: 'cancelled',
};

/** Failures that end a request at once: waiting would not change them. */
const FATAL: ReadonlySet<CallFailure> = new Set(['requester-no-answer', 'invalid-number']);

export class RequestRunner extends Runner implements TurnTaker {
  /** Aborts the call being placed, if any. */
  private abort: AbortController | undefined;
  private watch: LineWatch | undefined;
  /** The camp-ons of the watched line (strategy watch), this one among them. */
  private queue: LineQueue | undefined;
  private unlink: (() => void) | undefined;
  private lineChanges = 0;
  private lastFailure: string | undefined;
  /** Its last try failed and it has kept the turn since (alone on its line): the next try waits for the line to change. */
  private triedThisTurn = false;
  /**
   * Waiting for its turn as plain data: no coroutine, no line watch, no
   * link listener. A line with a hundred camp-ons runs one of them; the
   * queue wakes the next (wake()).
   */
  private parked = false;
  /** While run() waits on the line: whether a change of the line makes a call worth trying now. */
  private callWhen: (() => boolean) | undefined;
  /** The attempt a change of the line began (watchDestination), for run() to follow. */
  private begun: Promise<CallOutcome> | undefined;

  get since(): number {
    return this.record.createdAt;
  }

  protected override begin(): void {
    const r = this.record;
    if (r.strategy !== 'retry' && watchable(r)) this.queue = this.ctx.turns.join(r.office ? `${r.office}/${r.dial}` : r.dial, this);
    if (this.mayPark()) this.park();
    else this.runNow();
  }

  /** Its turn came: a parked camp-on starts, a running one looks again. */
  wake(): void {
    if (this.done) return;
    if (!this.parked) return this.poke();
    this.parked = false;
    this.runNow();
  }

  protected async run(): Promise<void> {
    const r = this.record;
    this.unlink = this.ctx.switch.onLinkState(() => this.poke());
    this.watch = this.watchDestination();
    if (r.state === 'calling' && (await this.settleUnknownCall())) return;
    if (r.kind === 'call' && r.attempts === 0) {
      const outcome = await this.attempt();
      if (this.done || outcome.ok || (await this.settled(outcome))) return;
      if (!r.campOn || FATAL.has(outcome.reason)) return this.fail(outcome.reason);
      if (r.office && r.place === 'remote') return this.handOver(); // FIG. 12: on failure, camp on through the owner
    }
    while (!this.done) {
      if (this.mayPark()) return this.park();
      const begun = await this.waitForChance();
      if (this.done && !begun) return;
      const outcome = await (begun ?? this.attempt());
      if (this.done || outcome.ok || (await this.settled(outcome))) return;
      if (FATAL.has(outcome.reason)) return this.fail(outcome.reason);
    }
  }

  /** An attempt whose outcome is unknown is followed until the lines tell; true when that ended the request. */
  private async settled(outcome: Exclude<CallOutcome, { ok: true }>): Promise<boolean> {
    return outcome.reason === 'unknown' && (await this.settleUnknownCall());
  }

  protected onDeadline(): Promise<void> {
    return this.finish('failed', 'timeout', `no connection within the window: ${this.lastFailure ?? 'the line stayed busy'}`);
  }

  protected cleanup(): void {
    this.abort?.abort();
    this.queue?.leave(this); // first: the next camp-on watches the line before this one lets go of it
    this.letGo();
  }

  /** Behind another camp-on of its line, with nothing of its own in flight (a first call, or a call whose outcome is unknown, goes ahead). */
  private mayPark(): boolean {
    const r = this.record;
    return this.queue !== undefined && !this.queue.isFirst(this) && r.state !== 'calling' && !(r.kind === 'call' && r.attempts === 0);
  }

  /** Waits for its turn as data (see `parked`), stored as watching. */
  private park(): void {
    this.parked = true;
    this.triedThisTurn = false;
    this.letGo();
    const r = this.record;
    const detail = this.lastFailure ?? 'another camp-on of this line goes first';
    if (r.state !== 'watching') void this.ctx.registry.update(r, { state: 'watching', detail, fields: { ringing: undefined } });
  }

  private letGo(): void {
    this.watch?.stop();
    this.watch = undefined;
    this.unlink?.();
    this.unlink = undefined;
  }

  /** This switch's own extension, or a line another office reports (place=local); an outside number cannot be watched. */
  private watchDestination(): LineWatch | undefined {
    const r = this.record;
    const onChange = (state: string) => {
      this.lineChanges++;
      const note = `line ${state}`;
      if (r.state === 'watching' && !this.done && r.history.at(-1)?.detail !== note) void this.ctx.registry.update(r, { note, until: 'watchers' });
      if (!this.done && this.callWhen?.()) {
        this.callWhen = undefined;
        this.begun = this.attempt();
      }
      this.poke();
    };
    if (!watchable(r)) return undefined;
    return r.office ? peerLineWatch(this.ctx, r.office, r.dial, [this.ctx.office], onChange) : this.ctx.switch.watchLine(r.dial, onChange);
  }

  /**
   * Waits until a call is worth trying: the line idle (watch), or the next
   * retry cycle. Returns the attempt a change of the line began, if one did.
   */
  private async waitForChance(): Promise<Promise<CallOutcome> | undefined> {
    const r = this.record;
    const before = this.lineChanges;
    const watch = this.watch;
    const detail = this.lastFailure ?? (!watch ? 'calling again on the retry cycle' : watch.state ? `line ${watch.state}` : 'checking the line');
    await this.ctx.registry.update(r, { state: 'watching', detail, fields: { ringing: undefined } });
    const linkUp = () => this.ctx.switch.linkState === 'up';
    if (!watch || r.strategy === 'retry') {
      if (r.attempts > 0) await this.waitFor(() => false, r.retryEveryMs);
      await this.waitFor(linkUp);
      return undefined;
    }
    const idle = () => watch.state === 'idle' && linkUp() && (this.queue?.isFirst(this) ?? true);
    // After a failed attempt, still first: the line's next change to idle, or --retry-every, whichever comes first.
    if (this.triedThisTurn) await this.waitOnLine(() => this.lineChanges > before && idle(), r.retryEveryMs);
    if (!this.begun) await this.waitOnLine(idle);
    const begun = this.begun;
    this.begun = undefined;
    return begun;
  }

  /** waitFor(ready), where the change of the line that makes ready() hold begins the attempt at once (watchDestination). */
  private async waitOnLine(ready: () => boolean, timeoutMs?: number): Promise<void> {
    this.callWhen = ready;
    try {
      await this.waitFor(() => this.begun !== undefined || ready(), timeoutMs);
    } finally {
      this.callWhen = undefined;
    }
  }

  /**
   * One two-point connection, stored as `calling` first. Everything up to
   * the MakeCall is done before the first await, so a caller in the line's
   * event sends it within that event.
   */
  private async attempt(): Promise<CallOutcome> {
    const r = this.record;
    this.ctx.registry.updateNow(r, { state: 'calling', detail: `attempt ${r.attempts + 1}`, fields: { attempts: r.attempts + 1 } });
    this.abort = new AbortController();
    // The source text's order (S505-S508): the destination first, where it is on this switch.
    const destinationFirst = !r.office && /^[1-9]/.test(r.dial) && !r.recallFirst;
    const outcome = await this.ctx.switch.placeCall({
      first: destinationFirst ? r.dial : r.source,
      second: destinationFirst ? r.source : r.dial,
      destination: destinationFirst ? 'first' : 'second',
      signal: this.abort.signal,
      onRinging: (device) => this.ctx.registry.ringing(r, device),
    });
    if (this.done) return outcome;
    if (outcome.ok) {
      await this.finish('succeeded', undefined, `connected ${r.source} with ${r.destination}`);
      return outcome;
    }
    this.lastFailure = FAILURE_WORDS[outcome.reason];
    this.triedThisTurn = true;
    this.queue?.toBack(this); // the next camp-on of the line tries now
    this.ctx.logger('attempt failed', { id: r.id, reason: outcome.reason, detail: outcome.detail });
    return outcome;
  }

  /**
   * The last MakeCall's outcome is unknown (ctid restarted, or the link
   * dropped, while it was being placed): the call may still be up. Follow
   * both lines until they tell: both busy means it went through; both idle
   * means it is gone and the camp-on goes on. Anything between (a party
   * ringing) waits for the next change, so a call still in progress is never
   * placed a second time.
   */
  private async settleUnknownCall(): Promise<boolean> {
    const r = this.record;
    void this.ctx.registry.update(r, { note: 'following the call placed before the interruption' });
    let changes = 0;
    const onChange = () => (changes++, this.poke());
    const source = /^[1-9]/.test(r.source) ? this.ctx.switch.watchLine(r.source, onChange) : undefined;
    const unlink = this.ctx.switch.onLinkState(onChange);
    const lines = [source, this.watch].filter((w): w is LineWatch => w !== undefined);
    const up = () => this.ctx.switch.linkState === 'up' && lines.every((w) => w.state !== undefined);
    let connected = false;
    try {
      for (;;) {
        await this.waitFor(up);
        if (this.done || lines.length === 0) return this.done;
        if (lines.every((w) => w.state === 'busy')) {
          connected = true;
          break;
        }
        if (lines.every((w) => w.state === 'idle' || w.state === 'out-of-service')) return false;
        const before = changes + this.lineChanges;
        await this.waitFor(() => changes + this.lineChanges > before);
      }
    } finally {
      source?.stop();
      unlink();
    }
    if (connected) await this.finish('succeeded', undefined, `connected ${r.source} with ${r.destination} (confirmed after an interruption)`);
    return connected;
  }

  /** The owning office takes over the camp-on: this runner lets go, a forwarding one starts. */
  private handOver(): void {
    this.stop();
    this.ctx.rerun(this.record);
  }

  private fail(reason: CallFailure): Promise<void> {
    const mapped: FailureReason = reason === 'requester-busy' ? 'busy' : reason === 'unknown' ? 'switch-unavailable' : reason;
    return this.finish('failed', mapped, FAILURE_WORDS[reason]);
  }
}

/** Whether the destination's line can be watched: this switch's own extension, or a line another office reports (place=local). */
function watchable(r: RequestRecord): boolean {
  return r.office !== undefined || /^[1-9]/.test(r.dial);
}
