// One manager's AMI session with a simulated PBX. Lifecycle:
//   login   - connected, banner sent; only Login, Challenge and Ping are served
//   active  - logged in: every action served; the PBX's events flow while the event mask is on
//   closed  - socket gone (Logoff, failed Login, bad input, link down)
// Framing is the shared codec's (src/ami/codec.ts); actions are dispatched
// through ami-actions.ts's table. Events the PBX raises while an action is
// being served wait until its response (and event list) is written, so the
// manager reads the answer to its action first, as from Asterisk.

import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { AmiDecoder, AmiMessage, BANNER_PREFIX, encodeAmi } from '../../ami/codec.js';
import type { RequestLog } from '../request-log.js';
import { ACTIONS, BEFORE_LOGIN, challengeText, md5Key, type ActionResult, type Fields, type SessionControl } from './ami-actions.js';
import type { AmiPbx } from './ami-pbx.js';

/** What Asterisk 22 greets with (its AMI version, not Asterisk's). */
export const AMI_BANNER = `${BANNER_PREFIX}11.0.0`;

export interface AmiSessionContext {
  pbx: AmiPbx;
  office: string;
  credentials: { user: string; secret: string };
  log: RequestLog;
  /** The largest message accepted, bytes; a longer one closes the session. */
  maxMessageBytes?: number;
}

type State = 'login' | 'active' | 'closed';
type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export class AmiSession implements SessionControl {
  private state: State = 'login';
  private eventsOn = true;
  private challenge: string | undefined;
  private readonly decoder: AmiDecoder;
  /** Events raised while an action is served; undefined when none is. */
  private deferred: AmiMessage[] | undefined;
  private readonly onEvent = (event: AmiMessage) => this.deliver(event);

  constructor(
    private readonly socket: Socket,
    private readonly ctx: AmiSessionContext,
    readonly id: string,
    private readonly logger: Logger,
  ) {
    this.decoder = new AmiDecoder(ctx.maxMessageBytes !== undefined ? { maxMessageBytes: ctx.maxMessageBytes } : {});
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.close());
    socket.on('error', (err) => this.logger('AMI socket error', { office: ctx.office, session: id, err: err.message }));
    socket.write(`${AMI_BANNER}\r\n`);
  }

  get pbx(): AmiPbx {
    return this.ctx.pbx;
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** Ends the session and drops the connection (link down, shutdown, bad input). */
  drop(): void {
    this.socket.destroy();
    this.close();
  }

  // ------------------------------------------------------------ SessionControl

  login(user: string, secret: { plain: string } | { md5: string }): boolean {
    const expected = this.ctx.credentials;
    const challenge = this.challenge;
    const ok =
      same(user, expected.user) && ('plain' in secret ? same(secret.plain, expected.secret) : challenge !== undefined && same(secret.md5.toLowerCase(), md5Key(challenge, expected.secret)));
    if (ok && this.state === 'login') {
      this.state = 'active';
      this.ctx.pbx.on('event', this.onEvent);
    }
    return ok;
  }

  setEvents(on: boolean): void {
    this.eventsOn = on;
  }

  newChallenge(): string {
    return (this.challenge = challengeText());
  }

  // ------------------------------------------------------------ actions

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let messages: AmiMessage[];
    try {
      messages = this.decoder.push(chunk).messages;
    } catch (err) {
      // A line that is not `Key: Value`, or a message over the limit: this session only ends.
      this.logger('AMI protocol error, session closed', { office: this.ctx.office, session: this.id, err: (err as Error).message });
      this.drop();
      return;
    }
    for (const message of messages) {
      if ((this.state as State) === 'closed') return; // Logoff or a failed Login ends the session mid-chunk
      this.serve(message);
    }
  }

  private serve(action: AmiMessage): void {
    const name = action.get('Action');
    const actionId = action.get('ActionID');
    this.ctx.log.recordAmi(this.ctx.office, this.id, name ?? '', action.toRecord());
    this.deferred = [];
    let result: ActionResult;
    try {
      result = this.dispatch(name?.toLowerCase(), action);
    } catch (err) {
      this.logger('AMI action failed', { office: this.ctx.office, action: name, err: String(err) });
      result = { response: { Response: 'Error', Message: 'Internal error' } };
    }
    const { Response, ...rest } = result.response;
    this.write({ Response, ActionID: actionId, ...rest });
    for (const item of result.list ?? []) {
      const { Event, ...fields } = item;
      this.write({ Event, ActionID: actionId, ...fields });
    }
    if (this.eventsOn) for (const event of result.events ?? []) this.write(event);
    const deferred = this.deferred;
    this.deferred = undefined;
    for (const event of deferred) this.write(event);
    if (result.close) {
      this.close();
      this.socket.end();
    }
  }

  private dispatch(name: string | undefined, action: AmiMessage): ActionResult {
    if (!name) return { response: { Response: 'Error', Message: 'Missing action in request' } };
    if (this.state !== 'active' && !BEFORE_LOGIN.has(name)) return { response: { Response: 'Error', Message: 'Permission denied' } };
    const handler = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!handler) return { response: { Response: 'Error', Message: 'Invalid/unknown command' } };
    return handler(this, action);
  }

  // ------------------------------------------------------------ events

  private deliver(event: AmiMessage): void {
    if (this.state !== 'active' || !this.eventsOn) return;
    if (this.deferred) this.deferred.push(event);
    else this.write(event);
  }

  private write(message: AmiMessage | Fields): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    try {
      this.socket.write(encodeAmi(message));
    } catch (err) {
      // A value the wire cannot carry (CR or LF): leave that message out, keep the session.
      this.logger('AMI message not sent', { office: this.ctx.office, session: this.id, err: (err as Error).message });
    }
  }

  private close(): void {
    if (this.state === 'closed') return;
    if (this.state === 'active') this.ctx.pbx.off('event', this.onEvent);
    this.state = 'closed';
  }
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
