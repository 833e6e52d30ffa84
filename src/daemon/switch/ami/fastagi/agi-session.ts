// One FastAGI connection from Asterisk (src/agi/codec.ts has the format), a
// small state machine:
//
//   env      reading the agi_* lines up to the empty line, under a deadline
//   ready    the environment is in: commands may go out, one at a time
//   closed   the socket is gone (ended by us, by Asterisk, by bad input or a deadline)
//
// A command waits for its answer under a deadline of its own (none for a
// Dial, which lasts as long as the call it makes). `HANGUP`, Asterisk's word
// that the channel hung up, may come at any time: it is remembered and
// told, and the answers that follow (511, result=-1) are the caller's to
// read. Anything else that is not an answer, a line over the cap or too
// many environment lines closes the session with a log line: a bad peer
// costs its own session, never ctid.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { AgiLineReader, AgiProtocolError, formatCommand, parseEnvLine, parseReply, type AgiReply } from '../../../../agi/codec.js';

export type AgiSessionState = 'env' | 'ready' | 'closed';

export interface AgiSessionOptions {
  /** How long the environment may take to arrive. */
  envTimeoutMs: number;
  /** A command's deadline unless it names its own. */
  commandTimeoutMs: number;
  maxLineBytes?: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** How long a closed session's socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** The most environment lines accepted (Asterisk sends about 25, plus one per AGI argument). */
const MAX_ENV_LINES = 128;

/** The session ended before the command's answer came. */
export class AgiSessionClosed extends Error {
  override readonly name = 'AgiSessionClosed';
}

interface Waiting {
  resolve: (reply: AgiReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class AgiSession extends EventEmitter<{ ready: []; hangup: []; close: [reason: string] }> {
  private current: AgiSessionState = 'env';
  private readonly reader: AgiLineReader;
  private readonly envFields = new Map<string, string>();
  private waiting: Waiting | undefined;
  /** Commands in order: the next goes out once the previous is answered. */
  private queue: Promise<unknown> = Promise.resolve();
  private envTimer: NodeJS.Timeout | undefined;
  private hungUpFlag = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: AgiSessionOptions,
  ) {
    super();
    this.reader = new AgiLineReader(opts.maxLineBytes);
    this.envTimer = setTimeout(() => this.close(`no AGI environment within ${opts.envTimeoutMs} ms`, true), opts.envTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('close', () => this.close('Asterisk closed the connection'));
  }

  get state(): AgiSessionState {
    return this.current;
  }

  /** An `agi_*` value (key without the prefix, lower case), or undefined. */
  env(key: string): string | undefined {
    return this.envFields.get(key);
  }

  /** Whether Asterisk said the channel hung up. */
  get hungUp(): boolean {
    return this.hungUpFlag;
  }

  /** Sends a command and resolves with its answer; rejects when the session closes first or the deadline passes (which closes it). */
  command(words: string[], opts: { timeoutMs?: number | null } = {}): Promise<AgiReply> {
    const run = () => this.send(words, opts.timeoutMs === undefined ? this.opts.commandTimeoutMs : opts.timeoutMs);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Ends the session (idempotent); `bad` logs it as the peer's fault. */
  close(reason: string, bad = false): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    clearTimeout(this.envTimer);
    if (bad) this.opts.log('FastAGI session closed', { why: reason, channel: this.envFields.get('channel') });
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new AgiSessionClosed(`the AGI session closed: ${reason}`));
    }
    this.socket.end(); // what was written still goes out (a SET VARIABLE before the end)
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    this.emit('close', reason);
  }

  private send(words: string[], timeoutMs: number | null): Promise<AgiReply> {
    if (this.current !== 'ready') return Promise.reject(new AgiSessionClosed(`the AGI session is ${this.current}`));
    return new Promise<AgiReply>((resolve, reject) => {
      const timer = timeoutMs === null ? undefined : setTimeout(() => this.close(`no answer to ${words[0]} within ${timeoutMs} ms`, true), timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.socket.write(formatCommand(words));
    });
  }

  private onData(chunk: Buffer): void {
    if (this.current === 'closed') return;
    try {
      for (const line of this.reader.push(chunk)) {
        if ((this.current as AgiSessionState) === 'closed') return;
        this.onLine(line);
      }
    } catch (err) {
      this.close(err instanceof AgiProtocolError ? `bad input: ${err.message}` : `internal error: ${String(err)}`, true);
    }
  }

  private onLine(line: string): void {
    if (this.current === 'env') return this.onEnvLine(line);
    if (line.trim() === 'HANGUP') {
      if (!this.hungUpFlag) {
        this.hungUpFlag = true;
        this.emit('hangup');
      }
      return;
    }
    const waiting = this.waiting;
    if (!waiting) throw new AgiProtocolError(`an answer nobody asked for: ${JSON.stringify(line.slice(0, 80))}`);
    const reply = parseReply(line);
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    if (reply.code === 511) this.hungUpFlag = true;
    waiting.resolve(reply);
  }

  private onEnvLine(line: string): void {
    if (line === '') {
      clearTimeout(this.envTimer);
      this.current = 'ready';
      this.emit('ready');
      return;
    }
    if (this.envFields.size >= MAX_ENV_LINES) throw new AgiProtocolError(`more than ${MAX_ENV_LINES} environment lines`);
    const [key, value] = parseEnvLine(line);
    this.envFields.set(key, value);
  }
}
