// The mailboxes and the mail path for `cti` (gRPC): list my mailbox, open a
// mail (which runs its on-open request, as POP3's RETR does), and send a
// request by mail composed from a few fields, submitted into the same mail
// path as SMTP as the authenticated user, so `cti` needs no SMTP settings.

import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { Principal } from '../core/api.js';
import { CtiError, mustBeAdmin } from '../core/errors.js';
import { composeMail, type Attachment } from './compose.js';
import { acceptMail, MailRefusal, type IntakeOptions } from './intake.js';
import type { Mailboxes } from './mailboxes.js';
import type { ListedRelay, RelayRoute, RelayTable } from './relay-table.js';
import { readMailRequest, runOnOpen } from './mail-request.js';

export interface MailSummary {
  /** The mail's UIDL: `cti mail open ID` takes it. */
  id: string;
  size: number;
  from: string;
  subject: string;
  /** RFC 3339, or empty. */
  date: string;
  /** on-open / on-receipt; empty for a mail that carries no request (a completion mail). */
  trigger: string;
  destination: string;
}

export interface MailToSend {
  /** `name@domain` of this office. */
  to: string;
  destination: string;
  source?: string;
  trigger?: 'on-open' | 'on-receipt';
  monitorMs?: number;
  text?: string;
  /** CTI-Deliver-At, as given (the mail path checks it). */
  deliverAt?: string;
  /** CTI-Scenario, as given. */
  scenario?: string;
  /** Voice and FAX parts, in order. */
  parts?: (Attachment & { kind: 'voice' | 'fax' })[];
}

/** What a part's content type must be, by kind (mail-scenario.ts numbers parts by it). */
const PART_TYPES: Record<'voice' | 'fax', RegExp> = { voice: /^audio\/[\w.+-]+$/, fax: /^(application\/pdf|image\/tiff?)$/ };

export class MailDesk {
  /** Where the office's mail servers listen (`smtp HOST:PORT`, `pop3 HOST:PORT`), for `cti status`. */
  listeners: string[] = [];

  constructor(
    private readonly intake: IntakeOptions,
    private readonly mailboxes: Mailboxes,
    private readonly domain: string,
    private readonly users: ReadonlyMap<string, Principal>,
    private readonly relays: RelayTable,
  ) {}

  /** The relay table (any user may read it). */
  listRelays(): ListedRelay[] {
    return this.relays.list();
  }

  addRelay(principal: Principal, route: RelayRoute): Promise<ListedRelay> {
    mustBeAdmin(principal, 'change the relay table');
    return this.relays.add(route);
  }

  removeRelay(principal: Principal, domain: string): Promise<void> {
    mustBeAdmin(principal, 'change the relay table');
    return this.relays.remove(domain);
  }

  async list(principal: Principal): Promise<MailSummary[]> {
    const box = principal.name.toLowerCase();
    const stored = await this.mailboxes.list(box);
    return Promise.all(stored.map(async ({ uidl, size }) => summary(uidl, size, await this.mailboxes.read(box, uidl))));
  }

  async open(principal: Principal, id: string): Promise<{ mail: MailSummary; text: string; requestId: string }> {
    const box = principal.name.toLowerCase();
    const found = (await this.mailboxes.list(box)).find((m) => m.uidl === id);
    if (!found) throw new CtiError('not-found', `no mail ${id} in your mailbox (cti mail list shows them)`);
    const raw = await this.mailboxes.read(box, id);
    const request = await runOnOpen(this.intake, this.users, raw, `${box}:${id}`).catch((err: Error) => {
      throw new CtiError('failed-precondition', `the mail's request could not run: ${err.message}`);
    });
    return { mail: await summary(id, found.size, raw), text: raw.toString('utf8'), requestId: request?.id ?? '' };
  }

  async send(principal: Principal, m: MailToSend): Promise<string> {
    const to = m.to.toLowerCase();
    const [local = '', at = ''] = to.split('@');
    if (at === this.domain && !this.users.has(local)) throw new CtiError('not-found', `no mailbox ${local}@${this.domain}`);
    if (at !== this.domain && !this.relays.lookup(at)) {
      throw new CtiError('failed-precondition', `${m.to} is neither a mailbox of this office (${this.domain}) nor of a domain in the relay table (cti relay list)`, 'unroutable');
    }
    for (const p of m.parts ?? []) {
      if (!PART_TYPES[p.kind].test(p.contentType)) throw new CtiError('invalid-argument', `${p.filename}: a ${p.kind} part must be ${p.kind === 'voice' ? 'audio' : 'PDF or TIFF'}, not ${p.contentType}`);
    }
    const oneLine = (field: string, value: string | undefined) => {
      if (value !== undefined && /[\r\n]/.test(value)) throw new CtiError('invalid-argument', `${field} must be one line`);
      return value ? [`${field}: ${value}`] : [];
    };
    const fields = [
      ...oneLine('CTI-Destination', m.destination),
      ...oneLine('CTI-Source', m.source),
      `CTI-Trigger: ${m.trigger ?? 'on-open'}`,
      ...(m.monitorMs ? [`CTI-Monitor: ${Math.ceil(m.monitorMs / 1000)}s`] : []),
      ...oneLine('CTI-Deliver-At', m.deliverAt),
      ...oneLine('CTI-Scenario', m.scenario),
    ];
    const head = [
      `From: ${principal.name}@${this.domain}`,
      `To: ${to}`,
      `Subject: Please call ${m.destination}`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${randomUUID()}@${this.domain}>`,
    ];
    const raw = composeMail(head, [...fields, '', m.text ?? ''].join('\n'), m.parts ?? []);
    try {
      return await acceptMail(this.intake, principal, [to], raw);
    } catch (err) {
      if (!(err instanceof MailRefusal)) throw err;
      const text = err.text.replace(/^\d\.\d\.\d /, '');
      if (err.code === 451) throw new CtiError('unavailable', text);
      if (err.text.startsWith('5.7.1')) throw new CtiError('permission-denied', text, 'not-allowed');
      if (err.text.startsWith('5.6.0')) throw new CtiError('invalid-argument', text);
      throw new CtiError('failed-precondition', text);
    }
  }
}

async function summary(id: string, size: number, raw: Buffer): Promise<MailSummary> {
  const parsed = await simpleParser(raw);
  const request = await readMailRequest(raw).catch(() => undefined);
  return {
    id,
    size,
    from: parsed.from?.text ?? '',
    subject: parsed.subject ?? '',
    date: parsed.date ? parsed.date.toISOString() : '',
    trigger: request?.requester ? request.info.trigger : '',
    destination: request?.requester ? request.info.destination : '',
  };
}
