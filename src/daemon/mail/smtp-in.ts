// Mail in (MISSION.md 6; FIG. 28-43): each ctid is the mail host of its
// office's domain. This adapter is smtp-server around the mail path
// (intake.ts): AUTH PLAIN / LOGIN with a user's name and token (over plain
// text only on loopback), or, for a peer office relaying its users' mail
// (FIG. 38), with `office:ID` and the secret the pair shares. Users may
// write to this office's mailboxes and to the domains of the relay table;
// peers only to this office's mailboxes (no open relay, and relayed mail is
// never relayed again). The requester is the authenticated user (or the
// user the peer vouched for), never the `From:` header. Each hop adds a
// `Received:` field; mail that has made too many hops is refused (a loop).

import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerAuthenticationResponse, type SMTPServerSession } from 'smtp-server';
import { isLoopback, listenOn } from '../../common/listen.js';
import type { CoreApi, Principal } from '../core/api.js';
import { acceptMail, acceptRelayed, MailRefusal, type IntakeOptions } from './intake.js';
import { hopsOf } from './mail-headers.js';
import { PEER_USER_PREFIX } from './relay-out.js';

export interface SmtpInOptions extends IntakeOptions {
  listen: string;
  /** Largest message accepted (bytes); larger is refused with 552. */
  maxBytes: number;
  /** STARTTLS: the certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  core: IntakeOptions['core'] & Pick<CoreApi, 'authenticate'>;
  /** The office's users' names (their mailboxes). */
  users: readonly string[];
  /** This office's id (for Received:) and the secrets it shares with peer offices. */
  office: string;
  peerSecrets: ReadonlyMap<string, string>;
}

export interface SmtpIn {
  address: string;
  close(): Promise<void>;
}

/** Who a session authenticated as. */
type Sender = { principal: Principal } | { peer: string };

/** A refusal with its SMTP reply code (smtp-server reads `responseCode`). */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

const MAX_CLIENTS = 64;
/** Recipients per message: a request by mail names a few people, not a mailing list. */
const MAX_RCPTS = 32;
const IDLE_MS = 60_000;
/** A whole session, however busy: long enough for many mails, short enough that nobody holds a connection slot for good. */
const SESSION_MS = 10 * 60_000;
/** RFC 5321 6.3 suggests at least 100; between offices a handful is already a loop. */
const MAX_HOPS = 25;

export async function startSmtpIn(opts: SmtpInOptions): Promise<SmtpIn> {
  const loopback = isLoopback(opts.listen);
  const domain = opts.domain.toLowerCase();
  const senders = new Map<string, Sender>();
  /** RCPT commands in the session's current transaction (repeats count too). */
  const rcpts = new Map<string, number>();

  const server = new SMTPServer({
    name: domain,
    banner: `ctid mail for ${domain}`,
    authMethods: ['PLAIN', 'LOGIN'],
    // Checked in onMailFrom, with a reply that says what to do.
    authOptional: true,
    // Tokens in the clear only where nobody else can listen; elsewhere AUTH waits for STARTTLS.
    allowInsecureAuth: loopback,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    size: opts.maxBytes,
    maxClients: MAX_CLIENTS,
    socketTimeout: IDLE_MS,
    // No reverse DNS per connection: the name is only logged, and the lookup costs time (and needs a resolver).
    disableReverseLookup: true,
    logger: false,

    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, done: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void) {
      const sender = authenticate(auth.username ?? '', auth.password ?? '');
      if (!sender) return done(reply(535, '5.7.8 name or token not accepted'));
      senders.set(session.id, sender);
      done(null, { user: auth.username });
    },

    onMailFrom(_address, session, done) {
      if (!senders.has(session.id)) return done(reply(530, '5.7.0 authenticate first (AUTH PLAIN or LOGIN with your name and token)'));
      rcpts.set(session.id, 0);
      done();
    },

    onRcptTo(address, session, done) {
      const count = (rcpts.get(session.id) ?? 0) + 1;
      rcpts.set(session.id, count);
      if (count > MAX_RCPTS) return done(reply(452, `4.5.3 at most ${MAX_RCPTS} recipients per message`));
      const [local = '', at = ''] = address.address.toLowerCase().split('@');
      if (at === domain) return opts.users.includes(local) ? done() : done(reply(550, `5.1.1 no mailbox ${local}@${domain}`));
      const relayed = 'principal' in senders.get(session.id)! && opts.relay?.table.lookup(at);
      if (!relayed) return done(reply(550, `5.7.1 this office takes mail for ${domain} only: no relaying to ${at || 'that address'}`));
      done();
    },

    onData(stream, session, done) {
      void receive(stream, session).then(
        (message) => done(null, message),
        (err: Error) => done(err),
      );
    },

    onClose(session) {
      senders.delete(session.id);
      rcpts.delete(session.id);
    },
  });
  server.on('error', (err) => opts.logger('smtp error', { err: err.message }));
  server.server.on('connection', (socket: Socket) => {
    const limit = setTimeout(() => socket.end('421 4.4.2 session too long, closing\r\n'), SESSION_MS);
    socket.once('close', () => clearTimeout(limit));
  });

  /** A user by name and token, or a peer office by `office:ID` and the pair's secret (compared in constant time). */
  function authenticate(username: string, password: string): Sender | undefined {
    if (username.startsWith(PEER_USER_PREFIX)) {
      const office = username.slice(PEER_USER_PREFIX.length);
      const secret = opts.peerSecrets.get(office);
      const given = Buffer.from(password);
      return secret && given.length === Buffer.byteLength(secret) && timingSafeEqual(given, Buffer.from(secret)) ? { peer: office } : undefined;
    }
    const principal = password ? opts.core.authenticate(password) : undefined;
    return principal && principal.name === username ? { principal } : undefined;
  }

  async function receive(stream: Readable & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<string> {
    const sender = senders.get(session.id)!;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= opts.maxBytes) chunks.push(chunk);
    }
    if (stream.sizeExceeded || size > opts.maxBytes) throw reply(552, `5.3.4 the message is larger than ${opts.maxBytes} bytes`);
    const raw = Buffer.concat(chunks);
    if (hopsOf(raw) >= MAX_HOPS) throw reply(554, `5.4.6 the message has passed ${MAX_HOPS} mail hosts: a mail loop`);
    const received = Buffer.from(
      `Received: from ${session.clientHostname || 'unknown'} (${session.remoteAddress}) by ${domain} (ctid office ${opts.office}) with ${'peer' in sender ? 'ESMTPA (relay)' : 'ESMTPA'} id ${session.id}; ${new Date().toUTCString().replace('GMT', '+0000')}\r\n`,
    );
    const stamped = Buffer.concat([received, raw]);
    const rcpts = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
    try {
      if ('peer' in sender) {
        const office = (d: string) => opts.relay?.table.lookup(d)?.office;
        return await acceptRelayed(opts, sender.peer, rcpts.map((r) => r.split('@')[0]!), stamped, office);
      }
      return await acceptMail(opts, sender.principal, rcpts, stamped);
    } catch (err) {
      if (err instanceof MailRefusal) throw reply(err.code, err.text);
      throw err;
    }
  }

  const address = await listenOn(server.server, opts.listen);
  return { address, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
