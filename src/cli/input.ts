// Input checked at the edge (interfaces.md): DUR, NUMBER, extensions and
// request ids. Each parser is a commander argParser: it throws commander's
// InvalidArgumentError, so a bad value is a usage error (exit 2) with a
// sentence naming the option, before anything reaches ctid.

import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../common/duration.js';
import { parseTime } from '../common/time.js';

/** DUR: `90s`, `5m`, `1h30m`; positive, unit required (src/common/duration.ts holds the rules). */
export function parseDurationMs(text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
  if (!Number.isSafeInteger(parsed.ms)) throw new InvalidArgumentError(`${show(text)} is too long a duration`);
  return parsed.ms;
}

/**
 * NUMBER: an extension or an external number in any usual form (`2000`,
 * `044-222-3333`, `+81 44 222 3333`, `(044) 222.3333`). ctid normalizes it;
 * here only letters, control characters and the like are turned away.
 */
const PHONE_NUMBER = /^\+?[0-9 ()\-.]+$/;
const MAX_NUMBER_LENGTH = 32;

export function parseNumber(text: string): string {
  const number = text.replace(/^ +| +$/g, ''); // blanks from shell quoting; a newline is refused
  if (!PHONE_NUMBER.test(number) || !/[0-9]/.test(number) || number.length > MAX_NUMBER_LENGTH) {
    throw new InvalidArgumentError(`${show(text)} is not a phone number: give digits, optionally with + - ( ) . or spaces, e.g. 2000 or 044-222-3333`);
  }
  return number;
}

/** EXT: an extension of this office, digits only. */
export function parseExtension(text: string): string {
  if (!/^[0-9]{1,16}$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not an extension: give its digits, e.g. 2001`);
  return text;
}

/** PREFIX: the start of national numbers, with the usual formatting (`044-222`); the digits are what ctid stores. */
export function parsePrefix(text: string): string {
  const digits = text.replace(/[ ()\-.]/g, '');
  if (!/^[0-9]{1,20}$/.test(digits)) throw new InvalidArgumentError(`${show(text)} is not a number prefix: give digits, optionally with - ( ) . or spaces, e.g. 044-222`);
  return digits;
}

/** OFFICE: an office id as the config's `peers` names it. */
export function parseOffice(text: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not an office id: lower-case letters, digits and -, e.g. b`);
  return text;
}

/** ID: a request id as ctid printed it. */
export function parseRequestId(text: string): string {
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not a request id (cti requests lists them)`);
  return text;
}

/** N of `cti accept ID --to N`: which destination of a transfer prompt, counting from 1. */
export function parseChoice(text: string): number {
  if (!/^[1-9][0-9]?$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not a destination's position: give 1 for the first, 2 for the second, ...`);
  return Number(text);
}

/** TIME of `cti mail send --at`: ISO 8601 with an offset (kept as written: the mail carries it). */
export function parseTimeText(text: string): string {
  const parsed = parseTime(text);
  if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
  return text;
}

/** ADDRESS of `cti mail send --to`: name@domain. */
export function parseMailAddress(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not a mail address: give name@domain, e.g. carol@a.example`);
  return text;
}

/** DOMAIN of `cti relay`: a mail domain, e.g. b.example. */
export function parseMailDomain(text: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not a mail domain, e.g. b.example`);
  return text.toLowerCase();
}

/** HOST:PORT, e.g. 127.0.0.1:2525. */
export function parseHostPort(text: string): string {
  if (!/^[^\s:]+:\d{1,5}$/.test(text) || Number(text.slice(text.lastIndexOf(':') + 1)) > 65535) throw new InvalidArgumentError(`${show(text)} is not HOST:PORT, e.g. 127.0.0.1:2525`);
  return text;
}

/** ID of `cti mail open`: a mail id as `cti mail list` printed it. */
export function parseMailId(text: string): string {
  if (!/^[a-z0-9]{1,16}-[0-9a-f]{12}$/.test(text)) throw new InvalidArgumentError(`${show(text)} is not a mail id (cti mail list shows them)`);
  return text;
}

/** A name shown to other people (`--as`): 1-64 printable characters. */
export function parseDisplayName(text: string): string {
  const name = text.trim();
  if (name.length === 0 || name.length > 64 || /\p{Cc}/u.test(name)) throw new InvalidArgumentError(`${show(text)} is not a name: 1-64 printable characters`);
  return name;
}

/** The value quoted, with control characters escaped, so the terminal shows what was typed. */
function show(text: string): string {
  return JSON.stringify(text);
}
