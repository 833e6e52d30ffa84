// The headers ctid writes on mail it keeps or passes on (who asked, where
// a waiting mail goes, which office vouched), and the header block of a raw
// mail read and rewritten byte for byte (the body is not ours to
// re-encode). A sender's own copy of any of ctid's headers is dropped, so
// nobody can pose as another requester or pick mailboxes.

/** The authenticated sender, whom the request runs as: a user's name, or `name@domain` as another office vouched for it. */
export const REQUESTER_HEADER = 'X-CTI-Requester';
/** On a mail waiting for its delivery time (on-open): the mailboxes it goes to then. */
export const MAILBOXES_HEADER = 'X-CTI-Deliver-To';
/** On mail relayed from another office: that office (it vouched for the requester). */
export const ORIGIN_HEADER = 'X-CTI-Origin';
/** On relayed mail: the requester's phone as other offices call it (national digits), vouched by the origin. */
export const SOURCE_EXTERNAL_HEADER = 'X-CTI-Source-External';

/** Every header only ctid writes. */
export const CTID_HEADERS = [REQUESTER_HEADER, MAILBOXES_HEADER, ORIGIN_HEADER, SOURCE_EXTERNAL_HEADER] as const;

/** The raw mail split at the end of its header block: the fields (with their folded lines) and the rest. */
function splitHead(raw: Buffer): { fields: string[]; rest: string } {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  return { fields: head.split(/\r?\n(?![ \t])/), rest: end < 0 ? '' : text.slice(end) };
}

/** The raw mail with the named headers set (a value) or removed (undefined); the rest stays byte for byte. */
export function withHeaders(raw: Buffer, headers: Record<string, string | undefined>): Buffer {
  const { fields, rest } = splitHead(raw);
  const names = Object.keys(headers).map((name) => `${name.toLowerCase()}:`);
  const kept = fields.filter((field) => !names.some((name) => field.toLowerCase().startsWith(name)));
  const set = Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [`${name}: ${value}\r\n`]));
  return Buffer.from(`${set.join('')}${kept.join('\r\n')}${rest}`, 'latin1');
}

/** The raw mail with ctid's headers as given, and none of the sender's. */
export function withCtidHeaders(raw: Buffer, headers: Partial<Record<(typeof CTID_HEADERS)[number], string>>): Buffer {
  return withHeaders(raw, { ...Object.fromEntries(CTID_HEADERS.map((name) => [name, undefined])), ...headers });
}

/** Lower-case header names of a raw mail, unfolded; the first of a name wins. */
export function headersOf(raw: Buffer): Map<string, string> {
  const map = new Map<string, string>();
  for (const field of splitHead(raw).fields) {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).toLowerCase();
    if (colon > 0 && !map.has(name)) map.set(name, field.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return map;
}

/** How many `Received:` fields the mail carries: its hops so far. */
export function hopsOf(raw: Buffer): number {
  return splitHead(raw).fields.filter((field) => /^received:/i.test(field)).length;
}
