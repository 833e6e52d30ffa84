// Switch.connectParked / releaseParked over CSTA: a transfer the source
// text's way (FIG. 56). ctid routed the call to voice-board port 1, where it
// waits alerting (the caller hears ringing); port 2 calls the destination
// (a two-point call, call-attempt.ts); when the destination answers, port 1
// answers the caller and the board bridges the ports.
//
//   0. after a restart: both ports talking means step 3 was under way:
//      bridge (again) and done; else clear whatever port 2 still holds
//      (an attempt the restart interrupted)
//   1. SnapshotDevice(port 1): the alerting connection, else caller-gone
//   2. MakeCall(port 2 -> destination) until it answers; port 1's monitor
//      stops the ringing if the caller hangs up meanwhile
//   3. AnswerCall(port 1's connection), Escape bridge(port 1, port 2)
//
// A failure before step 3 leaves the call parked (the next destination may
// take it); releaseParked sends it on: DeflectCall to ring the extension
// itself (the switch then asks its router again, and is told to ring it:
// routing.ts ringNext), or ClearConnection to refuse it.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { ConnectionId, CstaEvent, SnapshotDeviceResponse } from '../../../csta/messages.js';
import type { CallFailure, CallOutcome, ConnectParkedOptions, ConnectParkedOutcome, JoinedCall, ParkedFailure, ParkedRelease, PlaceCallOptions } from '../../core/ports.js';
import type { CstaLink, LinkLogger } from './link.js';
import type { DeviceMonitors } from './monitors.js';
import type { RouteRegistrations } from './routing.js';
import { clearAll, talkingConnection } from './snapshots.js';

export interface ParkedContext {
  link: CstaLink;
  monitors: DeviceMonitors;
  routes: RouteRegistrations;
  placeCall(options: PlaceCallOptions): Promise<CallOutcome>;
  log: LinkLogger;
}

/** The destination's two-point call, in ParkedFailure's terms (port 2 is `first`, the destination `second`). */
const CALL_FAILURE: Partial<Record<CallFailure, ParkedFailure>> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  'invalid-number': 'invalid-number',
  cancelled: 'cancelled',
};

const failed = (reason: ParkedFailure, detail: string): ConnectParkedOutcome => ({ ok: false, reason, detail });

export async function connectParked(ctx: ParkedContext, opts: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
  const { link } = ctx;
  const [port1, port2] = opts.ports;
  if (!port1 || !port2 || opts.ports.length !== 2) return failed('switch-unavailable', `the CSTA adapter transfers with two voice-board ports, got ${opts.ports.length}`);
  if (link.state !== 'up') return failed('switch-unavailable', 'the switch link is down');
  try {
    // After a restart in the middle of step 3 both ports may already talk: finish the bridge, keep the call.
    const [talking1, talking2] = await Promise.all([talkingConnection(link, port1), talkingConnection(link, port2)]);
    if (talking1 && talking2) {
      await link.request({ type: 'Escape', command: { op: 'bridge', ports: [port1, port2] } });
      return { ok: true, joined: joinedOf(opts) };
    }
    await clearAll(link, port2);
    const parked = await parkedConnection(link, port1);
    if (!parked) {
      if (talking1) await clearAll(link, port1); // answered, but its other half is gone: nobody is left on a dead port
      return failed('caller-gone', `no call waits on ${port1}: the caller hung up`);
    }
    return await new ParkedConnect(ctx, opts, parked).outcome;
  } catch (err) {
    return failed('switch-unavailable', (err as Error).message);
  }
}

export async function releaseParked(ctx: ParkedContext, port: string, to: ParkedRelease): Promise<boolean> {
  const parked = await parkedConnection(ctx.link, port);
  if (!parked) return false;
  if (to === 'refuse') {
    await ctx.link.request({ type: 'ClearConnection', connectionToBeCleared: parked });
    return true;
  }
  const forget = ctx.routes.ringNext(parked.callId, to.ring);
  try {
    await ctx.link.request({ type: 'DeflectCall', callToBeDiverted: parked, newDestination: to.ring });
  } catch (err) {
    forget();
    throw err;
  }
  return true;
}

/** Steps 2-3, with port 1 watched so the caller leaving stops the destination's ringing. */
class ParkedConnect {
  readonly outcome: Promise<ConnectParkedOutcome>;
  private readonly stop = new AbortController();
  private callerGone = false;

  constructor(
    private readonly ctx: ParkedContext,
    private readonly opts: ConnectParkedOptions,
    private readonly parked: ConnectionId,
  ) {
    this.outcome = this.run();
  }

  private async run(): Promise<ConnectParkedOutcome> {
    const { link } = this.ctx;
    const [port1, port2] = this.opts.ports as [string, string];
    const onAbort = (): void => this.stop.abort();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    const unsubscribe = this.ctx.monitors.subscribe(port1, { started: () => void this.look(), event: (e) => this.onPortEvent(e) });
    try {
      const call = await this.ctx.placeCall({
        first: port2,
        second: this.opts.destination,
        destination: 'second',
        signal: this.stop.signal,
        onRinging: (device) => device !== port2 && this.opts.onRinging?.(device),
      });
      unsubscribe(); // from here on port 1 answering is our own doing, not news
      if (this.callerGone) {
        if (call.ok) await clearAll(link, port2);
        return failed('caller-gone', 'the caller hung up');
      }
      if (!call.ok) {
        const reason = this.opts.signal?.aborted ? 'cancelled' : (CALL_FAILURE[call.reason] ?? 'switch-unavailable');
        return failed(reason, call.detail);
      }
      try {
        await link.request({ type: 'AnswerCall', callToBeAnswered: this.parked });
      } catch (err) {
        await clearAll(link, port2);
        if (isCstaServiceError(err)) return failed('caller-gone', `the caller hung up as ${this.opts.destination} answered`);
        throw err;
      }
      try {
        await link.request({ type: 'Escape', command: { op: 'bridge', ports: [port1, port2] } });
      } catch (err) {
        await Promise.all([clearAll(link, port1), clearAll(link, port2)]).catch(() => {});
        throw err;
      }
      return { ok: true, joined: joinedOf(this.opts) };
    } finally {
      unsubscribe();
      this.opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The caller's leaving shows as port 1's connection cleared (two-party release). */
  private onPortEvent(event: CstaEvent): void {
    if (event.type !== 'ConnectionClearedEvent') return;
    const { callId, deviceId } = event.droppedConnection;
    if (callId === this.parked.callId && deviceId === this.parked.deviceId) this.gone();
  }

  /** After a (re)started monitor: events may have been lost, so ask the switch. */
  private async look(): Promise<void> {
    const still = await parkedConnection(this.ctx.link, this.opts.ports[0]!).catch(() => this.parked); // a link error is no news
    if (!still || still.callId !== this.parked.callId) this.gone();
  }

  private gone(): void {
    this.callerGone = true;
    this.stop.abort();
  }
}

function joinedOf(opts: ConnectParkedOptions): JoinedCall {
  return { mode: 'transfer', target: opts.extension, requester: opts.destination, ports: [...opts.ports], refs: [] };
}

/** The alerting connection of the call waiting on `port`, or undefined. */
async function parkedConnection(link: CstaLink, port: string): Promise<ConnectionId | undefined> {
  const snapshot = await link.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: port });
  return snapshot.calls.find((c) => c.state === 'alerting')?.connection;
}
