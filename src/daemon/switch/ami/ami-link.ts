// The switch link to an Asterisk PBX over AMI (the Asterisk Manager
// Interface): one TCP connection, logged in (`Login` with `Events: on`),
// kept alive with `Ping`, and re-dialled with backoff until closed, the
// same small state machine as the CSTA link:
//
//   connecting  dialling TCP, reading the banner, logging in
//   up          logged in: actions go out, events come in
//   down        no session: waiting for the backoff timer to dial again (or closed)
//
// Every action carries an ActionID; its response (and, for list actions,
// the events up to `EventList: Complete`) find their way back by it. The
// banner may come in the same chunk as the first response. Leaving `up`
// rejects every action still waiting.

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { AmiDecoder, AmiMessage, encodeAmi } from '../../../ami/codec.js';
import { Backoff, type BackoffOptions } from '../../../common/backoff.js';
import { ScaledClock, type Clock, type Timer } from '../../../common/clock.js';
import type { LinkState } from '../../core/ports.js';

export type LinkLogger = (event: string, fields?: Record<string, unknown>) => void;

export interface AmiLinkOptions {
  host: string;
  port: number;
  user: string;
  secret: string;
  /** Ping period; two unanswered in a row take the link down. Default 20 000 ms. */
  keepaliveMs?: number;
  /** An action's deadline, also for TCP connect and login. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Re-dial delays. Default 0.5 s doubling to 30 s. */
  backoff?: BackoffOptions;
  clock?: Clock;
  logger?: LinkLogger;
}

export interface AmiLinkEvents {
  state: [state: LinkState];
  /** Logged in (again): state must be resynced. */
  up: [];
  /** Every event not part of a list action's answer. */
  event: [event: AmiMessage];
}

/** The switch answered an action with `Response: Error`. */
export class AmiActionError extends Error {
  override readonly name = 'AmiActionError';
  constructor(
    readonly action: string,
    message: string,
  ) {
    super(`${action}: ${message}`);
  }
}

/** The link went down under an action, or was not up. */
export class AmiLinkDown extends Error {
  override readonly name = 'AmiLinkDown';
}

interface Pending {
  action: string;
  resolve: (messages: AmiMessage[]) => void;
  reject: (err: Error) => void;
  /** List actions: the events gathered so far; undefined for a plain action. */
  items?: AmiMessage[];
  response?: AmiMessage;
  timer: Timer;
}

