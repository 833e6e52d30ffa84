// A mail as a request: its exchange information read (exchange-info.ts),
// its parts and scenario (mail-scenario.ts), who asked (the authenticated
// sender; for stored mail the header ctid wrote when it took the mail), and
// the request it becomes. Shared by SMTP (on-receipt), the delivery-time
// schedule, and POP3 / `cti mail open` (on-open).

import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { CoreApi, Principal, SubmitInput } from '../core/api.js';
import type { ScenarioAction } from '../core/request.js';
import { CtiError } from '../core/errors.js';
import type { PeerFacingApi } from '../core/peering.js';
import { MAILBOXES_HEADER, ORIGIN_HEADER, REQUESTER_HEADER, SOURCE_EXTERNAL_HEADER } from './mail-headers.js';
import { parseExchangeInfo, type ExchangeInfo, type StepAction } from './exchange-info.js';
import type { MediaStore } from './media.js';
import { partsOf, resolveSteps, stepsOf, type MailParts } from './mail-scenario.js';

/** Idempotency keys of requests that came by mail start with this (then the Message-ID): completion mails find them by it. */
export const MAIL_KEY_PREFIX = 'mail:';

/** What running a mail's request needs: the core (and its desk for other offices' users), and where voice and FAX parts are kept. */
export interface MailRunContext {
  core: Pick<CoreApi, 'submit'>;
  peerDesk: Pick<PeerFacingApi, 'peerCampOn'>;
  media: MediaStore;
  /** A mail's request that could not run after all (its time came, or it was opened): its requester gets a bounce. */
  requestFailed: (raw: Buffer, err: unknown) => Promise<void>;
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
  /** ORIGIN_HEADER and SOURCE_EXTERNAL_HEADER of relayed mail. */
  origin?: string;
  sourceExternal?: string;
}

/** Parses a raw mail; throws ExchangeInfoError naming a bad field. */
export async function readMailRequest(raw: Buffer): Promise<MailRequest> {
  const mail = await simpleParser(raw);
  const headers = new Map<string, string>();
  for (const [name, value] of mail.headers) if (typeof value === 'string') headers.set(name.toLowerCase(), value);
  const requester = headers.get(REQUESTER_HEADER.toLowerCase());
  const mailboxes = headers.get(MAILBOXES_HEADER.toLowerCase())?.split(',').map((box) => box.trim());
  const origin = headers.get(ORIGIN_HEADER.toLowerCase());
  const sourceExternal = headers.get(SOURCE_EXTERNAL_HEADER.toLowerCase());
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
    ...(origin ? { origin } : {}),
    ...(sourceExternal ? { sourceExternal } : {}),
  };
}

/** RFC 3834: any Auto-Submitted value but `no` marks mail a machine wrote (a completion mail, a bounce): it carries no request. */
export function isAutoSubmitted(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() !== 'no';
}

/** Who a mail's request runs as: a user of this office, or a user of another office as that office vouched (relay). */
export type MailRequester = { principal: Principal } | { origin: string; name: string; external: string };

/** The requester a stored mail names (ctid's headers); throws when it is no longer one. */
export function requesterOf(mail: MailRequest, users: ReadonlyMap<string, Principal>): MailRequester {
  if (!mail.requester) throw new Error('it names no requester');
  if (mail.origin) {
    if (!mail.sourceExternal) throw new Error(`${SOURCE_EXTERNAL_HEADER} is missing`);
    return { origin: mail.origin, name: mail.requester, external: mail.sourceExternal };
  }
  const principal = users.get(mail.requester);
  if (!principal) throw new Error(`its sender ${mail.requester} is no longer a user of this office`);
  return { principal };
}

/**
 * The mail's request: a call that camps on if the line is busy, within
 * CTI-Monitor (or the default window), after its scenario's steps. A user
 * of this office asks the core; a user of another office asks as a request
 * that office forwarded (the peer desk: the requester is called back at
 * the number the origin vouched for). The same Message-ID twice is the
 * same request.
 */
export async function submitMailRequest(ctx: MailRunContext, who: MailRequester, mail: MailRequest, fallbackKey: string): Promise<{ id: string }> {
  const { info } = mail;
  const key = mail.messageId ?? fallbackKey;
  const scenario = mail.steps && (await resolveSteps(mail.steps, mail.parts, ctx.media));
  if ('principal' in who) return ctx.core.submit(who.principal, { ...submitInput(mail, scenario), idempotencyKey: `${MAIL_KEY_PREFIX}${key}` });
  const state = await ctx.peerDesk.peerCampOn(who.origin, {
    id: `${who.origin}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`,
    destination: info.destination,
    source: who.external,
    network: info.network ?? 'public',
    deadline: info.monitorMs ? Date.now() + info.monitorMs : 0,
    strategy: 'watch',
    retryEveryMs: 0,
    requester: who.name,
    via: [who.origin],
    idempotencyKey: `${MAIL_KEY_PREFIX}${key}`,
    ...(scenario ? { scenario } : {}),
  });
  if (state.state === 'failed' && state.attempts === 0) {
    const code = state.reason === 'limit' ? 'resource-exhausted' : 'invalid-argument';
    throw new CtiError(code, state.message ?? `the request was refused (${state.reason})`, state.reason);
  }
  return { id: state.id };
}

/** The core's request for a mail from a user of this office (its scenario's parts resolved, or placeholders for a check). */
function submitInput(mail: MailRequest, scenario: ScenarioAction[][] | undefined): SubmitInput {
  const { info } = mail;
  return {
    kind: 'call',
    campOn: true,
    destination: info.destination,
    ...(info.source ? { source: info.source } : {}),
    ...(info.network ? { network: info.network } : {}),
    ...(info.monitorMs ? { windowMs: info.monitorMs } : {}),
    ...(scenario ? { scenario } : {}),
  };
}

/**
 * Would the mail's request be taken now, from this user? Checked when mail
 * is stored to run later (on open, or at its time), so that what can be
 * known at DATA is refused then, not bounced later. Throws the core's
 * CtiError.
 */
export function checkMailRequest(core: Pick<CoreApi, 'check'>, principal: Principal, mail: MailRequest): void {
  const placeholder = (a: StepAction): ScenarioAction =>
    a.do === 'play' || a.do === 'fax' ? { do: a.do, part: '', media: '' } : a.do === 'show' ? { do: 'show', part: '', text: '' } : a;
  core.check(principal, submitInput(mail, mail.steps?.map((step) => step.map(placeholder))));
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
): Promise<{ id: string } | undefined> {
  try {
    const mail = await readMailRequest(raw);
    if (mail.info.trigger !== 'on-open' || !mail.requester) return undefined;
    return await submitMailRequest(ctx, requesterOf(mail, users), mail, fallbackKey);
  } catch (err) {
    await ctx.requestFailed(raw, err);
    throw err;
  }
}
