// The switch link (csta-link.md "Session"): one CSTA XML connection to the
// PBX with an open ECMA-354 application session, kept alive and re-dialled
// with backoff until closed. A small state machine (style.md section 4):
//
//   connecting  dialling TCP or opening the application session
//   up          the session is open: requests go out, events come in
//   down        no session: waiting for the backoff timer to dial again (or closed)
//
// Every transition goes through setState(), which logs it; leaving `up`
// rejects every request still waiting for its response.

import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { Backoff, type BackoffOptions } from '../../../common/backoff.js';
import { ScaledClock, type Clock, type Timer } from '../../../common/clock.js';
import { CstaConnection, CstaLinkError, isCstaLinkError } from '../../../csta/connection.js';
import { CSTA_NAMESPACE, type CstaFrame, type CstaRequest, type CstaResponse } from '../../../csta/messages.js';
import type { LinkState } from '../../core/ports.js';

export type LinkLogger = (event: string, fields?: Record<string, unknown>) => void;

export interface CstaLinkOptions {
  host: string;
  port: number;
  /** The link credentials, sent in StartApplicationSession's applicationSpecificInfo. */
  user: string;
  password: string;
  /** ECMA-354 applicationID. Default 'ctid'. */
  applicationId?: string;
  /** Session duration asked for, seconds; the switch may grant less. Default 180. */
  sessionDurationS?: number;
  /** The switch's SystemStatus period (csta-link.md: 30 s); never less than the switch's, or the link flaps. Default 30 000 ms. */
  heartbeatMs?: number;
  /** A request's deadline, also for TCP connect. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** How long close() waits for each of StopApplicationSession and the socket's end. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Re-dial delays. Default 0.5 s doubling to 30 s, equal jitter. */
  backoff?: BackoffOptions;
  /** Every timer's time line. Default real time. */
  clock?: Clock;
  /** Default: logs nothing. */
  logger?: LinkLogger;
}

export interface CstaLinkEvents {
  /** Every transition, with the new state. */
  state: [state: LinkState];
  /** A session is open (again): monitors must be re-issued, state resynced. */
  up: [];
  down: [reason: string];
  /** Events and the switch's own requests (RouteRequest, RouteEnd); SystemStatus is answered here. */
  frame: [frame: CstaFrame];
}

/** Two periods without a SystemStatus and half one more of grace (csta-link.md: two missed in a row). */
const HEARTBEAT_GRACE = 2.5;
/** Unanswered ResetApplicationSessionTimer requests in a row that take the link down: the other direction's heartbeat. */
const MAX_MISSED_RESETS = 2;

export class CstaLink extends EventEmitter<CstaLinkEvents> {
  private current: LinkState = 'down';
  private conn: CstaConnection | undefined;
  private sessionId = '';
  private missedResets = 0;
  private readonly timers = new Set<Timer>();
  private reconnect: Timer | undefined;
  private heartbeatWatch: Timer | undefined;
  /** Rejecters of requests in flight: all fire when the link leaves `up`. */
  private readonly inFlight = new Set<(err: Error) => void>();
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly log: LinkLogger;
  private readonly opts: Required<Omit<CstaLinkOptions, 'backoff' | 'clock' | 'logger'>>;

