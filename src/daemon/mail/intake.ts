// What the office does with a mail it accepted, whichever way it came (SMTP
// from a user, `cti mail send` through gRPC, or SMTP from a peer office
// relaying its user's mail): the exchange information read and checked,
// then, for each recipient of this office, the request run now
// (on-receipt), or the mail put into the recipients' mailboxes, marked with
// who sent it, to run when opened (on-open); with a delivery time to come
// (CTI-Deliver-At), either waits for it (schedule.ts). Recipients of other
// offices' domains are queued for the relay (relay-out.ts), with what this
// office vouches for: the sender, and the number their phone is called at.
// A refusal carries its SMTP reply; the gRPC path turns it into a status.

import { randomUUID } from 'node:crypto';
import type { CoreApi, Principal } from '../core/api.js';
import { isCtiError } from '../core/errors.js';
import { ExchangeInfoError, type ExchangeInfo } from './exchange-info.js';
import { headersOf, MAILBOXES_HEADER, ORIGIN_HEADER, REQUESTER_HEADER, SOURCE_EXTERNAL_HEADER, withCtidHeaders, withHeaders } from './mail-headers.js';
import type { Mailboxes } from './mailboxes.js';
import type { MailSchedule } from './schedule.js';
import { checkMailRequest, isAutoSubmitted, readMailRequest, submitMailRequest, type MailRequest, type MailRequester, type MailRunContext } from './mail-request.js';
import type { RelayOut } from './relay-out.js';
import type { RelayTable } from './relay-table.js';

export class MailRefusal extends Error {
  constructor(
    /** The SMTP reply code: 5xx permanent, 4xx try again. */
    readonly code: number,
    /** The reply text, with its enhanced status code first (`5.6.0 CTI-Destination: missing`). */
    readonly text: string,
  ) {
    super(text);
  }
}

