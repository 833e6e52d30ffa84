// POP3 (RFC 1939, with CAPA from RFC 2449 and STLS from RFC 2595) for the
// office's mailboxes, so any mail client (curl, fetchmail, a desktop client)
// can read them: USER / PASS or APOP with a user's name and token, STAT,
// LIST, UIDL, TOP, RETR, DELE, NOOP, RSET, QUIT; one session per mailbox at
// a time. Tokens travel in the clear only on loopback; elsewhere a client
// must STLS first (with `mail.tls`). Opening a mail (RETR) that carries an
// on-open request runs it, as the user who sent it (FIG. 34, 36); the same
// mail opened twice runs once.

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { isLoopback, listenOn } from '../../common/listen.js';
import type { CoreApi, Principal } from '../core/api.js';
import type { Mailboxes, StoredMail } from './mailboxes.js';
import { runOnOpen, type MailRunContext } from './mail-request.js';
import type { MediaStore } from './media.js';

export interface Pop3Options {
  listen: string;
  domain: string;
  mailboxes: Mailboxes;
  core: Pick<CoreApi, 'authenticate' | 'submit'>;
  peerDesk: MailRunContext['peerDesk'];
  media: MediaStore;
  requestFailed: MailRunContext['requestFailed'];
  /** The office's users by name: who an opened mail's request runs as, and whose token APOP checks. */
  users: ReadonlyMap<string, Principal & { token: string }>;
  /** STLS: the certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export interface Pop3 {
  address: string;
  close(): Promise<void>;
}

/** RFC 1939 section 3: an autologout timer of at least 10 minutes. */
const IDLE_MS = 10 * 60_000;
/** A command line longer than this is refused (RFC 1939 allows 255 octets for arguments). */
const MAX_LINE = 512;

export async function startPop3(opts: Pop3Options): Promise<Pop3> {
  const locked = new Set<string>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Pop3Session(socket, opts, locked, isLoopback(opts.listen)).start();
  });
  const address = await listenOn(server, opts.listen);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

class Pop3Session {
  private buffer = '';
  private user: string | undefined;
  private box: string | undefined;
  private messages: StoredMail[] = [];
  private readonly deleted = new Set<number>();
  /** The greeting's timestamp, which APOP digests with the token. */
  private readonly stamp: string;
  private queue: Promise<void> = Promise.resolve();
  private secure = false;

  constructor(
    private socket: Socket,
    private readonly opts: Pop3Options,
    private readonly locked: Set<string>,
    /** On loopback nobody else can listen: logins may go in the clear. */
    private readonly loopback: boolean,
  ) {
    this.stamp = `<${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}@${opts.domain}>`;
  }

  start(): void {
    this.listen(this.socket);
    this.socket.on('close', () => this.unlock());
    this.send(`+OK ctid POP3 for ${this.opts.domain} ready ${this.stamp}`);
  }

