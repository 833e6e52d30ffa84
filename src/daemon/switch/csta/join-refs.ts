// JoinedCall.refs for CSTA: the connections a barge-in put on hold, as
// strings the core stores with the request (JSON) and hands back to
// undoJoin, after a restart too. `held:CALLID|DEVICEID`, each part
// URI-encoded, so a switch's callID or deviceID with a `|` in it survives.

import type { ConnectionId } from '../../../csta/messages.js';

const PREFIX = 'held:';

export function heldRef(c: ConnectionId): string {
  return `${PREFIX}${encodeURIComponent(c.callId)}|${encodeURIComponent(c.deviceId)}`;
}

/** The held connection a ref names; undefined for a ref this adapter did not write. */
export function parseHeldRef(ref: string): ConnectionId | undefined {
  if (!ref.startsWith(PREFIX)) return undefined;
  const parts = ref.slice(PREFIX.length).split('|');
  if (parts.length !== 2) return undefined;
  try {
    return { callId: decodeURIComponent(parts[0]!), deviceId: decodeURIComponent(parts[1]!) };
  } catch {
    return undefined; // a malformed escape: not ours
  }
}