  constructor(options: CstaLinkOptions) {
    super();
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`switch port must be 1-65535, got ${options.port}`);
    // Every call in progress listens for 'down': far more than EventEmitter's default of 10.
    this.setMaxListeners(0);
    this.clock = options.clock ?? new ScaledClock();
    this.backoff = new Backoff(this.clock, options.backoff);
    this.log = options.logger ?? (() => {});
    this.opts = {
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      applicationId: options.applicationId ?? 'ctid',
      sessionDurationS: options.sessionDurationS ?? 180,
      heartbeatMs: options.heartbeatMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 2_000,
    };
  }

  get state(): LinkState {
    return this.current;
  }

  /** Starts dialling; the link then stays up, or comes back, until close(). */
  start(): void {
    if (!this.closing && !this.conn && !this.reconnect) this.dial();
  }

  /**
   * Sends a request the switch does not confirm (RouteSelect: csta-link.md
   * "routing"); a refusal comes back as an unsolicited CSTAErrorCode with
   * the invoke id returned here. Undefined when the link is not up.
   */
  sendUnconfirmed(msg: CstaRequest): number | undefined {
    const conn = this.conn;
    if (this.current !== 'up' || !conn) return undefined;
    const invokeId = conn.nextInvokeId();
    conn.send(invokeId, msg);
    return invokeId;
  }

  /** Sends a request over the open session; rejects at once with CstaLinkError 'closed' when the link is not up. */
  request<R extends CstaResponse = CstaResponse>(msg: CstaRequest, opts: { timeoutMs?: number } = {}): Promise<R> {
    const conn = this.conn;
    if (this.current !== 'up' || !conn) return Promise.reject(new CstaLinkError('closed', `${msg.type} not sent: the switch link is down`));
    return new Promise<R>((resolve, reject) => {
      this.inFlight.add(reject);
      const fail = (err: Error) =>
        // The connection closing under a request is the link going down, whichever notices first.
        reject(isCstaLinkError(err) && err.code === 'closed' ? new CstaLinkError('closed', `the switch link went down: ${err.message}`) : err);
      conn.request<R>(msg, opts).then(resolve, fail).finally(() => this.inFlight.delete(reject));
    });
  }

  /** Graceful (StopApplicationSession, then the socket's end), bounded by closeTimeoutMs twice, and idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.reconnect?.cancel();
    const conn = this.detach();
    const wasUp = this.current === 'up';
    this.setState('down', 'closed');
    if (!conn) return;
    if (wasUp) await conn.request({ type: 'StopApplicationSession', sessionId: this.sessionId }, { timeoutMs: this.opts.closeTimeoutMs }).catch(() => undefined);
    if (conn.state === 'closed') return;
    const gone = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    if (wasUp) conn.close();
    else conn.destroy();
    await gone;
  }

  private dial(): void {
    this.reconnect = undefined;
    this.setState('connecting', `dialling ${this.opts.host}:${this.opts.port}`);
    // Every dial uses the same options (style.md section 7: drachtio-srf #211 fell back to plain TCP on re-dial).
    const socket = connect({ host: this.opts.host, port: this.opts.port });
    socket.setNoDelay(true);
    const conn = new CstaConnection(socket, { clock: this.clock, requestTimeoutMs: this.opts.requestTimeoutMs, closeTimeoutMs: this.opts.closeTimeoutMs });
    this.conn = conn;
    const connectTimer = this.after(this.opts.requestTimeoutMs, () => this.lost(conn, `no TCP connection within ${this.opts.requestTimeoutMs} ms`));
    socket.once('connect', () => {
      this.cancel(connectTimer);
      void this.openSession(conn);
    });
    conn.on('frame', (frame) => this.onFrame(conn, frame));
    conn.on('close', (err) => this.lost(conn, `connection closed${err ? `: ${err.message}` : ''}`));
    conn.on('protocol-error', (err) => this.log('switch link protocol error', { err: err.message }));
    conn.on('unreadable', (err, invokeId) => this.log('switch link frame skipped', { invokeId, err: err.message }));
  }

  private async openSession(conn: CstaConnection): Promise<void> {
    const response = await conn
      .request({
        type: 'StartApplicationSession',
        applicationId: this.opts.applicationId,
        user: this.opts.user,
        password: this.opts.password,
        protocolVersions: [CSTA_NAMESPACE],
        requestedSessionDuration: this.opts.sessionDurationS,
      })
      .catch((err: Error) => err);
    if (conn !== this.conn) return;
    if (response instanceof Error) return this.lost(conn, `no application session: ${response.message}`);
    if (response.type !== 'StartApplicationSessionPosResponse') {
      const why = response.type === 'StartApplicationSessionNegResponse' ? response.errorCode : response.type;
      return this.lost(conn, `the switch refused the application session: ${why}`);
    }
    this.sessionId = response.sessionId;
    this.missedResets = 0;
    this.backoff.reset();
    this.armKeepAlive(conn, response.actualSessionDuration);
    this.armHeartbeatWatch(conn);
    this.setState('up', `session ${response.sessionId} for ${response.actualSessionDuration} s`);
  }

  /** ResetApplicationSessionTimer every third of the granted duration (csta-link.md "Session"). */
  private armKeepAlive(conn: CstaConnection, durationS: number): void {
    this.after((durationS * 1000) / 3, async () => {
      const response = await conn
        .request({ type: 'ResetApplicationSessionTimer', sessionId: this.sessionId, requestedSessionDuration: this.opts.sessionDurationS })
        .catch((err: Error) => err);
      if (conn !== this.conn) return;
      if (response instanceof Error) {
        if (++this.missedResets >= MAX_MISSED_RESETS) return this.lost(conn, `${MAX_MISSED_RESETS} session timer resets unanswered`);
        return this.armKeepAlive(conn, durationS);
      }
      if (response.type !== 'ResetApplicationSessionTimerPosResponse') return this.lost(conn, `the switch refused to extend the session: ${response.type}`);
      this.missedResets = 0;
      this.armKeepAlive(conn, response.actualSessionDuration);
    });
  }

  private armHeartbeatWatch(conn: CstaConnection): void {
    if (this.heartbeatWatch) this.cancel(this.heartbeatWatch);
    const ms = this.opts.heartbeatMs * HEARTBEAT_GRACE;
    this.heartbeatWatch = this.after(ms, () => this.lost(conn, `no SystemStatus from the switch for ${ms} ms`));
  }

  private onFrame(conn: CstaConnection, frame: CstaFrame): void {
    if (conn !== this.conn) return;
    if (frame.message.type === 'SystemStatus') {
      // The switch's heartbeat: answer with its own invoke id (csta-link.md "Session").
      conn.send(frame.invokeId, { type: 'SystemStatusResponse' });
      if (this.current === 'up') this.armHeartbeatWatch(conn);
      return;
    }
    this.emit('frame', frame);
  }

  /** The connection `conn` is gone or unusable: drop it and dial again after the backoff delay. */
  private lost(conn: CstaConnection, reason: string): void {
    if (conn !== this.conn) return; // an old connection's late news, or close() already took it
    this.detach();
    this.setState('down', reason); // first, so requests in flight reject with this reason
    conn.destroy();
    const redial = this.backoff.schedule(() => this.dial());
    this.reconnect = redial;
    this.log('switch link redial scheduled', { attempt: this.backoff.attempts, delayMs: Math.round(redial.delayMs) });
  }

  /** Forgets the current connection and its timers; returns it. */
  private detach(): CstaConnection | undefined {
    const conn = this.conn;
    this.conn = undefined;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.heartbeatWatch = undefined;
    return conn;
  }

  private setState(next: LinkState, reason: string): void {
    const from = this.current;
    if (next === from) return;
    this.current = next;
    this.log(`switch link ${next}`, { from, reason, address: `${this.opts.host}:${this.opts.port}` });
    if (from === 'up') {
      const err = new CstaLinkError('closed', `the switch link went down: ${reason}`);
      for (const reject of this.inFlight) reject(err);
      this.inFlight.clear();
    }
    this.emit('state', next);
    if (next === 'up') this.emit('up');
    if (next === 'down') this.emit('down', reason);
  }

  /** A timer tied to the current connection: detach() cancels it. */
  private after(ms: number, fn: () => void): Timer {
    const timer = this.clock.setTimer(ms, () => {
      this.timers.delete(timer);
      fn();
    });
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: Timer): void {
    timer.cancel();
    this.timers.delete(timer);
  }
}
