// A call that runs an Asterisk application on one phone: `Originate` of the
// phone's device with `Application` / `Data` (Async) instead of a dialplan
// extension. Asterisk rings the phone; once it answers, the application runs
// on the channel (Playback, SendFAX), then Asterisk hangs the channel up.
//
// The channel is followed by the Uniqueid ctid gives it (`ChannelId`), so
// no other call's events can be mistaken for it, whatever order they come
// in: its DialBegin / DialEnd (DestUniqueid), Newstate Up, the events the
// application raises, and its Hangup (Uniqueid); the OriginateResponse by
// ActionID. A phone not reached reads as a two-point call's first leg
// (first-leg.ts). Once it answered, the caller decides what the
// application's events and the final Hangup mean.

import { randomUUID } from 'node:crypto';
import type { AmiMessage } from '../../../ami/codec.js';
import type { CallFailure, CallOutcome } from '../../core/ports.js';
import type { Role } from '../roles.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';
import { firstLegFailure, originateFailure, unreachableFor } from './first-leg.js';
import { OriginateAttempt } from './originate-attempt.js';

/**
 * How long the phone may ring (Originate `Timeout`, ms): Asterisk's own
 * default, sent so that a PBX-wide change does not change how long a phone
 * rings for a message, as a two-point call rings.
 */
const RING_TIMEOUT_MS = 30_000;

/** AST_STATE_UP: the channel answered. */
const STATE_UP = '6';

export interface AppCallOptions {
  /** The extension whose device the Originate rings. */
  ext: string;
  application: string;
  data: string;
  /** Whose failure it is when the phone is not reached (roles.ts). */
  role: Role;
  signal?: AbortSignal;
  onRinging?: (device: string) => void;
  /** Reads an event of the answered channel (a SendFAX report); an outcome settles the call. */
  onAppEvent?: (event: AmiMessage) => CallOutcome | undefined;
  /** What the channel hanging up after it answered means, when nothing settled the call before. */
  atHangup: CallOutcome;
}

export class AmiAppCall extends OriginateAttempt {
  private readonly channelId = randomUUID();
  private answered = false;

  constructor(
    link: AmiLink,
    endpoints: Endpoints,
    private readonly opts: AppCallOptions,
    log: LinkLogger,
  ) {
    super(link, log, opts.signal);
    this.start({ Channel: endpoints.device(opts.ext), Application: opts.application, Data: opts.data, ChannelId: this.channelId, Timeout: RING_TIMEOUT_MS });
  }

  protected refused(): CallFailure {
    return unreachableFor(this.opts.role);
  }

  protected onEvent(event: AmiMessage): void {
    const name = event.get('Event');
    if (name === 'OriginateResponse' && event.get('ActionID') === this.actionId) return this.onOriginateResponse(event);
    if (event.get('DestUniqueid') === this.channelId) return this.onDial(name, event);
    if (event.get('Uniqueid') !== this.channelId) return;
    this.firstChannel ??= event.get('Channel');
    if (name === 'Newstate' && event.get('ChannelState') === STATE_UP) this.answered = true;
    // Before the answer, the DialEnd or OriginateResponse that always comes says why; after it, the application ended.
    else if (name === 'Hangup') this.settle(this.answered ? this.opts.atHangup : undefined);
    else if (this.answered) this.settle(this.opts.onAppEvent?.(event));
  }

  private onOriginateResponse(event: AmiMessage): void {
    this.firstChannel ??= event.get('Channel');
    if (event.get('Response')?.toLowerCase() === 'success') this.answered = true;
    else this.fail(originateFailure(event.get('Reason'), this.opts.ext, this.opts.role));
  }

  /** The Originate's dial of the phone (its DialBegin / DialEnd name no Channel, only the Dest one). */
  private onDial(name: string | undefined, event: AmiMessage): void {
    this.firstChannel ??= event.get('DestChannel');
    if (name === 'DialBegin') this.opts.onRinging?.(this.opts.ext);
    if (name !== 'DialEnd') return;
    const failure = firstLegFailure(event.get('DialStatus'), this.opts.ext, this.opts.role);
    if (failure) this.fail(failure);
    else this.answered = true;
  }

  private settle(outcome: CallOutcome | undefined): void {
    if (!outcome) return;
    if (outcome.ok) this.succeed();
    else this.finish(outcome.reason, outcome.detail);
  }
}
