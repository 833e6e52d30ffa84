// Join and barge-in over AMI, with ConfBridge rooms (ctid's `ctid-rooms`
// context) in place of the CSTA path's voice-board ports:
//
//   1. the target's two-party call moves into a fresh room: one `Redirect`
//      of the target's channel with the other party as ExtraChannel (both at
//      once, or the other's Dial() would end and hang it up); a target
//      already in a room ctid made (an earlier join) stays where it is;
//   2. an `Originate` rings the requester into the room (ChannelId chosen
//      by ctid, so the stored refs name its channel before it exists; a
//      requester in another office through a Local channel into the
//      office's context, which dials outside numbers); its
//      OriginateResponse says whether it answered;
//   3. barge-in only, once the requester is in: the other parties go to
//      `ctid-hold` (music on hold), so requester and target talk alone.
//
// What the join holds is stored (opts.persist) before each step that needs
// undoing. The parties stay in the room if the requester never comes: they
// still talk, so there is nothing to undo then.

import { randomBytes, randomInt } from 'node:crypto';
import type { AmiMessage } from '../../../ami/codec.js';
import type { JoinedCall, JoinFailure, JoinOptions, JoinOutcome } from '../../core/ports.js';
import { AmiActionError, type AmiLink, type LinkLogger } from './ami-link.js';
import { channelsNow, talkingCall } from './channels-now.js';
import type { Endpoints } from './endpoints.js';
import { encodeRefs, HOLD_CONTEXT, ROOMS_CONTEXT, type AmiJoinRefs } from './join-refs.js';
import { originateFailure } from './first-leg.js';
import { follow } from './link-follow.js';

type Failed = { ok: false; reason: JoinFailure; detail: string };
const failed = (reason: JoinFailure, detail: string): Failed => ({ ok: false, reason, detail });

export interface JoinDeps {
  link: AmiLink;
  endpoints: Endpoints;
  /** Undoes what a join holds (ami-join-follow.ts). */
  undo: (joined: JoinedCall) => Promise<void>;
  log: LinkLogger;
}

export async function joinOverAmi(deps: JoinDeps, opts: JoinOptions): Promise<JoinOutcome> {
  const { link, endpoints } = deps;
  if (opts.signal?.aborted) return failed('cancelled', 'cancelled');
  let call;
  try {
    call = talkingCall(await channelsNow(link), endpoints, opts.target);
  } catch (err) {
    return failed('switch-unavailable', `could not read ${opts.target}'s call: ${(err as Error).message}`);
  }
  if (!call) return failed('not-in-call', `${opts.target} is not talking in a call`);
  const inRoom = call.channel.context === ROOMS_CONTEXT;
  if (!inRoom && call.others.length > 1) {
    return failed('switch-unavailable', `${opts.target}'s call has ${call.others.length} other parties: over AMI only two-party calls (and calls ctid joined before) can be joined`);
  }
  const refs: AmiJoinRefs = {
    room: inRoom ? call.channel.exten : String(randomInt(10_000_000, 100_000_000)),
    requester: `ctid-join-${randomBytes(8).toString('hex')}`,
    target: call.channel.channel,
    others: call.others.map((o) => o.row.channel),
  };
  const joined: JoinedCall = { mode: opts.mode, target: opts.target, requester: opts.requester, ports: opts.ports, refs: encodeRefs(refs) };
  await opts.persist(joined);

  if (!inRoom) {
    try {
      const other = refs.others[0];
      await link.action({ Action: 'Redirect', Channel: refs.target, Context: ROOMS_CONTEXT, Exten: refs.room, Priority: 1, ...(other ? { ExtraChannel: other, ExtraContext: ROOMS_CONTEXT, ExtraExten: refs.room, ExtraPriority: 1 } : {}) });
    } catch (err) {
      // Nothing moved: a refused Redirect names a channel that is gone, so the call ended meanwhile.
      if (err instanceof AmiActionError) return failed('call-ended', `${opts.target}'s call ended before it could be joined (${err.message})`);
      return failed('switch-unavailable', (err as Error).message);
    }
  }

  const rung = await new RoomRing(link, endpoints, opts, refs).outcome;
  if (!rung.ok) {
    await deps.undo(joined).catch((err: Error) => deps.log('join not undone', { target: opts.target, err: err.message }));
    return rung;
  }
  if (opts.mode === 'barge-in') {
    try {
      await holdOthers(link, refs);
    } catch (err) {
      await deps.undo(joined).catch(() => {});
      return failed('switch-unavailable', `could not put ${opts.target}'s other parties on hold: ${(err as Error).message}`);
    }
  }
  return { ok: true, joined };
}

