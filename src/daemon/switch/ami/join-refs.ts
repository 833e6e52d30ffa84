// What a join over AMI holds at the switch, as the opaque `refs` of its
// JoinedCall (ports.ts), stored with the request before each step so a
// restart can follow or undo it: the conference room (an extension of
// ctid's `ctid-rooms` context, contrib/asterisk/extensions_ctid.conf), the
// requester's channel by the Uniqueid ctid gave its Originate, and the
// target's and the other parties' channels by name (names stay while a
// channel lives, and Redirect keeps them).

/** ctid's dialplan contexts (contrib/asterisk/extensions_ctid.conf). */
export const ROOMS_CONTEXT = 'ctid-rooms';
export const HOLD_CONTEXT = 'ctid-hold';

export interface AmiJoinRefs {
  room: string;
  /** The Uniqueid of the requester's channel (Originate ChannelId). */
  requester: string;
  target: string;
  others: string[];
}

export function encodeRefs(refs: AmiJoinRefs): string[] {
  return [`room:${refs.room}`, `requester:${refs.requester}`, `target:${refs.target}`, ...refs.others.map((o) => `other:${o}`)];
}

/** The refs back; undefined for refs some other adapter wrote (the store outlives a change of switch). */
export function decodeRefs(refs: readonly string[]): AmiJoinRefs | undefined {
  const one = (key: string) => refs.find((r) => r.startsWith(`${key}:`))?.slice(key.length + 1);
  const room = one('room');
  const requester = one('requester');
  const target = one('target');
  if (room === undefined || requester === undefined || target === undefined) return undefined;
  return { room, requester, target, others: refs.filter((r) => r.startsWith('other:')).map((r) => r.slice('other:'.length)) };
}
