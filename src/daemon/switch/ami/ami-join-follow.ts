// A join over AMI after it came about: followed until it comes apart, and
// undone (ami-join.ts made it). It comes apart when the requester or the
// target hangs up or, for a join, the last other party does. Hangup events
// tell it while the link is up; after a restart or a link outage the
// channels are read again (CoreShowChannels), since Hangups may have been
// missed.
//
// Undoing hangs the requester up; then, if the target is still there, a
// barge-in's held parties go back into the room to talk with it; whoever
// would be left alone (in a room, or on hold with nobody to come back to)
// is hung up too, as the CSTA path's two-party release does.

import type { AmiMessage } from '../../../ami/codec.js';
import type { JoinedCall } from '../../core/ports.js';
import { AmiActionError, type AmiLink, type LinkLogger } from './ami-link.js';
import { channelsNow, type ChannelRow } from './channels-now.js';
import { decodeRefs, ROOMS_CONTEXT, type AmiJoinRefs } from './join-refs.js';

export class AmiJoinFollower {
  constructor(
    private readonly link: AmiLink,
    private readonly log: LinkLogger,
  ) {}

  follow(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    const refs = decodeRefs(joined.refs);
    if (!refs) {
      queueMicrotask(() => onEnd('the join was made by another kind of switch link'));
      return () => {};
    }
    const others = new Set(refs.others);
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      stop();
      onEnd(why);
    };
    const gone = (channel: string, uniqueid: string) => {
      if (uniqueid === refs.requester) return end(`${joined.requester} hung up`);
      if (channel === refs.target) return end(`${joined.target} hung up`);
      if (others.delete(channel) && joined.mode === 'join' && others.size === 0) end('the other party hung up');
    };
    const check = async () => {
      try {
        const rows = await channelsNow(this.link);
        const names = new Set(rows.map((r) => r.channel));
        if (!rows.some((r) => r.uniqueid === refs.requester)) return end(`${joined.requester} hung up`);
        for (const channel of [refs.target, ...others]) if (!names.has(channel)) gone(channel, '');
      } catch (err) {
        this.log('join not checked', { target: joined.target, err: (err as Error).message }); // the link dropped again: checked when it is back
      }
    };
    const onEvent = (event: AmiMessage) => {
      if (event.get('Event') === 'Hangup') gone(event.get('Channel') ?? '', event.get('Uniqueid') ?? '');
    };
    const onState = (state: string) => state === 'up' && void check();
    this.link.on('event', onEvent);
    this.link.on('state', onState);
    const stop = () => {
      this.link.off('event', onEvent);
      this.link.off('state', onState);
    };
    if (this.link.state === 'up') void check(); // after a restart, the Hangups that ended it went by unseen
    return () => {
      ended = true;
      stop();
    };
  }

  async undo(joined: JoinedCall): Promise<void> {
    const refs = decodeRefs(joined.refs);
    if (!refs) return;
    await this.untilUp();
    const rows = await channelsNow(this.link);
    const find = (channel: string) => rows.find((r) => r.channel === channel);
    const requester = rows.find((r) => r.uniqueid === refs.requester);
    if (requester) await this.hangup(requester.channel);
    const target = find(refs.target);
    const others = refs.others.map(find).filter((r): r is ChannelRow => r !== undefined);
    if (target) {
      for (const held of others.filter((o) => o.context !== ROOMS_CONTEXT)) await this.backToRoom(held, refs);
      if (others.length === 0 && target.context === ROOMS_CONTEXT) await this.hangup(target.channel); // alone in the room
    } else {
      for (const other of others) if (other.context !== ROOMS_CONTEXT || others.length === 1) await this.hangup(other.channel);
    }
  }

  private async backToRoom(row: ChannelRow, refs: AmiJoinRefs): Promise<void> {
    await this.link.action({ Action: 'Redirect', Channel: row.channel, Context: ROOMS_CONTEXT, Exten: refs.room, Priority: 1 }).catch((err: Error) => this.quiet(err, row.channel));
  }

  private async hangup(channel: string): Promise<void> {
    await this.link.action({ Action: 'Hangup', Channel: channel }).catch((err: Error) => this.quiet(err, channel));
  }

  /** A refused action names a channel that went meanwhile: what undo wanted anyway. Anything else is logged. */
  private quiet(err: Error, channel: string): void {
    if (!(err instanceof AmiActionError)) this.log('undo step not sent', { channel, err: err.message });
  }

  private untilUp(): Promise<void> {
    if (this.link.state === 'up') return Promise.resolve();
    return new Promise((resolve) => {
      const onState = (state: string) => {
        if (state !== 'up') return;
        this.link.off('state', onState);
        resolve();
      };
      this.link.on('state', onState);
    });
  }
}
