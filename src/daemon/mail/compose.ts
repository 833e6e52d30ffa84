// The MIME shape of a mail ctid writes itself (`cti mail send`): header
// lines, a UTF-8 text, and attachments as base64 parts of multipart/mixed
// (RFC 2045-2046), the way a mail client would send them.

import { randomBytes } from 'node:crypto';

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** `head`: complete header lines (From, To, Subject, ...), without the MIME ones. */
export function composeMail(head: string[], text: string, attachments: readonly Attachment[]): Buffer {
  const textHeaders = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'];
  const body = text.replace(/\r?\n/g, '\r\n');
  if (attachments.length === 0) return Buffer.from([...head, 'MIME-Version: 1.0', ...textHeaders, '', body, ''].join('\r\n'), 'utf8');
  const boundary = `=_ctid_${randomBytes(12).toString('hex')}`;
  const lines = [...head, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...textHeaders, '', body];
  for (const a of attachments) {
    const name = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
    lines.push(
      `--${boundary}`,
      `Content-Type: ${a.contentType}; name="${name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      ...(a.content.toString('base64').match(/.{1,76}/g) ?? []),
    );
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
