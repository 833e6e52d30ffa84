// Switch.connectParked over AMI: the parked call's FastAGI session runs
// `EXEC Dial Local/DEST@CONTEXT` (the office's own dialplan reaches DEST:
// an extension, or national digits over its trunk; CTID_ROUTED, inherited,
// keeps DEST from being routed again). AGI answers a Dial only when it
// returns, which for an answered call is when the conversation ends, so the
// moment DEST answers is read from AMI instead: the Dial's `DialBegin` /
// `DialEnd` events carry the parked channel as `Channel`.
//
//   DialBegin           DEST rings (onRinging); its channel is noted
//   DialEnd ANSWER      connected: resolves ok; the session stays open, and
//                       the Dial's return later ends the transfer (followers):
//                       result=-1, the channel hung up (a Dial without the
//                       `g` option ends the call whoever hangs up)
//   the Dial returns    not answered: DIALSTATUS says why (BUSY, NOANSWER,
//                       CHANUNAVAIL, CONGESTION, ...); the call stays parked
//                       and hears ringing again. result=-1 or HANGUP: the
//                       caller left (caller-gone)
//
// Aborting hangs up DEST's channel (AMI Hangup), so the Dial returns and the
// call stays parked. An AMI outage during the Dial changes nothing here (the
// session is ctid's own line to the call); an answer missed meanwhile is
// read after the next login from CoreShowChannels (the parked channel in a
// bridge).

import type { AmiMessage } from '../../../../ami/codec.js';
import type { ConnectParkedOptions, ConnectParkedOutcome, JoinedCall, ParkedFailure } from '../../../core/ports.js';
import type { AmiLink, LinkLogger } from '../ami-link.js';
import type { AgiReply } from '../../../../agi/codec.js';
import { AgiSessionClosed } from '../fastagi/agi-session.js';
import type { ParkedCall, ParkedCalls } from './parked-calls.js';

const DIAL_FAILURE: Record<string, ParkedFailure> = {
  BUSY: 'busy',
  NOANSWER: 'no-answer',
  CANCEL: 'caller-gone',
  CHANUNAVAIL: 'invalid-number',
  CONGESTION: 'invalid-number',
  INVALIDARGS: 'invalid-number',
};

const failed = (reason: ParkedFailure, detail: string): ConnectParkedOutcome => ({ ok: false, reason, detail });

export interface ParkedDialContext {
  link: AmiLink;
  parked: ParkedCalls;
  /** The dialplan context DEST is dialled in (switch.context). */
  context: string;
  log: LinkLogger;
}

export function connectParked(ctx: ParkedDialContext, opts: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
  const slot = opts.ports[0];
  const call = slot === undefined ? undefined : ctx.parked.get(slot);
  if (!call?.live) return Promise.resolve(failed('caller-gone', `no call waits on slot ${slot}: the caller hung up`));
  if (call.state !== 'waiting') return Promise.resolve(failed('switch-unavailable', `the call on slot ${slot} is already ${call.state}`));
  if (opts.signal?.aborted) return Promise.resolve(failed('cancelled', 'cancelled'));
  return new ParkedDial(ctx, call, opts).outcome;
}

/** What a transfer that connected holds: the slots, and the caller's channel (to hang up when undone after a restart). */
export function joinedOf(call: ParkedCall, opts: ConnectParkedOptions): JoinedCall {
  return { mode: 'transfer', target: opts.extension, requester: opts.destination, ports: [...opts.ports], refs: [call.channel] };
}

class ParkedDial {
  readonly outcome: Promise<ConnectParkedOutcome>;
  private resolve!: (outcome: ConnectParkedOutcome) => void;
  private settled = false;
  private destChannel: string | undefined;
  private aborted = false;
  private readonly stop: () => void;

