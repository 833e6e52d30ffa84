// `EXEC Dial TARGET` from a FastAGI server, against the exchange: the
// AGI's call is offered to TARGET's number (`Local/N@CONTEXT` through this
// PBX's dialplan, or `PJSIP/N`), not routed again, while the caller waits.
// Resolves when the Dial would return in Asterisk:
//
//   the dialled party fails (busy, no answer, unreachable)   DIALSTATUS BUSY, NOANSWER, CHANUNAVAIL, CONGESTION; result 0
//   it is hung up while ringing                              BUSY (the ringing phone refused it); result 0
//   it answered, and later hangs up                          ANSWER; the caller is hung up too (Dial without
//                                                            the `g` option does not go on); result -1
//   the caller hangs up                                      CANCEL (ANSWER once answered); result -1
//
// The AMI face reports the Dial as Asterisk does (DialBegin / DialEnd from
// the caller's channel): it follows the exchange's events.

import type { EventCause } from '../../csta/messages.js';
import type { Call, Connection } from '../call.js';
import type { ExchangeEvent } from '../exchange.js';
import type { AmiPbx } from './ami-pbx.js';
import { dialStatusOf } from './ami-tables.js';

export interface DialResult {
  status: string;
  result: number;
}

export class AgiDial {
  private answered = false;
  private status = 'CHANUNAVAIL';

  constructor(
    private readonly pbx: AmiPbx,
    private readonly call: Call,
    private readonly caller: Connection,
  ) {}

  run(args: string): Promise<DialResult> {
    const number = this.numberOf(args.split(',')[0] ?? '');
    if (number === undefined) return Promise.resolve({ status: 'INVALIDARGS', result: 0 });
    return new Promise((resolve) => {
      const exchange = this.pbx.exchange;
      let done = false;
      const finish = (result: number) => {
        if (done) return;
        done = true;
        exchange.off('event', onEvent);
        resolve({ status: this.status, result });
      };
      const onEvent = (e: ExchangeEvent) => {
        if (e.call !== this.call) return;
        const outcome = this.judge(e);
        if (outcome !== undefined) finish(outcome);
      };
      exchange.on('event', onEvent);
      try {
        exchange.offer(this.call, number, { bypassRouting: true });
      } catch {
        this.status = 'CHANUNAVAIL';
        finish(0);
      }
      // A party that failed at once (busy, unknown number) reported it while offer() ran.
      if (!done && !this.othersLive()) finish(this.caller.live ? 0 : -1);
    });
  }

  /** The Dial's result once it returns, or undefined while it goes on. */
  private judge(e: ExchangeEvent): number | undefined {
    const body = e.body;
    if (!this.caller.live) {
      if (!this.answered) this.status = 'CANCEL';
      return -1;
    }
    if (body.type === 'FailedEvent') this.status = dialStatusOf(body.cause as EventCause | undefined);
    if (body.type === 'EstablishedEvent' && body.establishedConnection.deviceId !== this.caller.deviceId) {
      this.answered = true;
      this.status = 'ANSWER';
    }
    if (body.type === 'ConnectionClearedEvent' && body.cause !== 'redirected' && !this.answered) this.status = 'BUSY';
    if (body.type === 'ConnectionClearedEvent' && body.cause === 'redirected') return undefined; // sent on: the next party rings
    if (this.othersLive()) return undefined;
    if (!this.answered) return 0;
    // The conversation is over: the caller goes too, once the exchange is done with this change.
    queueMicrotask(() => this.caller.live && this.pbx.exchange.clear(this.caller));
    return undefined;
  }

  private othersLive(): boolean {
    return this.call.live.some((c) => c !== this.caller);
  }

  /** `Local/N@CONTEXT` (this PBX's context) or `PJSIP/N`: N; anything else undefined. */
  private numberOf(target: string): string | undefined {
    const local = /^Local\/([\d*#]{1,32})@([\w-]+)(?:\/n)?$/i.exec(target);
    if (local) return local[2] === this.pbx.context ? local[1] : undefined;
    return /^PJSIP\/(\d{1,32})$/i.exec(target)?.[1];
  }
}