export interface IntakeOptions extends MailRunContext {
  core: Pick<CoreApi, 'submit' | 'vouch' | 'check'>;
  /** This office's mail domain. */
  domain: string;
  mailboxes: Mailboxes;
  /** Where mail with a delivery time to come waits. */
  schedule: Pick<MailSchedule, 'add'>;
  /** Mail for other offices' domains (absent: none is relayed). */
  relay?: { table: Pick<RelayTable, 'lookup'>; out: Pick<RelayOut, 'enqueue'> };
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

/** Accepts `raw` from `principal` for the recipients `rcpts` (addresses); resolves with the reply text, or throws MailRefusal. */
export async function acceptMail(opts: IntakeOptions, principal: Principal, rcpts: readonly string[], raw: Buffer): Promise<string> {
  const mail = await read(raw);
  const own = (rcpt: string) => rcpt.toLowerCase().endsWith(`@${opts.domain}`);
  const remote = rcpts.filter((r) => !own(r));
  const replies: string[] = [];
  if (remote.length > 0) replies.push(await relay(opts, principal, mail, remote, raw));
  const boxes = rcpts.filter(own).map((r) => r.split('@')[0]!.toLowerCase());
  if (boxes.length > 0) {
    if (mail.info.trigger === 'on-open' || (mail.info.deliverAt ?? 0) > Date.now()) {
      try {
        checkMailRequest(opts.core, principal, mail); // it runs later: what is wrong now is refused now
      } catch (err) {
        throw refusalOf(err, mail.info);
      }
    }
    const stored = withCtidHeaders(raw, { [REQUESTER_HEADER]: principal.name });
    replies.push(await carryOut(opts, { principal }, boxes, mail, stored));
  }
  return replies.join('; ');
}

/**
 * Mail a peer office relayed for `boxes` here: its request runs as the user
 * the origin vouched for, and only for its own users (`name@` a domain the
 * relay table gives to that office). Mail a machine wrote (a completion
 * mail, a bounce) is simply delivered.
 */
export async function acceptRelayed(opts: IntakeOptions, origin: string, boxes: readonly string[], raw: Buffer, domainOffice: (domain: string) => string | undefined): Promise<string> {
  if (isAutoSubmitted(headersOf(raw).get('auto-submitted'))) {
    for (const box of boxes) await opts.mailboxes.deliver(box, raw);
    return `2.0.0 delivered to ${boxes.join(', ')}`;
  }
  const mail = await read(raw);
  const requester = mail.requester ?? '';
  const [name = '', domain = ''] = requester.toLowerCase().split('@');
  if (!name || domainOffice(domain) !== origin) throw new MailRefusal(550, `5.7.1 office ${origin} may not vouch for "${requester}" (its users are name@ its own mail domain)`);
  if (!/^\d{1,20}$/.test(mail.sourceExternal ?? '')) throw new MailRefusal(554, `5.6.0 ${SOURCE_EXTERNAL_HEADER}: missing or not digits (the origin office writes it)`);
  const who: MailRequester = { origin, name: requester, external: mail.sourceExternal! };
  const stored = withCtidHeaders(raw, { [REQUESTER_HEADER]: requester, [ORIGIN_HEADER]: origin, [SOURCE_EXTERNAL_HEADER]: who.external });
  return carryOut(opts, who, boxes, { ...mail, origin, sourceExternal: who.external }, stored);
}

async function read(raw: Buffer): Promise<MailRequest> {
  try {
    return await readMailRequest(raw);
  } catch (err) {
    if (err instanceof ExchangeInfoError) throw new MailRefusal(554, `5.6.0 ${err.message}`);
    throw new MailRefusal(554, `5.6.0 the message could not be read: ${(err as Error).message}`);
  }
}

/** What happens to a mail for mailboxes of this office; `stored` is the mail with ctid's headers for `who`. */
async function carryOut(opts: IntakeOptions, who: MailRequester, boxes: readonly string[], mail: MailRequest, stored: Buffer): Promise<string> {
  const { info } = mail;
  const name = 'principal' in who ? who.principal.name : who.name;
  if (info.deliverAt !== undefined && info.deliverAt > Date.now()) {
    // A time to come (FIG. 37): on receipt, the request runs then; on open, the mail reaches the mailboxes then.
    const at = new Date(info.deliverAt).toISOString();
    const onOpen = info.trigger === 'on-open';
    await opts.schedule.add(onOpen ? withHeaders(stored, { [MAILBOXES_HEADER]: boxes.join(', ') }) : stored, info.deliverAt);
    opts.logger('mail scheduled', { user: name, at, trigger: info.trigger, messageId: mail.messageId });
    return onOpen ? `2.0.0 scheduled: the mail reaches ${boxes.join(', ')} at ${at}` : `2.0.0 scheduled: the request runs at ${at}`;
  }
  if (info.trigger === 'on-open') {
    for (const box of boxes) await opts.mailboxes.deliver(box, stored);
    opts.logger('mail stored', { user: name, to: boxes, messageId: mail.messageId });
    return `2.0.0 in the mailbox of ${boxes.join(', ')}: the request runs when the mail is opened`;
  }
  try {
    const request = await submitMailRequest(opts, who, mail, randomUUID()); // no Message-ID: still a mail's request
    opts.logger('mail request accepted', { user: name, id: request.id, messageId: mail.messageId });
    return `2.0.0 accepted as request ${request.id}`;
  } catch (err) {
    throw refusalOf(err, info);
  }
}

/** Queues the mail for each recipient of another office, with what this office vouches for. */
async function relay(opts: IntakeOptions, principal: Principal, mail: MailRequest, rcpts: readonly string[], raw: Buffer): Promise<string> {
  const route = (rcpt: string) => opts.relay?.table.lookup(rcpt.split('@')[1] ?? '');
  const unknown = rcpts.find((r) => !route(r));
  if (unknown) throw new MailRefusal(550, `5.7.1 this office takes mail for ${opts.domain} and the domains of its relay table only: no relaying to ${unknown}`);
  let vouched: { external: string };
  try {
    vouched = opts.core.vouch(principal, mail.info.source);
  } catch (err) {
    throw refusalOf(err, mail.info);
  }
  const from = `${principal.name}@${opts.domain}`;
  const out = withCtidHeaders(raw, { [REQUESTER_HEADER]: from, [SOURCE_EXTERNAL_HEADER]: vouched.external });
  for (const rcpt of rcpts) await opts.relay!.out.enqueue(out, from, rcpt.toLowerCase());
  opts.logger('mail queued for relay', { user: principal.name, to: rcpts, messageId: mail.messageId });
  return `2.0.0 queued for ${rcpts.map((r) => `${r} (office ${route(r)!.office})`).join(', ')}`;
}

/** A core refusal as an SMTP reply; the core names the extension it refused, and where the mail gave it, the field is named too. */
function refusalOf(err: unknown, info: ExchangeInfo): unknown {
  if (!isCtiError(err)) return err;
  const field = err.message.startsWith('scenario: ') ? 'CTI-' : info.source && err.message.includes(info.source) ? 'CTI-Source: ' : '';
  const message = field === 'CTI-' ? err.message.replace(/^scenario/, 'Scenario') : err.message;
  if (err.code === 'invalid-argument') return new MailRefusal(554, `5.6.0 ${field}${message}`);
  if (err.code === 'permission-denied') return new MailRefusal(550, `5.7.1 ${field}${message}`);
  if (err.code === 'unavailable' || err.code === 'resource-exhausted') return new MailRefusal(451, `4.3.0 ${err.message}; try again later`);
  return new MailRefusal(554, `5.0.0 ${err.message}`);
}
