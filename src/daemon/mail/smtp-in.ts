// Mail in (MISSION.md 6; FIG. 28-43): each ctid is the mail host of its
// office's domain. This adapter is smtp-server around the core: AUTH PLAIN /
// LOGIN with a user's name and token (over plain text only on loopback),
// mail only for this office's users (no open relay), the exchange
// information read from the mail (exchange-info.ts), and the request
// submitted as the authenticated user: never the `From:` header.
//
// What works so far: on-receipt mail runs now (a call that camps on if the
// line is busy, within CTI-Monitor or the default window); on-open mail goes
// into the recipients' mailboxes and runs when opened (pop3.ts). The same
// Message-ID twice is the same request (idempotency key). Not yet: delivery
// times, scenarios, relay between offices, completion mails: such mail is
// refused with a reply that says so.

import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerAuthenticationResponse, type SMTPServerSession } from 'smtp-server';
import { isLoopback, listenOn } from '../../common/listen.js';
import type { CoreApi, Principal } from '../core/api.js';
import { acceptMail, MailRefusal, type IntakeOptions } from './intake.js';
import type { Mailboxes } from './mailboxes.js';

export interface SmtpInOptions {
  listen: string;
  /** The office's mail domain: mailboxes are `name@domain`. */
  domain: string;
  /** Largest message accepted (bytes); larger is refused with 552. */
  maxBytes: number;
  /** STARTTLS: the certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  core: Pick<CoreApi, 'authenticate' | 'submit'>;
  /** The office's users' names (their mailboxes). */
  users: readonly string[];
  mailboxes: Mailboxes;
  media: IntakeOptions['media'];
  schedule: IntakeOptions['schedule'];
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export interface SmtpIn {
  address: string;
  close(): Promise<void>;
}

/** A refusal with its SMTP reply code (smtp-server reads `responseCode`). */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

const MAX_CLIENTS = 64;
const IDLE_MS = 60_000;

export async function startSmtpIn(opts: SmtpInOptions): Promise<SmtpIn> {
  const loopback = isLoopback(opts.listen);
  const domain = opts.domain.toLowerCase();
  const principals = new Map<string, Principal>();

  const server = new SMTPServer({
    name: domain,
    banner: `ctid mail for ${domain}`,
    authMethods: ['PLAIN', 'LOGIN'],
    // Checked in onMailFrom, with a reply that says what to do (and, later, room for authenticated peers' relay).
    authOptional: true,
    // Tokens in the clear only where nobody else can listen; elsewhere AUTH waits for STARTTLS.
    allowInsecureAuth: loopback,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    size: opts.maxBytes,
    maxClients: MAX_CLIENTS,
    socketTimeout: IDLE_MS,
    logger: false,

    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, done: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void) {
      const principal = auth.password ? opts.core.authenticate(auth.password) : undefined;
      if (!principal || principal.name !== auth.username) return done(reply(535, '5.7.8 name or token not accepted'));
      principals.set(session.id, principal);
      done(null, { user: principal.name });
    },

    onMailFrom(_address, session, done) {
      if (!principals.has(session.id)) return done(reply(530, '5.7.0 authenticate first (AUTH PLAIN or LOGIN with your name and token)'));
      done();
    },

    onRcptTo(address, _session, done) {
      const [local = '', at = ''] = address.address.toLowerCase().split('@');
      if (at !== domain) return done(reply(550, `5.7.1 this office takes mail for ${domain} only: no relaying to ${at || 'that address'}`));
      if (!opts.users.includes(local)) return done(reply(550, `5.1.1 no mailbox ${local}@${domain}`));
      done();
    },

    onData(stream, session, done) {
      void receive(stream, session).then(
        (message) => done(null, message),
        (err: Error) => done(err),
      );
    },

    onClose(session) {
      principals.delete(session.id);
    },
  });
  server.on('error', (err) => opts.logger('smtp error', { err: err.message }));

  async function receive(stream: Readable & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<string> {
    const principal = principals.get(session.id)!;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= opts.maxBytes) chunks.push(chunk);
    }
    if (stream.sizeExceeded || size > opts.maxBytes) throw reply(552, `5.3.4 the message is larger than ${opts.maxBytes} bytes`);
    const raw = Buffer.concat(chunks);
    const boxes = session.envelope.rcptTo.map((r) => r.address.toLowerCase().split('@')[0]!);
    try {
      return await acceptMail(opts, principal, boxes, raw);
    } catch (err) {
      if (err instanceof MailRefusal) throw reply(err.code, err.text);
      throw err;
    }
  }

  const address = await listenOn(server.server, opts.listen);
  return { address, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
