// One `Originate` (Async) and the following of what it started, settled
// once: what every Originate ctid sends shares, whether it then dials a
// second party (a two-point call, ami-call.ts) or runs an application on the
// phone it rang (ami-app-call.ts). It listens to the link's events and state
// and to the request's abort signal, and lets go of all three when settled.
// A link drop before the Originate went out is switch-unavailable, after it
// `unknown` (the call may go on at the switch); an abort hangs the leg up;
// a leg still up after a failure is hung up, as the CSTA path clears its call.

import type { AmiMessage } from '../../../ami/codec.js';
import type { CallFailure, CallOutcome } from '../../core/ports.js';
import { AmiActionError, type AmiLink, type LinkLogger } from './ami-link.js';
import type { LegFailure } from './first-leg.js';
import { follow } from './link-follow.js';

export type OriginateFields = Record<string, string | number>;

export abstract class OriginateAttempt {
  readonly outcome: Promise<CallOutcome>;
  /** The Originate's ActionID: its OriginateResponse event carries it. */
  protected readonly actionId: string;
  /** The channel of the phone the Originate rings, once an event named it. */
  protected firstChannel: string | undefined;
  private resolve!: (outcome: CallOutcome) => void;
  private done = false;
  private originated = false;
  private unsubscribe: () => void = () => {};

  constructor(
    protected readonly link: AmiLink,
    protected readonly log: LinkLogger,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    this.actionId = link.newActionId();
  }

  /** An event, until the attempt is settled. */
  protected abstract onEvent(event: AmiMessage): void;

  /** What a `Response: Error` to the Originate means: nothing was placed. */
  protected abstract refused(): CallFailure;

  /** Subscribes and sends the Originate; a subclass calls it last in its constructor, once its own fields are set. */
  protected start(fields: OriginateFields): void {
    this.unsubscribe = follow(this.link, this.signal, {
      onEvent: (event) => !this.done && this.onEvent(event),
      onState: (state) => state !== 'up' && this.finish(this.originated ? 'unknown' : 'switch-unavailable', 'the switch link dropped while the call was being placed'),
      onAbort: () => void this.cancel(),
    });
    void this.originate(fields);
  }

  private async originate(fields: OriginateFields): Promise<void> {
    if (this.signal?.aborted) return this.finish('cancelled', 'cancelled');
    if (this.link.state !== 'up') return this.finish('switch-unavailable', 'the switch link is down');
    this.originated = true;
    try {
      await this.link.action({ Action: 'Originate', ActionID: this.actionId, ...fields, Async: 'true' });
    } catch (err) {
      // Refused outright: nothing was placed.
      this.originated = false;
      this.finish(err instanceof AmiActionError ? this.refused() : 'switch-unavailable', (err as Error).message);
    }
  }

  private async cancel(): Promise<void> {
    if (this.done) return;
    const channel = this.firstChannel;
    this.finish('cancelled', 'cancelled');
    if (channel) await this.hangupIfLive(channel);
  }

  protected succeed(): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    this.resolve({ ok: true });
  }

  protected finish(reason: CallFailure, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    // A leg still up after a failure (the dialplan usually hangs it up itself) is cleared, as the CSTA path clears its call.
    if (this.firstChannel && reason !== 'cancelled' && reason !== 'unknown' && reason !== 'switch-unavailable') void this.hangupIfLive(this.firstChannel);
    this.resolve({ ok: false, reason, detail });
  }

  protected fail({ reason, detail }: LegFailure): void {
    this.finish(reason, detail);
  }

  private async hangupIfLive(channel: string): Promise<void> {
    await this.link.action({ Action: 'Hangup', Channel: channel }).catch((err: Error) => {
      if (!(err instanceof AmiActionError)) this.log('hangup not sent', { channel, err: err.message }); // an AmiActionError is `No such channel`: gone already
    });
  }
}
