// A two-point connection over AMI: `Originate` of the first party's device
// into the dialplan context with the second party as `Exten` (Async): the
// first phone rings; once it answers, the dialplan dials the second. The
// call is followed by its channels, whatever order the events come in
// (OriginateResponse before or after the callee's DialBegin; DialEnd twice):
//
//   the first leg   DialBegin / DialEnd with DestChannel = a channel of the
//                   first device and no Channel; OriginateResponse (our
//                   ActionID): Success, or Failure with its Reason
//   the second leg  DialBegin / DialEnd with Channel = the first leg's
//                   channel: DialStatus ANSWER, BUSY, NOANSWER, CHANUNAVAIL,
//                   CONGESTION, CANCEL
//
// The first answer that settles the call wins; a link drop after the
// Originate went out is `unknown` (the call may go on at the switch).

import type { AmiMessage } from '../../../ami/codec.js';
import type { CallFailure, CallOutcome, PlaceCallOptions } from '../../core/ports.js';
import { busyFor, noAnswerFor, type Role } from '../roles.js';
import { AmiActionError, type AmiLink, type LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';
import { follow, originateFailure } from './originate.js';

export class AmiCall {
  readonly outcome: Promise<CallOutcome>;
  private resolve!: (outcome: CallOutcome) => void;
  private done = false;
  private originated = false;
  private firstChannel: string | undefined;
  private readonly actionId: string;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly opts: PlaceCallOptions,
    private readonly log: LinkLogger,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    this.actionId = link.newActionId();
    this.unsubscribe = follow(link, opts.signal, {
      onEvent: (event) => this.onEvent(event),
      onState: (state) => state !== 'up' && this.finish(this.originated ? 'unknown' : 'switch-unavailable', 'the switch link dropped while the call was being placed'),
      onAbort: () => void this.cancel(),
    });
    void this.originate();
  }

  private role(party: 'first' | 'second'): Role {
    return this.opts.destination === party ? 'destination' : 'requester';
  }

  private async originate(): Promise<void> {
    if (this.opts.signal?.aborted) return this.finish('cancelled', 'cancelled');
    if (this.link.state !== 'up') return this.finish('switch-unavailable', 'the switch link is down');
    this.originated = true;
    try {
      await this.link.action({
        Action: 'Originate',
        ActionID: this.actionId,
        Channel: this.endpoints.device(this.opts.first),
        Context: this.endpoints.context,
        Exten: this.opts.second,
        Priority: 1,
        Async: 'true',
      });
    } catch (err) {
      // Refused outright: nothing was placed.
      this.originated = false;
      const reason: CallFailure = err instanceof AmiActionError ? (this.role('first') === 'destination' ? 'invalid-number' : 'requester-busy') : 'switch-unavailable';
      this.finish(reason, (err as Error).message);
    }
  }

  private onEvent(event: AmiMessage): void {
    if (this.done) return;
    const name = event.get('Event');
    const channel = event.get('Channel');
    const dest = event.get('DestChannel');
    if (name === 'OriginateResponse' && event.get('ActionID') === this.actionId) return this.onOriginateResponse(event);
    if (!channel && this.endpoints.isChannelOf(dest, this.opts.first)) {
      // The first leg: the phone the Originate rings.
      this.firstChannel ??= dest;
      if (dest !== this.firstChannel) return;
      if (name === 'DialBegin') this.opts.onRinging?.(this.opts.first);
      if (name === 'DialEnd') this.onFirstDialEnd(event.get('DialStatus'));
      return;
    }
    if (!this.firstChannel || channel !== this.firstChannel) return;
    if (name === 'DialBegin') this.opts.onRinging?.(this.opts.second);
    else if (name === 'DialEnd') this.onSecondDialEnd(event.get('DialStatus'));
    else if (name === 'Hangup') this.finish(noAnswerFor(this.role('first')), `${this.opts.first} hung up before ${this.opts.second} answered (cause ${event.get('Cause') ?? '?'})`);
  }

  private onOriginateResponse(event: AmiMessage): void {
    this.firstChannel ??= event.get('Channel');
    if (event.get('Response')?.toLowerCase() === 'success') return;
    const reason = event.get('Reason');
    const first = this.opts.first;
    const failure = originateFailure(reason);
    if (failure === 'busy') return this.finish(busyFor(this.role('first')), `${first} is busy`);
    if (failure === 'no-answer') return this.finish(noAnswerFor(this.role('first')), `${first} did not answer`);
    this.finish(this.role('first') === 'destination' ? 'invalid-number' : 'requester-busy', `the switch could not ring ${first} (OriginateResponse reason ${reason ?? '?'})`);
  }

  private onFirstDialEnd(status: string | undefined): void {
    const first = this.opts.first;
    if (status === 'ANSWER') return;
    if (status === 'BUSY') return this.finish(busyFor(this.role('first')), `${first} is busy`);
    if (status === 'NOANSWER' || status === 'CANCEL') return this.finish(noAnswerFor(this.role('first')), `${first} did not answer`);
    this.finish(this.role('first') === 'destination' ? 'invalid-number' : 'requester-busy', `the switch could not ring ${first} (${status ?? '?'})`);
  }

  private onSecondDialEnd(status: string | undefined): void {
    const second = this.opts.second;
    switch (status) {
      case 'ANSWER':
        return this.succeed();
      case 'BUSY':
        return this.finish(busyFor(this.role('second')), `${second} is busy`);
      case 'NOANSWER':
        return this.finish(noAnswerFor(this.role('second')), `${second} did not answer`);
      case 'CONGESTION':
        return this.finish('switch-unavailable', `no line to ${second} now (congestion)`);
      case 'CANCEL':
        return this.finish(noAnswerFor(this.role('first')), `${this.opts.first} hung up while ${second} rang`);
      default:
        return this.finish(this.role('second') === 'destination' ? 'invalid-number' : 'requester-busy', `the switch cannot reach ${second} (${status ?? '?'})`);
    }
  }

  private async cancel(): Promise<void> {
    if (this.done) return;
    const channel = this.firstChannel;
    this.finish('cancelled', 'cancelled');
    if (channel) await this.hangupIfLive(channel);
  }

  private succeed(): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    this.resolve({ ok: true });
  }

  private finish(reason: CallFailure, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    // A leg still up after a failure (the dialplan usually hangs it up itself) is cleared, as the CSTA path clears its call.
    if (this.firstChannel && reason !== 'cancelled' && reason !== 'unknown' && reason !== 'switch-unavailable') void this.hangupIfLive(this.firstChannel);
    this.resolve({ ok: false, reason, detail });
  }

  private async hangupIfLive(channel: string): Promise<void> {
    await this.link.action({ Action: 'Hangup', Channel: channel }).catch((err: Error) => {
      if (!(err instanceof AmiActionError)) this.log('hangup not sent', { channel, err: err.message }); // an AmiActionError is `No such channel`: gone already
    });
  }
}
