// One AGI(agi://ADDRESS/route) of the simulated dialplan, as Asterisk's
// res_agi runs it: connect (unreachable: AGISTATUS=FAILURE, the dialplan
// goes on), send the channel's agi_* environment and an empty line, then
// answer the server's commands one at a time against the exchange until it
// closes the connection:
//
//   EXEC Ringing | Answer          200 result=0
//   EXEC Dial Local/N@CTX|PJSIP/N  the call is offered to N (not routed
//                                  again); answered when the Dial returns:
//                                  result=0 (DIALSTATUS set), -1 when the
//                                  caller hung up
//   EXEC Busy | Hangup, HANGUP     the caller is cleared
//   SET VARIABLE K V, GET VARIABLE K
//   anything else                  510; an unknown application result=-2
//
// When the caller hangs up, `HANGUP` is sent once, and later commands get
// 511. A line that is no command, or over the cap, ends the AGI.

import { connect, type Socket } from 'node:net';
import { DEST_VARIABLE, ROUTE_FAMILY, ROUTE_SCRIPT } from '../../agi/ctid-dialplan.js';
import { AgiLineReader, formatEnv, formatReply, parseCommand, type AgiReply } from '../../agi/codec.js';
import type { Call, Connection, Device } from '../call.js';
import type { ExchangeEvent } from '../exchange.js';
import type { AmiPbx } from './ami-pbx.js';
import { AgiDial } from './agi-dial.js';

export interface AgiCallOptions {
  call: Call;
  /** The calling party's connection: the channel that runs the dialplan. */
  caller: Connection;
  /** The routed extension. */
  device: Device;
  /** The FastAGI server, as HOST:PORT (agi_request) and parsed. */
  address: string;
  server: { host: string; port: number };
  logger: (msg: string, fields?: Record<string, unknown>) => void;
}

const CONNECT_TIMEOUT_MS = 3_000;

/** Commands sent ahead of their turn (while a Dial runs) that are kept; more end the AGI. */
const MAX_QUEUED = 32;

const ok = (result: number, data?: string): AgiReply => ({ code: 200, result, data });
const code = (n: number): AgiReply => ({ code: n, result: undefined, data: undefined });

