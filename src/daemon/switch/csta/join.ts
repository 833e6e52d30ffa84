// Switch.joinCall over CSTA, the source text's way (FIG. 47 join, FIG. 53
// barge-in): voice-board port 1 is conferenced into the target's call, port
// 2 rings the requester (a two-point call, call-attempt.ts), and the board
// bridges the two ports. For barge-in the target's other parties are put on
// hold first, so the requester and the target talk alone.
//
//   1. SnapshotDevice(target): the connection it talks in, else not-in-call
//   2. persist (write-ahead): nothing held yet, but the ports are about to be used
//   3. SingleStepConferenceCall(target's connection, port 1, active)
//   4. MakeCall(port 2 -> requester) until the requester answers
//   5. barge-in: persist the connections about to be held, then HoldCall each
//   6. Escape bridge(port 1, port 2); the target still talks in the call => ok
//
// From step 3 on, port 1's monitor is followed: when the target no longer
// talks in the call (it hung up, or the call ended), the attempt stops with
// call-ended, the requester's ringing included. The caller's signal stops it
// with cancelled. Any failure undoes what was done (undo-join.ts) before the
// outcome resolves; the outcome never rejects.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { ConnectionId, SingleStepConferenceCallResponse } from '../../../csta/messages.js';
import type { CallFailure, CallOutcome, JoinedCall, JoinFailure, JoinOptions, JoinOutcome, PlaceCallOptions } from '../../core/ports.js';
import { heldRef } from './join-refs.js';
import type { CstaLink, LinkLogger } from './link.js';
import type { DeviceMonitors } from './monitors.js';
import { GONE, liveConnections, talkingConnection, talksIn } from './snapshots.js';

export interface JoinContext {
  link: CstaLink;
  monitors: DeviceMonitors;
  placeCall(options: PlaceCallOptions): Promise<CallOutcome>;
  undo(joined: JoinedCall): Promise<void>;
  log: LinkLogger;
}

/** Why a step failed, in JoinOutcome's terms. */
class JoinStop extends Error {
  constructor(
    readonly reason: JoinFailure,
    detail: string,
  ) {
    super(detail);
  }
}

/** A refused SingleStepConferenceCall whose call is gone or has nobody talking any more. */
const CALL_GONE = new Set([...GONE, 'invalidCallState']);

/** The requester's two-point call, in JoinFailure's terms: port 2 is `first`, the requester the destination. */
const CALL_FAILURE: Partial<Record<CallFailure, JoinFailure>> = {
  busy: 'requester-busy',
  'no-answer': 'requester-no-answer',
  'invalid-number': 'invalid-number',
  cancelled: 'cancelled',
};

