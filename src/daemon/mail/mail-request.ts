// A mail as a request: its exchange information read (exchange-info.ts),
// its parts and scenario (mail-scenario.ts), who asked (the authenticated
// sender; for stored mail the header ctid wrote when it took the mail), and
// the request it becomes. Shared by SMTP (on-receipt), the delivery-time
// schedule, and POP3 / `cti mail open` (on-open).

import { simpleParser } from 'mailparser';
import type { CoreApi, Principal } from '../core/api.js';
import type { RequestRecord } from '../core/request.js';
import { parseExchangeInfo, type ExchangeInfo, type StepAction } from './exchange-info.js';
import type { MediaStore } from './media.js';
import { partsOf, resolveSteps, stepsOf, type MailParts } from './mail-scenario.js';

/** Idempotency keys of requests that came by mail start with this (then the Message-ID): completion mails find them by it. */
export const MAIL_KEY_PREFIX = 'mail:';

/** Written by ctid at the top of a stored mail: the authenticated sender, whom the request runs as. */
export const REQUESTER_HEADER = 'X-CTI-Requester';

/** What running a mail's request needs: the core, and where its voice and FAX parts are kept. */
export interface MailRunContext {
  core: Pick<CoreApi, 'submit'>;
  media: MediaStore;
}

export interface MailRequest {
  info: ExchangeInfo;
  /** MAILBOXES_HEADER of a mail waiting for its delivery time. */
  mailboxes?: string[];
  parts: MailParts;
  /** The scenario to run (CTI-Scenario, or the default for voice / FAX parts); none for a plain call. */
  steps?: StepAction[][];
  messageId?: string;
  /** The REQUESTER_HEADER of a stored mail. */
  requester?: string;
}

/** Parses a raw mail; throws ExchangeInfoError naming a bad field. */
export async function readMailRequest(raw: Buffer): Promise<MailRequest> {
  const mail = await simpleParser(raw);
  const headers = new Map<string, string>();
  for (const [name, value] of mail.headers) if (typeof value === 'string') headers.set(name.toLowerCase(), value);
  const requester = headers.get(REQUESTER_HEADER.toLowerCase());
  const mailboxes = headers.get(MAILBOXES_HEADER.toLowerCase())?.split(',').map((box) => box.trim());
  const info = parseExchangeInfo(headers, mail.text ?? '');
  const parts = partsOf(info.text, mail.attachments);
  const steps = stepsOf(info, parts);
  return {
    info,
    parts,
    ...(steps ? { steps } : {}),
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    ...(requester ? { requester } : {}),
    ...(mailboxes ? { mailboxes } : {}),
  };
}

/** Written by ctid on a mail that waits for its delivery time (on-open): the mailboxes it goes to then. */
export const MAILBOXES_HEADER = 'X-CTI-Deliver-To';

/**
 * The raw mail with ctid's own headers set (a value) or removed
 * (undefined); any of them the sender wrote is dropped, so a sender cannot
 * pose as another requester or pick mailboxes. The rest stays byte for byte.
 */
export function withCtidHeaders(raw: Buffer, headers: Record<string, string | undefined>): Buffer {
  const text = raw.toString('latin1'); // byte for byte: the body is not ours to re-encode
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const rest = end < 0 ? '' : text.slice(end);
  const ours = Object.keys(headers).map((name) => `${name.toLowerCase()}:`);
  const kept = head
    .split(/\r?\n(?![ \t])/) // header fields with their folded continuation lines
    .filter((field) => !ours.some((name) => field.toLowerCase().startsWith(name)));
  const set = Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [`${name}: ${value}\r\n`]));
  return Buffer.from(`${set.join('')}${kept.join('\r\n')}${rest}`, 'latin1');
}

/** The raw mail with REQUESTER_HEADER set to `name` (any such header the sender wrote is dropped). */
export function withRequester(raw: Buffer, name: string): Buffer {
  return withCtidHeaders(raw, { [REQUESTER_HEADER]: name, [MAILBOXES_HEADER]: undefined });
}

/**
 * The mail's request, as `principal`: a call that camps on if the line is
 * busy, within CTI-Monitor (or the default window), after its scenario's
 * steps. The same Message-ID twice is the same request.
 */
export async function submitMailRequest(ctx: MailRunContext, principal: Principal, mail: MailRequest, fallbackKey?: string): Promise<RequestRecord> {
  const { info } = mail;
  const key = mail.messageId ?? fallbackKey;
  const scenario = mail.steps && (await resolveSteps(mail.steps, mail.parts, ctx.media));
  return ctx.core.submit(principal, {
    kind: 'call',
    campOn: true,
    destination: info.destination,
    ...(info.source ? { source: info.source } : {}),
    ...(info.network ? { network: info.network } : {}),
    ...(info.monitorMs ? { windowMs: info.monitorMs } : {}),
    ...(key ? { idempotencyKey: `${MAIL_KEY_PREFIX}${key}` } : {}),
    ...(scenario ? { scenario } : {}),
  });
}

/**
 * A mail opened (POP3 RETR, `cti mail open`): if it carries an on-open
 * request, it runs as the user who sent it; the same mail opened again is
 * the same request. Resolves with the request, or undefined when the mail
 * carries none.
 */
export async function runOnOpen(
  ctx: MailRunContext,
  users: ReadonlyMap<string, Principal>,
  raw: Buffer,
  /** For a mail without a Message-ID: the mailbox and its UIDL. */
  fallbackKey: string,
): Promise<RequestRecord | undefined> {
  const mail = await readMailRequest(raw);
  if (mail.info.trigger !== 'on-open' || !mail.requester) return undefined;
  const principal = users.get(mail.requester);
  if (!principal) throw new Error(`its sender ${mail.requester} is no longer a user of this office`);
  return submitMailRequest(ctx, principal, mail, fallbackKey);
}