  private listen(socket: Socket): void {
    socket.setTimeout(IDLE_MS, () => this.end('-ERR idle too long, bye'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    socket.on('error', () => socket.destroy());
  }

  /** RFC 2595 STLS: TLS from here on; whatever the client sent before the handshake is dropped. */
  private startTls(): void {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.setTimeout(0);
    this.buffer = '';
    const secured = new TLSSocket(plain, { isServer: true, key: this.opts.tls!.key, cert: this.opts.tls!.cert });
    this.socket = secured;
    this.secure = true;
    this.listen(secured);
  }

  private onData(text: string): void {
    this.buffer += text;
    for (;;) {
      const at = this.buffer.indexOf('\n');
      if (at < 0) break;
      const line = this.buffer.slice(0, at).replace(/\r$/, '');
      this.buffer = this.buffer.slice(at + 1);
      // One command at a time, in order: a pipelining client waits for nothing it should not.
      this.queue = this.queue.then(() => this.command(line)).catch((err: Error) => {
        this.opts.logger('pop3 command failed', { err: err.message });
        this.send('-ERR the mailbox could not be read');
      });
    }
    if (this.buffer.length > MAX_LINE) this.end('-ERR line too long');
  }

  private async command(line: string): Promise<void> {
    if (this.socket.destroyed) return;
    if (line.length > MAX_LINE) return this.send('-ERR line too long');
    const [verb = '', ...args] = line.split(' ');
    const cmd = verb.toUpperCase();
    if (cmd === 'CAPA') return this.send(['+OK capabilities', 'USER', 'UIDL', 'TOP', ...(this.opts.tls && !this.secure ? ['STLS'] : []), '.'].join('\r\n'));
    if (cmd === 'QUIT') return this.quit();
    if (!this.box) return this.authorize(cmd, args);
    switch (cmd) {
      case 'STAT': {
        const live = this.live();
        return this.send(`+OK ${live.length} ${live.reduce((n, [, m]) => n + m.size, 0)}`);
      }
      case 'LIST':
      case 'UIDL': {
        const show = (n: number, m: StoredMail) => `${n} ${cmd === 'LIST' ? m.size : m.uidl}`;
        if (args[0] !== undefined) {
          const found = this.message(args[0]);
          return this.send(typeof found === 'string' ? found : `+OK ${show(found[0], found[1])}`);
        }
        return this.send(['+OK', ...this.live().map(([n, m]) => show(n, m)), '.'].join('\r\n'));
      }
      case 'RETR':
      case 'TOP': {
        const found = this.message(args[0]);
        if (typeof found === 'string') return this.send(found);
        const lines = cmd === 'TOP' ? Number(args[1]) : undefined;
        if (cmd === 'TOP' && !(Number.isInteger(lines) && lines! >= 0)) return this.send('-ERR TOP needs a message number and a number of lines');
        const raw = await this.opts.mailboxes.read(this.box, found[1].uidl);
        this.send(`+OK ${raw.length} octets\r\n${dotStuffed(raw, lines)}\r\n.`);
        if (cmd === 'RETR') void this.opened(raw, found[1].uidl);
        return;
      }
      case 'DELE': {
        const found = this.message(args[0]);
        if (typeof found === 'string') return this.send(found);
        this.deleted.add(found[0]);
        return this.send(`+OK message ${found[0]} deleted`);
      }
      case 'RSET':
        this.deleted.clear();
        return this.send(`+OK ${this.messages.length} messages`);
      case 'NOOP':
        return this.send('+OK');
      default:
        return this.send(`-ERR unknown command ${cmd.slice(0, 16)}`);
    }
  }

  private async authorize(cmd: string, args: string[]): Promise<void> {
    if (cmd === 'STLS') {
      if (!this.opts.tls || this.secure) return this.send(this.secure ? '-ERR TLS is on already' : '-ERR no TLS here (mail.tls)');
      this.send('+OK begin TLS');
      return this.startTls();
    }
    if (!this.secure && !this.loopback && ['USER', 'PASS', 'APOP'].includes(cmd)) return this.send('-ERR STLS first: tokens travel only encrypted here');
    if (cmd === 'USER' && args[0]) {
      this.user = args[0].toLowerCase();
      return this.send('+OK send PASS');
    }
    if (cmd === 'PASS') {
      const principal = this.user && this.opts.core.authenticate(args.join(' '));
      if (!principal || principal.name.toLowerCase() !== this.user) return this.send('-ERR name or token not accepted');
      return this.open(this.user!);
    }
    if (cmd === 'APOP' && args.length === 2) {
      const name = args[0]!.toLowerCase();
      const user = this.opts.users.get(name);
      const expected = user && createHash('md5').update(`${this.stamp}${user.token}`).digest('hex');
      if (!expected || expected !== args[1]!.toLowerCase()) return this.send('-ERR name or digest not accepted');
      return this.open(name);
    }
    return this.send('-ERR first USER and PASS, or APOP');
  }

  private async open(box: string): Promise<void> {
    if (this.locked.has(box)) return this.send('-ERR the mailbox is open in another session');
    this.locked.add(box);
    this.box = box;
    this.messages = await this.opts.mailboxes.list(box);
    this.send(`+OK ${box} has ${this.messages.length} messages`);
  }

  private async quit(): Promise<void> {
    if (this.box) {
      // The UPDATE state: deletions happen only now (RFC 1939 section 6).
      for (const n of this.deleted) await this.opts.mailboxes.remove(this.box, this.messages[n - 1]!.uidl);
    }
    this.end(`+OK bye${this.deleted.size ? `, ${this.deleted.size} deleted` : ''}`);
  }

  /** A mail that carries an on-open request runs it, as its sender, once. */
  private async opened(raw: Buffer, uidl: string): Promise<void> {
    try {
      const request = await runOnOpen(this.opts, this.opts.users, raw, `${this.box}:${uidl}`);
      if (request) this.opts.logger('mail request run on open', { box: this.box, id: request.id });
    } catch (err) {
      this.opts.logger('mail request not run', { box: this.box, uidl, err: (err as Error).message });
    }
  }

  /** Messages not marked deleted, numbered from 1. */
  private live(): [number, StoredMail][] {
    return this.messages.map((m, i): [number, StoredMail] => [i + 1, m]).filter(([n]) => !this.deleted.has(n));
  }

  private message(arg: string | undefined): [number, StoredMail] | string {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1) return '-ERR give a message number';
    const m = this.messages[n - 1];
    if (!m || this.deleted.has(n)) return `-ERR no message ${n}`;
    return [n, m];
  }

  private send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(`${text}\r\n`, 'latin1');
  }

  private end(text: string): void {
    this.send(text);
    this.socket.end();
    this.unlock();
  }

  private unlock(): void {
    if (this.box) this.locked.delete(this.box);
    this.box = undefined;
  }
}

/** The message with CRLF line ends and leading dots doubled; with `bodyLines`, the headers and that many body lines (TOP). */
function dotStuffed(raw: Buffer, bodyLines?: number): string {
  const lines = raw.toString('latin1').replace(/\r?\n$/, '').split(/\r?\n/);
  let keep = lines;
  if (bodyLines !== undefined) {
    const blank = lines.indexOf('');
    keep = blank < 0 ? lines : lines.slice(0, blank + 1 + bodyLines);
  }
  return keep.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
}
