// The Asterisk Manager Interface's wire format (AMI, as Asterisk 22 speaks
// it): after a banner line (`Asterisk Call Manager/11.0.0`), messages of
// `Key: Value` lines, each message ended by an empty line, CRLF throughout.
// Actions carry `Action:` (and an `ActionID` the answer echoes), answers
// `Response:`, events `Event:`. Keys are matched without regard to case;
// a key may repeat (`Variable:`). Bytes in, messages out: no sockets here,
// so both ctid's AMI link and the simulator's AMI face use it and it is
// tested alone.

/** One AMI message: its fields in the order they came. */
export class AmiMessage {
  constructor(readonly fields: readonly (readonly [string, string])[]) {}

  static of(record: Record<string, string | number | boolean | undefined>): AmiMessage {
    const fields: [string, string][] = [];
    for (const [key, value] of Object.entries(record)) if (value !== undefined) fields.push([key, String(value)]);
    return new AmiMessage(fields);
  }

  /** The first value of `key` (any case), or undefined. */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    return this.fields.find(([name]) => name.toLowerCase() === k)?.[1];
  }

  /** Every value of `key` (any case), in order. */
  all(key: string): string[] {
    const k = key.toLowerCase();
    return this.fields.filter(([name]) => name.toLowerCase() === k).map(([, value]) => value);
  }

  /** `event`, `response` or `action`, by the message's first field. */
  get type(): 'event' | 'response' | 'action' | undefined {
    const first = this.fields[0]?.[0].toLowerCase();
    return first === 'event' || first === 'response' || first === 'action' ? first : undefined;
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.fields);
  }
}

export class AmiProtocolError extends Error {
  override readonly name = 'AmiProtocolError';
}

/** What a banner line starts with. */
export const BANNER_PREFIX = 'Asterisk Call Manager/';

/** The message as bytes; a key or value with CR or LF (which would end a line early) throws RangeError. */
export function encodeAmi(message: AmiMessage | Record<string, string | number | boolean | undefined>): Buffer {
  const m = message instanceof AmiMessage ? message : AmiMessage.of(message);
  let text = '';
  for (const [key, value] of m.fields) {
    if (/[\r\n:]/.test(key) || key === '' || /[\r\n]/.test(value)) throw new RangeError(`AMI field ${JSON.stringify(key)} cannot carry ${JSON.stringify(value)}`);
    text += `${key}: ${value}\r\n`;
  }
  return Buffer.from(`${text}\r\n`, 'utf8');
}

export interface AmiDecoderOptions {
  /** The largest message accepted (bytes). Default 64 KiB. */
  maxMessageBytes?: number;
  /** Expect a banner line first (a client reading a server). Default false. */
  banner?: boolean;
}

/**
 * Splits a byte stream into the banner and messages. A chunk may hold
 * part of a message, or several, or the banner and the first answer
 * together. Throws AmiProtocolError for a message over the limit or a line
 * that is not `Key: Value`.
 */
export class AmiDecoder {
  private buffer = '';
  private awaitingBanner: boolean;
  private readonly max: number;

  constructor(options: AmiDecoderOptions = {}) {
    this.awaitingBanner = options.banner ?? false;
    this.max = options.maxMessageBytes ?? 64 * 1024;
  }

  /** The banner (once, first) and the complete messages in `chunk`. */
  push(chunk: Buffer | string): { banner?: string; messages: AmiMessage[] } {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const out: { banner?: string; messages: AmiMessage[] } = { messages: [] };
    if (this.awaitingBanner) {
      const end = this.buffer.indexOf('\n');
      if (end < 0) return this.guard(out);
      out.banner = this.buffer.slice(0, end).replace(/\r$/, '');
      if (!out.banner.startsWith(BANNER_PREFIX)) throw new AmiProtocolError(`not an AMI server: it greeted with ${JSON.stringify(out.banner.slice(0, 80))}`);
      this.buffer = this.buffer.slice(end + 1);
      this.awaitingBanner = false;
    }
    for (;;) {
      const end = this.buffer.search(/\r?\n\r?\n/);
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(this.buffer.indexOf('\n', this.buffer.indexOf('\n', end) + 1) + 1);
      if (block.trim() === '') continue; // stray empty lines between messages
      out.messages.push(parseBlock(block));
    }
    return this.guard(out);
  }

  private guard<T>(out: T): T {
    if (this.buffer.length > this.max) throw new AmiProtocolError(`an AMI message longer than ${this.max} bytes`);
    return out;
  }
}

function parseBlock(block: string): AmiMessage {
  const fields: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AmiProtocolError(`not a "Key: Value" line: ${JSON.stringify(line.slice(0, 80))}`);
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).replace(/^ /, '').replace(/\s+$/, '')]);
  }
  return new AmiMessage(fields);
}