export class AmiLink extends EventEmitter<AmiLinkEvents> {
  private current: LinkState = 'down';
  private socket: Socket | undefined;
  private decoder = new AmiDecoder({ banner: true });
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  /** Arrival order of every message: an answer reaches its caller a tick later than the events that follow it in the stream. */
  private received = 0;
  private readonly arrival = new WeakMap<AmiMessage, number>();
  private readonly timers = new Set<Timer>();
  private reconnect: Timer | undefined;
  private closed = false;
  private missedPings = 0;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly log: LinkLogger;
  private readonly keepaliveMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: AmiLinkOptions) {
    super();
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new RangeError(`AMI port must be 1-65535, got ${opts.port}`);
    this.setMaxListeners(0);
    this.clock = opts.clock ?? new ScaledClock();
    this.backoff = new Backoff(this.clock, opts.backoff);
    this.log = opts.logger ?? (() => {});
    this.keepaliveMs = opts.keepaliveMs ?? 20_000;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  get state(): LinkState {
    return this.current;
  }

  start(): void {
    if (!this.closed && !this.socket && !this.reconnect) this.dial();
  }

  /** Sends an action and resolves with its `Response: Success` (or Goodbye); `Response: Error` rejects with AmiActionError. */
  async action(fields: Record<string, string | number | boolean | undefined>): Promise<AmiMessage> {
    if (this.current !== 'up') throw new AmiLinkDown(`${String(fields.Action)} not sent: the switch link is down`);
    return (await this.send(fields, false))[0]!;
  }

  /** A list action (DeviceStateList, CoreShowChannels): resolves with its item events, up to `EventList: Complete`. */
  async list(fields: Record<string, string | number | boolean | undefined>): Promise<AmiMessage[]> {
    if (this.current !== 'up') throw new AmiLinkDown(`${String(fields.Action)} not sent: the switch link is down`);
    return (await this.send(fields, true)).slice(1);
  }

  close(): Promise<void> {
    this.closed = true;
    this.reconnect?.cancel();
    const socket = this.socket;
    if (this.current === 'up' && socket) socket.write(encodeAmi({ Action: 'Logoff', ActionID: this.id() }));
    this.drop('closed');
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      this.clock.setTimer(2_000, () => socket.destroy());
    });
  }

  private id(): string {
    return `ctid-${this.nextId++}`;
  }

  /** A fresh ActionID, for a caller that must know it before the answer (Originate: its OriginateResponse event carries it). */
  newActionId(): string {
    return this.id();
  }

  private send(fields: Record<string, string | number | boolean | undefined>, list: boolean, socket = this.socket): Promise<AmiMessage[]> {
    const action = String(fields.Action);
    if (!socket) return Promise.reject(new AmiLinkDown(`${action} not sent: no connection`));
    const id = typeof fields.ActionID === 'string' ? fields.ActionID : this.id();
    return new Promise<AmiMessage[]>((resolve, reject) => {
      const timer = this.clock.setTimer(this.timeoutMs, () => {
        this.pending.delete(id);
        reject(new AmiLinkDown(`${action}: no answer within ${this.timeoutMs} ms`));
      });
      this.pending.set(id, { action, resolve, reject, ...(list ? { items: [] } : {}), timer });
      socket.write(encodeAmi({ ...fields, ActionID: id }));
    });
  }

  private dial(): void {
    this.reconnect = undefined;
    this.setState('connecting', `dialling ${this.opts.host}:${this.opts.port}`);
    const socket = connect({ host: this.opts.host, port: this.opts.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.decoder = new AmiDecoder({ banner: true });
    const connectTimer = this.after(this.timeoutMs, () => this.lost(socket, `no TCP connection within ${this.timeoutMs} ms`));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err) => this.lost(socket, `connection error: ${err.message}`));
    socket.on('close', () => this.lost(socket, 'connection closed'));
    socket.once('connect', () => connectTimer.cancel());
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let out;
    try {
      out = this.decoder.push(chunk);
    } catch (err) {
      return this.lost(socket, `protocol error: ${(err as Error).message}`);
    }
    if (out.banner) void this.login(socket, out.banner);
    for (const message of out.messages) this.onMessage(message);
  }

  private async login(socket: Socket, banner: string): Promise<void> {
    const answer = await this.send({ Action: 'Login', Username: this.opts.user, Secret: this.opts.secret, Events: 'on' }, false, socket).catch((err: Error) => err);
    if (socket !== this.socket) return;
    if (answer instanceof Error) return this.lost(socket, `login failed: ${answer.message}`);
    this.backoff.reset();
    this.missedPings = 0;
    this.armPing(socket);
    this.setState('up', `logged in to ${banner}`);
    this.emit('up');
  }

  /** Where `message` came in the stream (higher is later); 0 for one this link did not receive. */
  arrivalOf(message: AmiMessage): number {
    return this.arrival.get(message) ?? 0;
  }

  private onMessage(message: AmiMessage): void {
    this.arrival.set(message, ++this.received);
    const id = message.get('ActionID');
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) {
      if (message.type === 'event') this.emit('event', message);
      return;
    }
    if (message.type === 'response') {
      const response = message.get('Response')?.toLowerCase();
      if (response === 'error') return this.settle(id!, p, new AmiActionError(p.action, message.get('Message') ?? 'refused'));
      if (!p.items) return this.settle(id!, p, [message]);
      p.response = message;
      return;
    }
    if (message.type === 'event' && p.items) {
      if (message.get('EventList')?.toLowerCase() === 'complete') return this.settle(id!, p, [p.response ?? message, ...p.items]);
      p.items.push(message);
      return;
    }
    if (message.type === 'event') this.emit('event', message); // e.g. OriginateResponse, which carries the Originate's ActionID
  }

  private settle(id: string, p: Pending, outcome: AmiMessage[] | Error): void {
    this.pending.delete(id);
    p.timer.cancel();
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** Ping every keepaliveMs; two unanswered in a row and the link is lost (a half-open TCP connection says nothing). */
  private armPing(socket: Socket): void {
    this.after(this.keepaliveMs, async () => {
      const answer = await this.send({ Action: 'Ping' }, false, socket).catch((err: Error) => err);
      if (socket !== this.socket) return;
      if (answer instanceof Error) {
        if (++this.missedPings >= 2) return this.lost(socket, 'two pings unanswered');
      } else this.missedPings = 0;
      this.armPing(socket);
    });
  }

  private lost(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.drop(reason);
    socket.destroy();
    if (this.closed) return;
    const redial = this.backoff.schedule(() => this.dial());
    this.reconnect = redial;
    this.log('switch link redial scheduled', { attempt: this.backoff.attempts, delayMs: Math.round(redial.delayMs) });
  }

  /** Forgets the connection: timers cancelled, waiting actions rejected, state down. */
  private drop(reason: string): void {
    this.socket = undefined;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    const err = new AmiLinkDown(`the switch link went down: ${reason}`);
    for (const [id, p] of this.pending) this.settle(id, p, err);
    this.setState('down', reason);
  }

  private setState(next: LinkState, reason: string): void {
    const from = this.current;
    if (next === from) return;
    this.current = next;
    this.log(`switch link ${next}`, { from, reason, address: `${this.opts.host}:${this.opts.port}` });
    this.emit('state', next);
  }

  private after(ms: number, fn: () => void): Timer {
    const timer = this.clock.setTimer(ms, () => {
      this.timers.delete(timer);
      fn();
    });
    this.timers.add(timer);
    return timer;
  }
}
