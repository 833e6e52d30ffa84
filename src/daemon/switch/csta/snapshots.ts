// Reading who is in which call from the switch's own account (ECMA-269
// SnapshotDevice, SnapshotCall) rather than from events: a join spans two
// calls and several devices, and must be judged again after a link outage,
// when events were lost. The join's steps, its follower and activeCall all
// read the switch this way.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { ConnectionId, ConnectionState, SnapshotCallResponse, SnapshotConnectionInfo, SnapshotDeviceResponse } from '../../../csta/messages.js';
import type { CallView } from '../../core/ports.js';
import type { CstaLink } from './link.js';

/** Still part of its call: null and fail connections are gone (ECMA-269 LocalConnectionState). */
export const isLive = (state: ConnectionState): boolean => state !== 'null' && state !== 'fail';

/** The device's connection in the call it is talking in (state `connected`), or undefined. Rejects on a link error or a refusal. */
export async function talkingConnection(link: CstaLink, device: string): Promise<ConnectionId | undefined> {
  const snapshot = await link.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: device });
  return snapshot.calls.find((c) => c.state === 'connected')?.connection;
}

/**
 * The live connections of the call `connection` is in; undefined when the
 * switch no longer knows the call or the connection (it ended, or the party
 * left it). Rejects on a link error or any other refusal.
 */
export async function liveConnections(link: CstaLink, connection: ConnectionId): Promise<SnapshotConnectionInfo[] | undefined> {
  try {
    const snapshot = await link.request<SnapshotCallResponse>({ type: 'SnapshotCall', snapshotObject: connection });
    return snapshot.connections.filter((c) => isLive(c.state));
  } catch (err) {
    if (isCstaServiceError(err) && GONE.has(err.value)) return undefined;
    throw err;
  }
}

/** ECMA-269 error values that say the named call or connection is not there (any more). */
export const GONE = new Set(['invalidCallID', 'invalidConnectionID']);

/** Whether `device` is connected in the call `connection` is in. */
export async function talksIn(link: CstaLink, connection: ConnectionId, device: string): Promise<boolean> {
  const connections = await liveConnections(link, connection);
  return connections?.some((c) => c.device === device && c.state === 'connected') ?? false;
}

/**
 * Switch.activeCall: the call `device` talks in, by its other live parties
 * (a trunk party by the number the switch names it with). A device the
 * switch does not know is in no call; a link error rejects.
 */
export async function activeCall(link: CstaLink, device: string): Promise<CallView | undefined> {
  let connection: ConnectionId | undefined;
  try {
    connection = await talkingConnection(link, device);
  } catch (err) {
    if (isCstaServiceError(err)) return undefined;
    throw err;
  }
  const connections = connection && (await liveConnections(link, connection));
  if (!connections) return undefined;
  return { parties: connections.filter((c) => c.device !== device).map((c) => c.device) };
}

/** Clears every connection `port` has; one already gone with the previous (two-party release) is no error. */
export async function clearAll(link: CstaLink, port: string): Promise<void> {
  const snapshot = await link.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: port });
  for (const { connection } of snapshot.calls) {
    await link.request({ type: 'ClearConnection', connectionToBeCleared: connection }).catch((err: Error) => {
      if (!isCstaServiceError(err)) throw err;
    });
  }
}