/** Barge-in: the target's other parties to music on hold, two per Redirect. */
async function holdOthers(link: AmiLink, refs: AmiJoinRefs): Promise<void> {
  for (let i = 0; i < refs.others.length; i += 2) {
    const [one, two] = refs.others.slice(i, i + 2);
    await link.action({ Action: 'Redirect', Channel: one, Context: HOLD_CONTEXT, Exten: refs.room, Priority: 1, ...(two ? { ExtraChannel: two, ExtraContext: HOLD_CONTEXT, ExtraExten: refs.room, ExtraPriority: 1 } : {}) });
  }
}

/**
 * The requester rung into the room: ok once its OriginateResponse says it
 * answered. The target hanging up meanwhile ends it (call-ended), as does
 * the link dropping or the signal; then the requester's channel, if it was
 * made, is hung up.
 */
class RoomRing {
  readonly outcome: Promise<{ ok: true } | Failed>;
  private resolve!: (outcome: { ok: true } | Failed) => void;
  private done = false;
  private channel: string | undefined;
  private readonly actionId: string;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly opts: JoinOptions,
    private readonly refs: AmiJoinRefs,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    this.actionId = link.newActionId();
    this.unsubscribe = follow(link, opts.signal, {
      onEvent: (event) => this.onEvent(event),
      onState: (state) => state !== 'up' && this.finish(failed('switch-unavailable', 'the switch link dropped while the requester was rung')),
      onAbort: () => this.finish(failed('cancelled', 'cancelled')),
    });
    void this.originate();
  }

  private async originate(): Promise<void> {
    try {
      await this.link.action({
        Action: 'Originate',
        ActionID: this.actionId,
        // A requester in another office is reached through the dialplan, as any outside number.
        Channel: this.opts.requesterOutside ? `Local/${this.opts.requester}@${this.endpoints.context}` : this.endpoints.device(this.opts.requester),
        Context: ROOMS_CONTEXT,
        Exten: this.refs.room,
        Priority: 1,
        Async: 'true',
        ChannelId: this.refs.requester,
      });
    } catch (err) {
      this.finish(failed(err instanceof AmiActionError ? 'invalid-number' : 'switch-unavailable', `the switch could not ring ${this.opts.requester}: ${(err as Error).message}`));
    }
  }

  private onEvent(event: AmiMessage): void {
    const name = event.get('Event');
    if (name === 'OriginateResponse' && event.get('ActionID') === this.actionId) {
      this.channel ??= event.get('Channel');
      if (event.get('Response')?.toLowerCase() === 'success') return this.finish({ ok: true });
      const { reason, detail } = originateFailure(event.get('Reason'), this.opts.requester, 'requester');
      return this.finish(failed(reason === 'requester-no-answer' ? reason : 'requester-busy', detail));
    }
    if (name === 'DialBegin' && event.get('DestUniqueid') === this.refs.requester) {
      this.channel = event.get('DestChannel');
      this.opts.onRinging?.(this.opts.requester);
    } else if (name === 'Hangup' && event.get('Channel') === this.refs.target) {
      this.finish(failed('call-ended', `${this.opts.target} hung up before ${this.opts.requester} answered`));
    }
  }

  private finish(outcome: { ok: true } | Failed): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    if (!outcome.ok && this.channel && this.link.state === 'up') void this.link.action({ Action: 'Hangup', Channel: this.channel }).catch(() => {}); // gone already: fine
    this.resolve(outcome);
  }
}
