// FastAGI's wire format (Asterisk's AGI over TCP, res_agi): Asterisk dials
// the AGI server and sends the channel's environment, `agi_KEY: value`
// lines ended by an empty line; then the server sends commands, one line
// each (`EXEC Dial Local/2005@internal`, `GET VARIABLE DIALSTATUS`), and
// Asterisk answers each with one line: `200 result=N [(data)] [endpos=N]`,
// `510 Invalid or unknown command`, `511 Command Not Permitted on a dead
// channel or intercept routine`, `520 ...` (usage). When the channel hangs
// up, Asterisk says `HANGUP` once, between answers. Lines end with LF.
// Bytes in, lines out: no sockets here, so ctid's FastAGI server and the
// simulator's dialplan both use it and it is tested alone.

export class AgiProtocolError extends Error {
  override readonly name = 'AgiProtocolError';
}

/** The longest line either side accepts by default (Asterisk's own AGI buffer is 2 KiB per command). */
export const MAX_AGI_LINE_BYTES = 8192;

/** Splits a byte stream into lines (LF, an optional CR before it dropped); a line over the cap throws. */
export class AgiLineReader {
  private buffer = '';

  constructor(private readonly maxLineBytes = MAX_AGI_LINE_BYTES) {}

  push(chunk: Buffer | string): string[] {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines: string[] = [];
    for (;;) {
      const at = this.buffer.indexOf('\n');
      if (at < 0) break;
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 1);
      if (Buffer.byteLength(line) > this.maxLineBytes) throw new AgiProtocolError(`a line of ${Buffer.byteLength(line)} bytes is over ${this.maxLineBytes}`);
      lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    if (Buffer.byteLength(this.buffer) > this.maxLineBytes) throw new AgiProtocolError(`a line longer than ${this.maxLineBytes} bytes`);
    return lines;
  }
}

/** One `agi_KEY: value` line of the environment, as [KEY, value]; throws on anything else. */
export function parseEnvLine(line: string): [string, string] {
  const match = /^agi_([a-z0-9_]+):(?: (.*))?$/i.exec(line);
  if (!match) throw new AgiProtocolError(`not an "agi_KEY: value" line: ${JSON.stringify(line.slice(0, 80))}`);
  return [match[1]!.toLowerCase(), match[2] ?? ''];
}

/** The environment as lines (ending with the empty line); a value with a line break throws RangeError. */
export function formatEnv(env: Record<string, string>): string {
  let text = '';
  for (const [key, value] of Object.entries(env)) {
    if (!/^[a-z0-9_]+$/i.test(key) || /[\r\n]/.test(value)) throw new RangeError(`AGI variable ${JSON.stringify(key)} cannot carry ${JSON.stringify(value)}`);
    text += `agi_${key}: ${value}\n`;
  }
  return `${text}\n`;
}

/** Asterisk's answer to one command. */
export interface AgiReply {
  /** 200 done; 510 unknown command; 511 the channel is dead; 520 usage. */
  code: number;
  /** `result=N` (200 only). */
  result: number | undefined;
  /** The `(data)` after the result, e.g. a variable's value. */
  data: string | undefined;
}

/** Parses an answer line; throws on anything that is not one. */
export function parseReply(line: string): AgiReply {
  const match = /^(\d{3})(?:[ -](.*))?$/.exec(line);
  if (!match) throw new AgiProtocolError(`not an AGI answer: ${JSON.stringify(line.slice(0, 80))}`);
  const code = Number(match[1]);
  const rest = match[2] ?? '';
  const result = /^result=(-?\d+)/.exec(rest);
  const data = /^result=-?\d+ \((.*)\)(?: endpos=\d+)?$/.exec(rest);
  if (code === 200 && !result) throw new AgiProtocolError(`a 200 answer without result=N: ${JSON.stringify(line.slice(0, 80))}`);
  return { code, result: result ? Number(result[1]) : undefined, data: data?.[1] };
}

export function formatReply(reply: AgiReply): string {
  if (reply.code !== 200) return `${reply.code} ${REPLY_TEXT[reply.code] ?? 'Error'}\n`;
  return `200 result=${reply.result ?? 0}${reply.data !== undefined ? ` (${reply.data})` : ''}\n`;
}

const REPLY_TEXT: Record<number, string> = {
  510: 'Invalid or unknown command',
  511: 'Command Not Permitted on a dead channel or intercept routine',
  520: 'Invalid command syntax.  Proper usage not available.',
};

/** A command line from its words: a word with a space, a quote or nothing in it is quoted, as res_agi parses. */
export function formatCommand(words: string[]): string {
  const quoted = words.map((w) => {
    if (/[\r\n]/.test(w)) throw new RangeError(`an AGI command cannot carry a line break: ${JSON.stringify(w)}`);
    return w === '' || /[\s"\\]/.test(w) ? `"${w.replace(/(["\\])/g, '\\$1')}"` : w;
  });
  return `${quoted.join(' ')}\n`;
}

/** A command line's words (res_agi's parse_args: whitespace apart, "double quotes" and \ escapes). */
export function parseCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quoted) throw new AgiProtocolError(`an unclosed quote: ${JSON.stringify(line.slice(0, 80))}`);
  if (inWord) words.push(word);
  return words;
}
