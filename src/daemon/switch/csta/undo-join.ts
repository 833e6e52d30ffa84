// Switch.undoJoin over CSTA: puts the switch back as it was before a join,
// from what JoinedCall recorded (write-ahead, so also after a restart).
// Every step reads the switch first and acts only on what it finds, so the
// undo is idempotent and safe after a partial join:
//
//   1. unbridge the two ports (a port whose calls ended left the bridge already)
//   2. clear every connection of port 1: it leaves the target's call
//   3. retrieve each held party that is still on hold: it talks with the target again
//   4. clear every connection of port 2: the requester's call ends
//
// Port 1 leaves before the held parties come back, so nobody hears the
// requester's side again; and if the target has hung up meanwhile, the switch
// releases the held party with the call (two-party release) instead of
// leaving it on hold.
//
// Best effort: a refused step is logged and skipped. A step that meets the
// link going down is worth doing again: the whole undo runs again once the
// link is back, bounded by one deadline for waiting.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { SnapshotDeviceResponse } from '../../../csta/messages.js';
import type { JoinedCall } from '../../core/ports.js';
import { parseHeldRef } from './join-refs.js';
import type { CstaLink, LinkLogger } from './link.js';
import { liveConnections } from './snapshots.js';

export interface UndoContext {
  link: CstaLink;
  log: LinkLogger;
  /** How long to wait for the link in all. */
  linkWaitMs: number;
}

export async function undoJoin(ctx: UndoContext, joined: JoinedCall): Promise<void> {
  const deadline = Date.now() + ctx.linkWaitMs;
  for (;;) {
    if (!(await linkUp(ctx.link, deadline - Date.now()))) {
      ctx.log('switch join not undone', { target: joined.target, ports: joined.ports, why: `the switch link stayed down for ${ctx.linkWaitMs} ms` });
      return;
    }
    if (await undoOnce(ctx, joined)) return;
    if (Date.now() >= deadline) {
      ctx.log('switch join undone in part', { target: joined.target, ports: joined.ports, why: 'the switch link kept failing' });
      return;
    }
  }
}

/** One pass; false when a step met a link error (not the switch's refusal). */
async function undoOnce({ link, log }: UndoContext, joined: JoinedCall): Promise<boolean> {
  let linkOk = true;
  const step = async (what: string, action: () => Promise<unknown>, quietWhenRefused = false): Promise<void> => {
    try {
      await action();
    } catch (err) {
      const refused = isCstaServiceError(err);
      if (!refused) linkOk = false;
      if (!refused || !quietWhenRefused) log('switch join undo step failed', { what, target: joined.target, err: (err as Error).message });
    }
  };
  const clearAll = async (port: string): Promise<void> => {
    const snapshot = await link.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: port });
    for (const { connection } of snapshot.calls) {
      // Quiet: the connection may have gone with the previous one (two-party release).
      await step(`clear ${port}`, () => link.request({ type: 'ClearConnection', connectionToBeCleared: connection }), true);
    }
  };

  const [port1, port2] = joined.ports;
  if (port1 && port2) await step('unbridge', () => link.request({ type: 'Escape', command: { op: 'unbridge', ports: [port1, port2] } }), true);
  if (port1) await step(`clear ${port1}`, () => clearAll(port1));
  for (const ref of joined.refs) {
    const held = parseHeldRef(ref);
    if (!held) {
      log('switch join ref skipped', { ref, why: 'not a held connection this adapter wrote' });
      continue;
    }
    await step(`retrieve ${held.deviceId}`, async () => {
      const connections = await liveConnections(link, held);
      const mine = connections?.find((c) => c.connection.deviceId === held.deviceId);
      if (mine?.state === 'hold') await link.request({ type: 'RetrieveCall', callToBeRetrieved: held });
    });
  }
  if (port2) await step(`clear ${port2}`, () => clearAll(port2));
  return linkOk;
}

/** Resolves true once the link is up, false when `ms` pass first. */
export function linkUp(link: CstaLink, ms: number): Promise<boolean> {
  if (link.state === 'up') return Promise.resolve(true);
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onUp = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      link.off('up', onUp);
      resolve(false);
    }, ms);
    timer.unref(); // a daemon shutting down does not wait for it
    link.once('up', onUp);
  });
}