export class AgiCall {
  private readonly socket: Socket;
  private readonly reader = new AgiLineReader();
  private readonly vars = new Map<string, string>();
  /** Commands are served in order: the next waits for the previous (a Dial) to return. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private hungUpSent = false;
  private done = false;
  private readonly onExchange = (e: ExchangeEvent) => {
    if (e.call === this.opts.call && !this.opts.caller.live) this.callerGone();
  };

  constructor(
    private readonly pbx: AmiPbx,
    private readonly opts: AgiCallOptions,
    /** The AGI ended: the dialplan goes on with CTID_DEST (undefined when unset). */
    private readonly onEnd: (dest: string | undefined) => void,
  ) {
    this.socket = connect(opts.server);
    this.socket.setNoDelay(true);
    this.socket.setTimeout(CONNECT_TIMEOUT_MS, () => this.end('AGISTATUS=FAILURE: no connection'));
    this.socket.once('connect', () => {
      this.socket.setTimeout(0);
      this.socket.write(formatEnv(this.env()));
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.end(`AGISTATUS=FAILURE: ${err.message}`));
    this.socket.on('close', () => this.end());
    pbx.exchange.on('event', this.onExchange);
  }

  close(): void {
    this.socket.destroy();
  }

  private get channelName(): string {
    return this.pbx.liveChannels().find((ch) => ch.conn === this.opts.caller)?.name ?? `PJSIP/${this.opts.caller.deviceId}`;
  }

  private env(): Record<string, string> {
    const ch = this.pbx.liveChannels().find((c) => c.conn === this.opts.caller);
    const ext = this.opts.device.ext;
    return {
      network: 'yes',
      network_script: ROUTE_SCRIPT,
      request: `agi://${this.opts.address}/${ROUTE_SCRIPT}`,
      channel: this.channelName,
      language: 'en',
      type: 'PJSIP',
      uniqueid: ch?.uniqueid ?? '',
      version: '22.0.0',
      callerid: ch?.callerIdNum ?? this.opts.caller.deviceId,
      calleridname: 'unknown',
      callingpres: '0',
      callingani2: '0',
      callington: '0',
      callingtns: '0',
      dnid: ext,
      rdnis: 'unknown',
      context: ROUTE_FAMILY,
      extension: ext,
      priority: '4',
      enhanced: '0.0',
      accountcode: '',
      threadid: '1',
    };
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.reader.push(chunk);
    } catch (err) {
      this.opts.logger('AGI server sent a bad line', { err: (err as Error).message });
      return this.close();
    }
    this.queued += lines.length;
    if (this.queued > MAX_QUEUED) {
      this.opts.logger('AGI server sent too many commands ahead', { queued: this.queued });
      return this.close();
    }
    for (const line of lines) this.queue = this.queue.then(() => this.serve(line)).finally(() => this.queued--);
  }

  private async serve(line: string): Promise<void> {
    if (this.done) return;
    let reply: AgiReply;
    try {
      reply = await this.execute(parseCommand(line));
    } catch (err) {
      this.opts.logger('AGI command failed', { line: line.slice(0, 80), err: String(err) });
      reply = code(510);
    }
    if (!this.done) this.socket.write(formatReply(reply));
  }

  private async execute(words: string[]): Promise<AgiReply> {
    const [verb = '', second = '', ...rest] = words;
    const command = verb.toUpperCase();
    if (!this.opts.caller.live && command !== 'GET') return code(511);
    if (command === 'EXEC') return this.exec(second.toLowerCase(), rest[0] ?? '');
    if (command === 'HANGUP') return this.hangup(1);
    if (command === 'ANSWER') return ok(0);
    if (command === 'SET' && second.toUpperCase() === 'VARIABLE' && rest[0]) {
      this.vars.set(rest[0].replace(/^_+/, ''), rest[1] ?? '');
      return ok(1);
    }
    if (command === 'GET' && second.toUpperCase() === 'VARIABLE' && rest[0]) {
      const value = this.vars.get(rest[0]);
      return value === undefined ? ok(0) : ok(1, value);
    }
    return code(510);
  }

  private async exec(app: string, args: string): Promise<AgiReply> {
    switch (app) {
      case 'ringing':
      case 'answer':
        return ok(0);
      case 'busy':
      case 'hangup':
        return this.hangup(-1);
      case 'dial': {
        const { status, result } = await new AgiDial(this.pbx, this.opts.call, this.opts.caller).run(args);
        this.vars.set('DIALSTATUS', status);
        return ok(result);
      }
      default:
        return ok(-2);
    }
  }

  /** Clears the caller (and whatever else is left of the call: the dialplan owns it). */
  private hangup(result: number): AgiReply {
    for (const c of [...this.opts.call.live]) if (c !== this.opts.caller) this.pbx.exchange.clear(c);
    if (this.opts.caller.live) this.pbx.exchange.clear(this.opts.caller);
    return ok(result);
  }

  /** The caller hung up: the rest of the call goes with it, and the server is told once. */
  private callerGone(): void {
    for (const c of [...this.opts.call.live]) this.pbx.exchange.clear(c);
    if (this.hungUpSent || this.done) return;
    if (this.socket.connecting) return this.close(); // nothing said yet: the AGI just ends
    this.hungUpSent = true;
    this.socket.write('HANGUP\n');
  }

  private end(why?: string): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    if (why) this.opts.logger('AGI ended', { office: this.pbx.exchange.id, channel: this.channelName, why });
    // As res_agi: a command still running (a Dial) runs to its end before the dialplan goes on; those not begun are dropped.
    void this.queue.then(() => {
      this.pbx.exchange.off('event', this.onExchange);
      this.onEnd(why ? undefined : this.vars.get(DEST_VARIABLE));
    });
  }
}
