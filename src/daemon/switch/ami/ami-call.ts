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
import type { CallFailure, PlaceCallOptions } from '../../core/ports.js';
import { busyFor, noAnswerFor, type Role } from '../roles.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';
import { firstLegFailure, originateFailure, unreachableFor } from './first-leg.js';
import { OriginateAttempt } from './originate-attempt.js';

export class AmiCall extends OriginateAttempt {
  constructor(
    link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly opts: PlaceCallOptions,
    log: LinkLogger,
  ) {
    super(link, log, opts.signal);
    this.start({ Channel: endpoints.device(opts.first), Context: endpoints.context, Exten: opts.second, Priority: 1 });
  }

  private role(party: 'first' | 'second'): Role {
    return this.opts.destination === party ? 'destination' : 'requester';
  }

  protected refused(): CallFailure {
    return unreachableFor(this.role('first'));
  }

  protected onEvent(event: AmiMessage): void {
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
    this.fail(originateFailure(event.get('Reason'), this.opts.first, this.role('first')));
  }

  private onFirstDialEnd(status: string | undefined): void {
    const failure = firstLegFailure(status, this.opts.first, this.role('first'));
    if (failure) this.fail(failure);
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
        return this.finish(unreachableFor(this.role('second')), `the switch cannot reach ${second} (${status ?? '?'})`);
    }
  }
}
