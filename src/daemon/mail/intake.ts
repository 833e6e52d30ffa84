// What the office does with a mail it accepted from an authenticated user,
// whichever way it came (SMTP, or `cti mail send` through gRPC): the
// exchange information read and checked, then the request run now
// (on-receipt), or the mail put into the recipients' mailboxes, marked with
// who sent it, to run when opened (on-open); with a delivery time to come
// (CTI-Deliver-At), either waits for it (schedule.ts). A refusal carries its SMTP
// reply; the gRPC path turns it into a status.

import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/api.js';
import { isCtiError } from '../core/errors.js';
import { ExchangeInfoError } from './exchange-info.js';
import type { Mailboxes } from './mailboxes.js';
import type { MailSchedule } from './schedule.js';
import { MAILBOXES_HEADER, readMailRequest, REQUESTER_HEADER, submitMailRequest, withCtidHeaders, withRequester, type MailRequest, type MailRunContext } from './mail-request.js';

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
  mailboxes: Mailboxes;
  /** Where on-receipt mail with a delivery time to come waits. */
  schedule: Pick<MailSchedule, 'add'>;
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

/** Accepts `raw` from `principal` for the mailboxes `boxes`; resolves with the reply text, or throws MailRefusal. */
export async function acceptMail(opts: IntakeOptions, principal: Principal, boxes: readonly string[], raw: Buffer): Promise<string> {
  let mail: MailRequest;
  try {
    mail = await readMailRequest(raw);
  } catch (err) {
    if (err instanceof ExchangeInfoError) throw new MailRefusal(554, `5.6.0 ${err.message}`);
    throw new MailRefusal(554, `5.6.0 the message could not be read: ${(err as Error).message}`);
  }
  const { info } = mail;
  if (info.deliverAt !== undefined && info.deliverAt > Date.now()) {
    // A time to come (FIG. 37): on receipt, the request runs then; on open, the mail reaches the mailboxes then.
    const at = new Date(info.deliverAt).toISOString();
    const onOpen = info.trigger === 'on-open';
    await opts.schedule.add(withCtidHeaders(raw, { [REQUESTER_HEADER]: principal.name, [MAILBOXES_HEADER]: onOpen ? boxes.join(', ') : undefined }), info.deliverAt);
    opts.logger('mail scheduled', { user: principal.name, at, trigger: info.trigger, messageId: mail.messageId });
    return onOpen ? `2.0.0 scheduled: the mail reaches ${boxes.join(', ')} at ${at}` : `2.0.0 scheduled: the request runs at ${at}`;
  }
  if (info.trigger === 'on-open') {
    const stored = withRequester(raw, principal.name);
    for (const box of boxes) await opts.mailboxes.deliver(box, stored);
    opts.logger('mail stored', { user: principal.name, to: boxes, messageId: mail.messageId });
    return `2.0.0 in the mailbox of ${boxes.join(', ')}: the request runs when the mail is opened`;
  }
  try {
    const request = await submitMailRequest(opts, principal, mail, randomUUID()); // no Message-ID: still a mail's request
    opts.logger('mail request accepted', { user: principal.name, id: request.id, messageId: mail.messageId });
    return `2.0.0 accepted as request ${request.id}`;
  } catch (err) {
    if (!isCtiError(err)) throw err;
    // The core names the extension it refused; when the mail gave it, name the field too.
    const field = err.message.startsWith('scenario: ') ? 'CTI-' : info.source && err.message.includes(info.source) ? 'CTI-Source: ' : '';
    const message = field === 'CTI-' ? err.message.replace(/^scenario/, 'Scenario') : err.message;
    if (err.code === 'invalid-argument') throw new MailRefusal(554, `5.6.0 ${field}${message}`);
    if (err.code === 'permission-denied') throw new MailRefusal(550, `5.7.1 ${field}${err.message}`);
    if (err.code === 'unavailable' || err.code === 'resource-exhausted') throw new MailRefusal(451, `4.3.0 ${err.message}; try again later`);
    throw new MailRefusal(554, `5.0.0 ${err.message}`);
  }
}
