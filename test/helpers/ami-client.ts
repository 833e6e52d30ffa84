// A raw AMI client for the simulator's AMI face tests: a TCP socket and the
// shared codec (src/ami/codec.ts), every message kept in arrival order so a
// test can assert orders, and waits that end on the message (or a deadline
// that names what was awaited), never on a sleep.

import { connect, type Socket } from 'node:net';
import { AmiDecoder, encodeAmi, type AmiMessage } from '../../src/ami/codec.js';

const DEADLINE_MS = 10_000;

type Waiter = { match: (m: AmiMessage) => boolean; from: number; resolve: (m: AmiMessage) => void };

export class AmiTestClient {
  banner = '';
  /** Every message after the banner, in order. */
  readonly received: AmiMessage[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new AmiDecoder({ banner: true });
  private readonly waiters = new Set<Waiter>();
  private seq = 0;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  /** Connects and waits for the banner. */
  static async connect(address: string): Promise<AmiTestClient> {
    const i = address.lastIndexOf(':');
    const socket = connect(Number(address.slice(i + 1)), address.slice(0, i));
    const client = new AmiTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no AMI banner from ${address}`)), DEADLINE_MS);
      socket.on('data', (chunk: Buffer) => {
        const out = client.decoder.push(chunk);
        if (out.banner !== undefined) {
          client.banner = out.banner;
          clearTimeout(timer);
          resolve();
        }
        for (const m of out.messages) client.take(m);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`${address} closed before its banner`));
      });
    });
    return client;
  }

  /** Connects and logs in (events on unless `events` is 'off'). */
  static async login(address: string, user: string, secret: string, events?: 'on' | 'off'): Promise<AmiTestClient> {
    const client = await AmiTestClient.connect(address);
    const r = await client.action({ Action: 'Login', Username: user, Secret: secret, ...(events ? { Events: events } : {}) });
    if (r.get('Response') !== 'Success') throw new Error(`login failed: ${r.get('Message')}`);
    await client.next((m) => m.get('Event') === 'FullyBooted' || events === 'off', 'FullyBooted');
    return client;
  }

  send(fields: Record<string, string | number>): void {
    this.socket.write(encodeAmi(fields));
  }

  /** Sends an action with an ActionID of its own (unless given) and resolves with its response. */
  action(fields: Record<string, string | number>): Promise<AmiMessage> {
    const actionId = String(fields.ActionID ?? `t${++this.seq}`);
    const from = this.received.length;
    this.send({ ...fields, ActionID: actionId });
    return this.next((m) => m.type === 'response' && m.get('ActionID') === actionId, `response to ${fields.Action} ${actionId}`, from);
  }

  /** The first message from index `from` on (default: any so far) that matches, or the next to arrive. */
  next(match: (m: AmiMessage) => boolean, what: string, from = 0): Promise<AmiMessage> {
    const found = this.received.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, from, resolve: (m) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`gave up waiting for ${what}; received: ${this.describe().slice(-40).join(' | ')}`));
      }, DEADLINE_MS);
      this.waiters.add(waiter);
    });
  }

  /** Waits for an event by name and optional field values. */
  event(name: string, fields: Record<string, string> = {}, from = 0): Promise<AmiMessage> {
    return this.next((m) => m.get('Event') === name && Object.entries(fields).every(([k, v]) => m.get(k) === v), `${name} ${JSON.stringify(fields)}`, from);
  }

  /** The events received so far (from index `from`). */
  events(from = 0): AmiMessage[] {
    return this.received.slice(from).filter((m) => m.type === 'event');
  }

  /** What was received, as `Name:detail` strings (for failure messages). */
  describe(from = 0): string[] {
    return this.received.slice(from).map((m) => {
      const name = m.get('Event') ?? `Response ${m.get('Response')}`;
      const detail = m.get('DialStatus') ?? m.get('State') ?? m.get('StatusText') ?? m.get('Channel') ?? '';
      return detail ? `${name}:${detail}` : name;
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private take(m: AmiMessage): void {
    this.received.push(m);
    const index = this.received.length - 1;
    for (const w of this.waiters) {
      if (index >= w.from && w.match(m)) {
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
  }
}
