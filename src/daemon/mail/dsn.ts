// Bounces (RFC 3464 delivery status notifications): when mail ctid took
// cannot be carried out after all (a relay that failed for good or for too
// long, a request refused when its time came or when it was opened), its
// sender finds a DSN in their own mailbox saying which recipient, why (the
// field, where one is to blame), and the headers of the mail that failed.

import { randomBytes } from 'node:crypto';

export interface Bounce {
  /** The office's mail domain (the reporting MTA). */
  domain: string;
  /** The sender's address: the DSN goes to them. */
  to: string;
  /** The recipient whose delivery failed. */
  recipient: string;
  /** Enhanced status code, e.g. `5.4.7` (gave up) or `5.6.0` (a bad field). */
  status: string;
  /** Why, in words (the peer's SMTP reply, or the field and what is wrong). */
  diagnostic: string;
  /** The mail that failed: its headers go back with the bounce. */
  original: Buffer;
  /** Epoch ms the office took the mail. */
  arrived?: number;
}

export function bounceMail(b: Bounce): Buffer {
  const boundary = `=_ctid_dsn_${randomBytes(12).toString('hex')}`;
  const text = b.original.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n/g, '\r\n');
  const subject = /^Subject:[ \t]*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  const date = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const lines = [
    `From: Mail Delivery System <mailer-daemon@${b.domain}>`,
    `To: ${b.to}`,
    `Subject: Undelivered mail: ${oneLine(subject).slice(0, 200)}`,
    `Date: ${date(Date.now())}`,
    `Message-ID: <dsn.${randomBytes(8).toString('hex')}@${b.domain}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Your mail to ${b.recipient} could not be carried out:`,
    '',
    `  ${oneLine(b.diagnostic)}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${b.domain}`,
    ...(b.arrived ? [`Arrival-Date: ${date(b.arrived)}`] : []),
    '',
    `Final-Recipient: rfc822; ${b.recipient}`,
    'Action: failed',
    `Status: ${b.status}`,
    `Diagnostic-Code: smtp; ${oneLine(b.diagnostic)}`,
    `Last-Attempt-Date: ${date(Date.now())}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
