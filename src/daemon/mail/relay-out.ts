// Mail for another office's domain (FIG. 34 S3403', FIG. 38): queued
// durably (DATA/mail-outbound/, one file per recipient, before the sender
// hears 250), then handed to that office's SMTP by the relay table,
// authenticated as this office with the pair's secret (AUTH PLAIN
// `office:ID`). A refusal (5xx) bounces to the sender at once; anything
// else (the peer down, 4xx) is retried with backoff until the relay window
// ends, then bounces (DSN). After a restart the queue is read back and sent
// again (at least once: the peer takes a repeated Message-ID as the same
// request).

import { createTransport } from 'nodemailer';
import { Backoff } from '../../common/backoff.js';
import type { Clock, Timer } from '../../common/clock.js';
import type { Mailboxes } from './mailboxes.js';
import { headersOf, withHeaders } from './mail-headers.js';
import type { RelayTable } from './relay-table.js';

/** The envelope, written by ctid on the queued file and taken off before it goes. */
const TO = 'X-CTI-Relay-To';
const FROM = 'X-CTI-Relay-From';
const QUEUED_AT = 'X-CTI-Relay-Queued';
const BOX = 'queue';

/** The user name a relaying office authenticates with at its peer's SMTP. */
export const PEER_USER_PREFIX = 'office:';

export interface RelayFailure {
  from: string;
  to: string;
  /** Enhanced status code for the DSN. */
  status: string;
  why: string;
  raw: Buffer;
  queuedAt: number;
}

export interface RelayOutOptions {
  /** A Mailboxes of the queue's own. */
  store: Mailboxes;
  table: Pick<RelayTable, 'lookup'>;
  /** This office's id (the AUTH user) and mail domain (EHLO). */
  office: string;
  domain: string;
  secretOf: (office: string) => string | undefined;
  windowMs: number;
  clock: Clock;
  /** A mail that will not go: the sender is told (a DSN). */
  bounce: (failure: RelayFailure) => Promise<void>;
  logger: (event: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

interface Queued {
  uidl: string;
  from: string;
  to: string;
  queuedAt: number;
  backoff: Backoff;
  timer?: Timer;
}

export class RelayOut {
  private readonly queued = new Map<string, Queued>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: RelayOutOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Reads back what waits (after a restart) and sends it. */
  async start(): Promise<void> {
    for (const { uidl } of await this.opts.store.list(BOX)) {
      const raw = await this.opts.store.read(BOX, uidl);
      const head = headersOf(raw);
      this.track(uidl, head.get(FROM.toLowerCase()) ?? '', head.get(TO.toLowerCase()) ?? '', Number(head.get(QUEUED_AT.toLowerCase())) || this.now());
    }
  }

  /** Queues `raw` for `to` (one recipient), durably; resolves once stored. */
  async enqueue(raw: Buffer, from: string, to: string): Promise<void> {
    const queuedAt = this.now();
    const stored = withHeaders(raw, { [TO]: to, [FROM]: from, [QUEUED_AT]: String(queuedAt) });
    this.track(await this.opts.store.deliver(BOX, stored), from, to, queuedAt);
  }

  /** How many mails wait (for `cti status` and the log). */
  get size(): number {
    return this.queued.size;
  }

  stop(): void {
    this.stopped = true;
    for (const q of this.queued.values()) q.timer?.cancel();
  }

  private track(uidl: string, from: string, to: string, queuedAt: number): void {
    const q: Queued = { uidl, from, to, queuedAt, backoff: new Backoff(this.opts.clock, { initialMs: 1_000, maxMs: 5 * 60_000 }) };
    this.queued.set(uidl, q);
    void this.attempt(q);
  }

  private async attempt(q: Queued): Promise<void> {
    if (this.stopped) return;
    let raw: Buffer;
    try {
      raw = await this.opts.store.read(BOX, q.uidl);
    } catch (err) {
      this.opts.logger('relay: queued mail unreadable', { uidl: q.uidl, err: (err as Error).message });
      this.queued.delete(q.uidl);
      return;
    }
    const outcome = await this.send(q, raw);
    if (this.stopped) return;
    if (outcome === 'sent') return this.done(q, 'relayed', {});
    if (outcome.permanent || this.now() - q.queuedAt >= this.opts.windowMs) {
      const why = outcome.permanent ? outcome.why : `gave up after ${Math.round((this.now() - q.queuedAt) / 1000)} s: ${outcome.why}`;
      await this.opts
        .bounce({ from: q.from, to: q.to, status: outcome.permanent ? outcome.status : '4.4.7', why, raw: bare(raw), queuedAt: q.queuedAt })
        .catch((err: Error) => this.opts.logger('relay: bounce not delivered', { to: q.from, err: err.message }));
      return this.done(q, 'relay failed; bounced', { to: q.to, why });
    }
    const retry = q.backoff.schedule(() => void this.attempt(q));
    q.timer = retry;
    this.opts.logger('relay: will retry', { to: q.to, why: outcome.why, inMs: Math.round(retry.delayMs) });
  }

  private async done(q: Queued, event: string, fields: Record<string, unknown>): Promise<void> {
    this.queued.delete(q.uidl);
    await this.opts.store.remove(BOX, q.uidl);
    this.opts.logger(`relay: ${event}`, { to: q.to, ...fields });
  }

  /** One SMTP delivery to the peer that takes the recipient's domain. */
  private async send(q: Queued, raw: Buffer): Promise<'sent' | { permanent: boolean; status: string; why: string }> {
    const domain = q.to.split('@')[1] ?? '';
    const route = this.opts.table.lookup(domain);
    if (!route) return { permanent: true, status: '5.1.2', why: `no relay for ${domain} any more (cti relay list)` };
    const secret = this.opts.secretOf(route.office);
    if (!secret) return { permanent: true, status: '5.7.0', why: `office ${route.office} is not a peer any more` };
    const at = route.smtp.lastIndexOf(':');
    const transport = createTransport({
      host: route.smtp.slice(0, at),
      port: Number(route.smtp.slice(at + 1)),
      secure: false,
      name: this.opts.domain,
      auth: { user: `${PEER_USER_PREFIX}${this.opts.office}`, pass: secret },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
    });
    try {
      await transport.sendMail({ envelope: { from: q.from, to: [q.to] }, raw: bare(raw) });
      return 'sent';
    } catch (err) {
      const e = err as Error & { responseCode?: number; response?: string };
      const reply = e.response ?? e.message;
      const code = e.responseCode ?? 0;
      return { permanent: code >= 500, status: /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? (code >= 500 ? '5.0.0' : '4.0.0'), why: `${route.smtp} (office ${route.office}): ${reply}` };
    } finally {
      transport.close();
    }
  }
}

/** The mail without the queue's envelope headers. */
function bare(raw: Buffer): Buffer {
  return withHeaders(raw, { [TO]: undefined, [FROM]: undefined, [QUEUED_AT]: undefined });
}