  constructor(
    private readonly ctx: ParkedDialContext,
    private readonly call: ParkedCall,
    private readonly opts: ConnectParkedOptions,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    const onEvent = (event: AmiMessage) => this.onEvent(event);
    const onUp = () => void this.lookForAnswer();
    const onAbort = () => this.abort();
    ctx.link.on('event', onEvent);
    ctx.link.on('up', onUp);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.stop = () => {
      ctx.link.off('event', onEvent);
      ctx.link.off('up', onUp);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    call.state = 'dialling';
    call.session
      .command(['EXEC', 'Dial', `Local/${opts.destination}@${ctx.context}`], { timeoutMs: null })
      .then(
        (reply) => this.dialReturned(reply),
        () => this.settle(failed('caller-gone', 'the caller hung up')),
      )
      .catch((err: Error) => this.settle(err instanceof AgiSessionClosed ? failed('caller-gone', 'the caller hung up') : failed('switch-unavailable', err.message)));
  }

  private onEvent(event: AmiMessage): void {
    if (event.get('Channel') !== this.call.channel) return;
    const name = event.get('Event');
    if (name === 'DialBegin') {
      this.destChannel = event.get('DestChannel');
      if (this.aborted) return void this.hangupDest();
      this.opts.onRinging?.(this.opts.destination);
    } else if (name === 'DialEnd' && event.get('DialStatus') === 'ANSWER') {
      this.answered();
    }
  }

  private answered(): void {
    if (this.aborted) return void this.hangupDest(); // answered as the abort went out: it is cancelled all the same
    if (this.settled) return;
    this.call.state = 'talking';
    this.ctx.parked.tell(this.call.slot);
    this.settle({ ok: true, joined: joinedOf(this.call, this.opts) });
  }

  /** After a login during the Dial: events were lost, so look whether the parked channel is in a bridge now. */
  private async lookForAnswer(): Promise<void> {
    try {
      const channels = await this.ctx.link.list({ Action: 'CoreShowChannels' });
      const mine = channels.find((c) => c.get('Channel') === this.call.channel);
      if (mine?.get('BridgeId')) this.answered();
    } catch (err) {
      this.ctx.log('parked call not looked at', { channel: this.call.channel, err: (err as Error).message });
    }
  }

  private async dialReturned(reply: AgiReply): Promise<void> {
    if (this.call.state === 'talking') return this.ended(reply);
    const gone = reply.result === -1 || this.call.session.hungUp;
    if (gone) return this.settle(failed('caller-gone', `the caller hung up while ${this.opts.destination} was rung`));
    const status = (await this.call.session.command(['GET', 'VARIABLE', 'DIALSTATUS'])).data ?? '';
    if (status === 'ANSWER' && !this.aborted) {
      // Answered and over while the AMI events were lost: it did connect.
      this.answered();
      return this.ended(reply);
    }
    this.call.state = 'waiting';
    this.ctx.parked.tell(this.call.slot);
    void this.call.session.command(['EXEC', 'Ringing']).catch(() => {});
    if (this.aborted) return this.settle(failed('cancelled', 'cancelled'));
    const reason = DIAL_FAILURE[status] ?? 'invalid-number';
    this.settle(failed(reason, `${this.opts.destination}: Dial ended ${status || 'without a DIALSTATUS'}`));
  }

  /** The Dial of a call that connected returned: the conversation is over. The caller's channel, if still there, is hung up (as a two-party release). */
  private async ended(reply: AgiReply): Promise<void> {
    const session = this.call.session;
    this.call.endedBecause = reply.result === -1 || session.hungUp ? 'the call ended' : 'the destination hung up';
    if (!session.hungUp) await session.command(['HANGUP']).catch(() => {});
    session.close(this.call.endedBecause);
  }

  private abort(): void {
    if (this.settled || this.aborted) return;
    this.aborted = true;
    void this.hangupDest();
  }

  private async hangupDest(): Promise<void> {
    if (!this.destChannel || this.ctx.link.state !== 'up') return;
    await this.ctx.link.action({ Action: 'Hangup', Channel: this.destChannel }).catch((err: Error) => this.ctx.log('destination not hung up', { channel: this.destChannel, err: err.message }));
  }

  private settle(outcome: ConnectParkedOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.stop();
    this.resolve(outcome);
  }
}
