// Switch.placeCall over CSTA (csta-link.md "two-point connection"): MakeCall
// with autoOriginate=prompt, followed through the monitor on `first` (the
// calling device sees every event of its call, the far party's included).
//
//   monitoring  waiting for the monitor on `first`: without it the events are lost
//   making      MakeCall sent; events may come before its response, so they wait, bounded
//   calling     the call is known by its callID: its events decide the outcome
//   answered    resolved ok; the monitor is kept until first's connection clears
//   done        resolved, and the monitor released
//
// Outcome mapping (outcomes.ts for causes and errors):
//   - `second`'s connection established (for an external number, the trunk's) => ok
//   - FailedEvent => by its cause, for the party whose connection failed
//   - first's connection cleared before both answered => whoever was not
//     connected yet did not answer: first if it never went off-hook (the
//     prompt timed out, csta-link.md: cause callNotAnswered), else second.
//     CallFailure has no "call ended"; no-answer is what the users saw.
//   - MakeCall / MonitorStart refused => failureForError
//   - link down before the outcome => switch-unavailable (the call cannot be
//     followed or cleared any more; the switch may still complete it)
//   - the signal aborts => cancelled
// Every failure but the link's clears first's connection, so nobody is left
// hearing a tone; the promise resolves after that.

import type { ConnectionId, CstaEvent, MakeCallResponse } from '../../../csta/messages.js';
import type { CallFailure, CallOutcome, PlaceCallOptions } from '../../core/ports.js';
import { subjectOf } from './events.js';
import type { CstaLink, LinkLogger } from './link.js';
import type { DeviceMonitors, MonitorSubscriber } from './monitors.js';
import { failureForCause, failureForError, noAnswerFor, type Role } from './outcomes.js';

type Stage = 'monitoring' | 'making' | 'calling' | 'answered' | 'done';

/** Events kept while the MakeCall response is on its way. */
const MAX_EARLY_EVENTS = 64;

export class CallAttempt implements MonitorSubscriber {
  readonly outcome: Promise<CallOutcome>;
  private resolve!: (outcome: CallOutcome) => void;
  private stage: Stage = 'monitoring';
  /** first's connection, as the MakeCall response names it. */
  private first: ConnectionId | undefined;
  private early: CstaEvent[] = [];
  private firstConnected = false;
  private firstCleared = false;
  private readonly rung = new Set<string>();
  private making: Promise<void> = Promise.resolve();
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly link: CstaLink,
    monitors: DeviceMonitors,
    private readonly opts: PlaceCallOptions,
    private readonly log: LinkLogger,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    const { signal } = opts;
    if (signal?.aborted) void this.finish('cancelled', 'cancelled before the call was placed');
    else if (link.state !== 'up') void this.finish('switch-unavailable', 'the switch link is down');
    else this.follow(monitors, signal);
  }

  private follow(monitors: DeviceMonitors, signal: AbortSignal | undefined): void {
    const { link } = this;
    const onDown = (reason: string): void => {
      if (this.stage === 'answered') this.release();
      // Once MakeCall may have reached the switch, the call may go on without us: say so, never "nothing happened".
      else void this.finish(this.stage === 'monitoring' ? 'switch-unavailable' : 'unknown', `the switch link went down: ${reason}`);
    };
    const onAbort = (): void => void this.finish('cancelled', 'cancelled', true);
    link.on('down', onDown);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => link.off('down', onDown));
    this.cleanups.push(() => signal?.removeEventListener('abort', onAbort));
    this.cleanups.push(monitors.subscribe(this.opts.first, this));
    // first's line is usually watched already (a camp-on's destination): the MakeCall goes now, not a microtask later.
    if (monitors.running(this.opts.first)) this.started();
  }

  started(): void {
    if (this.stage !== 'monitoring') return; // a later session: this attempt ended when the link went down
    this.stage = 'making';
    this.making = this.link
      .request<MakeCallResponse>({ type: 'MakeCall', callingDevice: this.opts.first, calledDirectoryNumber: this.opts.second, autoOriginate: 'prompt' })
      .then(
        (response) => this.made(response.callingDevice),
        (err: Error) => void this.finish(failureForError(err, this.role('first')), `the switch refused the call: ${err.message}`),
      );
  }

  failed(err: Error): void {
    if (this.stage === 'monitoring') void this.finish(failureForError(err, this.role('first')), `${this.opts.first} cannot be followed: ${err.message}`);
  }

  event(event: CstaEvent): void {
    const subject = subjectOf(event);
    if (!subject) return;
    if (!this.first) {
      if (this.stage === 'making' && this.early.push(event) > MAX_EARLY_EVENTS) this.early.shift();
      return;
    }
    if (subject.callId === this.first.callId) this.onCallEvent(event, subject.deviceId === this.first.deviceId);
  }

  private made(first: ConnectionId): void {
    this.first = first;
    const early = this.early.filter((e) => subjectOf(e)?.callId === first.callId);
    this.early = [];
    if (this.stage !== 'making') return; // cancelled meanwhile: finish() clears the call
    this.stage = 'calling';
    for (const event of early) this.event(event);
  }

  /** An event of our call; `mine` when it names first's own connection. */
  private onCallEvent(event: CstaEvent, mine: boolean): void {
    if (this.stage === 'answered') {
      if (mine && event.type === 'ConnectionClearedEvent') this.release();
      return;
    }
    if (this.stage !== 'calling') return;
    const party = mine ? 'first' : 'second';
    switch (event.type) {
      case 'ServiceInitiatedEvent': // first is prompted
      case 'DeliveredEvent':
        return this.ringing(this.opts[party]);
      case 'OriginatedEvent':
        this.firstConnected ||= mine;
        return;
      case 'EstablishedEvent':
        if (mine) this.firstConnected = true;
        else this.answered();
        return;
      case 'FailedEvent':
        return void this.finish(failureForCause(event.cause, this.role(party)), `${this.opts[party]} could not be reached (${event.cause ?? 'no cause given'})`, true);
      case 'ConnectionClearedEvent': {
        if (!mine) return; // e.g. a ringing leg sent on by forwarding: the call goes on until first's connection clears
        this.firstCleared = true;
        const silent = this.firstConnected ? 'second' : 'first';
        return void this.finish(noAnswerFor(this.role(silent)), `${this.opts[silent]} did not answer (${event.cause ?? 'cleared'})`, true);
      }
      default:
        return;
    }
  }

  private ringing(device: string): void {
    if (this.rung.has(device)) return;
    this.rung.add(device);
    this.opts.onRinging?.(device);
  }

  private answered(): void {
    this.stage = 'answered';
    this.resolve({ ok: true });
  }

  private role(party: 'first' | 'second'): Role {
    return this.opts.destination === party ? 'destination' : 'requester';
  }

  private async finish(reason: CallFailure, detail: string, clear = false): Promise<void> {
    if (this.stage === 'answered' || this.stage === 'done') return;
    this.stage = 'done';
    if (clear) {
      await this.making; // a MakeCall in flight names the connection to clear
      if (this.first && !this.firstCleared) {
        await this.link
          .request({ type: 'ClearConnection', connectionToBeCleared: this.first })
          .catch((err: Error) => this.log('switch call not cleared', { first: this.opts.first, err: err.message }));
      }
    }
    this.release();
    this.resolve({ ok: false, reason, detail });
  }

  private release(): void {
    this.stage = 'done';
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