export class JoinAttempt {
  readonly outcome: Promise<JoinOutcome>;
  private readonly joined: JoinedCall;
  /** Aborted when the caller's signal fires or the target's call ends: stops the requester's ringing. */
  private readonly stop = new AbortController();
  private stopReason: JoinFailure | undefined;
  /** Whether a request that changes the switch was sent: only then is there anything to undo. */
  private touched = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly ctx: JoinContext,
    private readonly opts: JoinOptions,
  ) {
    this.joined = { mode: opts.mode, target: opts.target, requester: opts.requester, ports: [...opts.ports], refs: [] };
    this.outcome = this.run();
  }

  private async run(): Promise<JoinOutcome> {
    const onAbort = (): void => this.halt('cancelled');
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => this.opts.signal?.removeEventListener('abort', onAbort));
    try {
      await this.steps();
      return { ok: true, joined: this.joined };
    } catch (err) {
      const stop = err instanceof JoinStop ? err : new JoinStop('switch-unavailable', `the join failed: ${String(err)}`);
      for (const cleanup of this.cleanups.splice(0)) cleanup(); // first: the undo clearing port 1 is no news to watch
      if (this.touched) await this.ctx.undo(this.joined).catch((e: Error) => this.ctx.log('switch join not undone', { target: this.opts.target, err: e.message }));
      return { ok: false, reason: stop.reason, detail: stop.message };
    } finally {
      for (const cleanup of this.cleanups.splice(0)) cleanup();
    }
  }

  private async steps(): Promise<void> {
    const { link } = this.ctx;
    const { target, requester, ports } = this.opts;
    const [port1, port2] = ports;
    if (!port1 || !port2 || ports.length !== 2) throw new JoinStop('switch-unavailable', `the CSTA adapter joins with two voice-board ports, got ${ports.length}`);
    this.check();
    if (link.state !== 'up') throw new JoinStop('switch-unavailable', 'the switch link is down');
    const targetSide = await this.ask(talkingConnection(link, target), (err) => (isCstaServiceError(err) ? 'not-in-call' : 'switch-unavailable'));
    if (!targetSide) throw new JoinStop('not-in-call', `${target} is not talking in a call`);
    await this.persist();

    this.check();
    this.touched = true;
    const conference = await this.ask(
      link.request<SingleStepConferenceCallResponse>({ type: 'SingleStepConferenceCall', activeCall: targetSide, deviceToJoin: port1, participationType: 'active' }),
      (err) => (isCstaServiceError(err) && CALL_GONE.has(err.value) ? 'call-ended' : 'switch-unavailable'),
    );
    const port1Side = conference.conferencedCall;
    this.watchTarget(port1, port1Side);
    this.check();

    await this.ringRequester(port2, requester);

    if (this.opts.mode === 'barge-in') await this.holdOthers(port1Side);
    this.check();
    await this.ask(link.request({ type: 'Escape', command: { op: 'bridge', ports: [port1, port2] } }), () => this.reasonNow(port1Side));
    if (!(await this.ask(talksIn(link, port1Side, target), () => 'switch-unavailable'))) throw new JoinStop('call-ended', `${target}'s call ended`);
    this.check();
  }

  /** Step 4: a two-point call from port 2; ringing stops when the attempt is stopped. */
  private async ringRequester(port2: string, requester: string): Promise<void> {
    const outcome = await this.ctx.placeCall({
      first: port2,
      second: requester,
      destination: 'second',
      signal: this.stop.signal,
      onRinging: (device) => device !== port2 && this.opts.onRinging?.(device),
    });
    if (outcome.ok) return this.check();
    if (this.stopReason) throw new JoinStop(this.stopReason, this.stopDetail());
    throw new JoinStop(CALL_FAILURE[outcome.reason] ?? 'switch-unavailable', outcome.detail);
  }

  /** Step 5: everyone else talking in the target's call goes on hold, recorded first (write-ahead). */
  private async holdOthers(port1Side: ConnectionId): Promise<void> {
    const { link } = this.ctx;
    const connections = await this.ask(liveConnections(link, port1Side), () => 'switch-unavailable');
    if (!connections) throw new JoinStop('call-ended', `${this.opts.target}'s call ended`);
    const others = connections.filter((c) => c.state === 'connected' && c.device !== this.opts.target && c.device !== port1Side.deviceId);
    this.joined.refs = others.map((c) => heldRef(c.connection));
    await this.persist();
    for (const other of others) {
      this.check();
      // A party that left meanwhile is not held, and need not be: the final check decides.
      await link.request({ type: 'HoldCall', callToBeHeld: other.connection }).catch((err: Error) => {
        if (!isCstaServiceError(err)) throw new JoinStop('switch-unavailable', `${other.device} was not put on hold: ${err.message}`);
        this.ctx.log('switch join hold refused', { target: this.opts.target, party: other.device, err: err.message });
      });
    }
  }

  /** From step 3 on: port 1's monitor says when to look whether the target still talks in the call. */
  private watchTarget(port1: string, port1Side: ConnectionId): void {
    let looking: Promise<void> = Promise.resolve();
    let queued = false; // a look waiting to start covers every event until it starts
    const look = (): void => {
      if (queued) return;
      queued = true;
      looking = looking.then(async () => {
        queued = false;
        if (this.stopReason) return;
        const talks = await talksIn(this.ctx.link, port1Side, this.opts.target).catch(() => true); // a link error is no news: other steps notice it
        if (!talks) this.halt('call-ended');
      });
    };
    this.cleanups.push(this.ctx.monitors.subscribe(port1, { started: look, event: look }));
  }

  private halt(reason: JoinFailure): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stop.abort();
  }

  /** Between steps: stopped by the signal or by the target's call ending. */
  private check(): void {
    if (this.opts.signal?.aborted) this.halt('cancelled');
    if (this.stopReason) throw new JoinStop(this.stopReason, this.stopDetail());
  }

  private stopDetail(): string {
    return this.stopReason === 'cancelled' ? 'cancelled' : `${this.opts.target}'s call ended`;
  }

  /** A step's result, or a JoinStop with the reason its failure reads as. */
  private async ask<T>(step: Promise<T>, reason: (err: Error) => JoinFailure | Promise<JoinFailure>): Promise<T> {
    try {
      return await step;
    } catch (err) {
      if (err instanceof JoinStop) throw err;
      throw new JoinStop(this.stopReason ?? (await reason(err as Error)), (err as Error).message);
    }
  }

  /** A late step refused: the target's call ending explains it, else the switch failed it. */
  private async reasonNow(port1Side: ConnectionId): Promise<JoinFailure> {
    const talks = await talksIn(this.ctx.link, port1Side, this.opts.target).catch(() => true);
    return talks ? 'switch-unavailable' : 'call-ended';
  }

  /** Write-ahead: a copy, so the caller's record never changes under it. */
  private async persist(): Promise<void> {
    try {
      await this.opts.persist({ ...this.joined, ports: [...this.joined.ports], refs: [...this.joined.refs] });
    } catch (err) {
      throw new JoinStop('switch-unavailable', `the join could not be recorded: ${(err as Error).message}`);
    }
  }
}
