// The request inside a mail: the source text's exchange information
// (FIG. 39), as interfaces.md "Requests by mail" writes it: `Key: value`
// lines at the top of the first text/plain part (up to the first blank
// line), or `X-CTI-*` headers, which win where both are given. Keys are
// case-insensitive. Every problem names the field, so the SMTP reply (or
// the bounce) can say which one to fix.

import { parseDuration } from '../../common/duration.js';
import { parseTime } from '../../common/time.js';
import type { NetworkType } from '../core/request.js';
import { scenarioProblem } from '../core/scenario.js';

export type Trigger = 'on-receipt' | 'on-open';

/** One part a scenario step names: `voice 1`, `fax 2`, `text 1`. */
export interface PartRef {
  kind: 'voice' | 'fax' | 'text';
  n: number;
}

/** A scenario step (FIG. 41-43): its actions run at once; steps run in order. */
export type StepAction = { do: 'play'; part: PartRef } | { do: 'fax'; part: PartRef } | { do: 'show'; part: PartRef } | { do: 'ask' } | { do: 'connect' };

export interface ExchangeInfo {
  destination: string;
  source?: string;
  network?: NetworkType;
  trigger: Trigger;
  /** Epoch ms: the time specification (FIG. 37). */
  deliverAt?: number;
  /** The window for camp-on retries (monitor time). */
  monitorMs?: number;
  scenario?: StepAction[][];
  /** The body after the field lines (the mail's `text 1`). */
  text: string;
}

export class ExchangeInfoError extends Error {
  constructor(
    /** The field as the mail writes it, e.g. `CTI-Destination`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const FIELDS = ['destination', 'source', 'network', 'trigger', 'deliver-at', 'monitor', 'scenario'] as const;
type Field = (typeof FIELDS)[number];

const LABEL: Record<Field, string> = {
  destination: 'CTI-Destination',
  source: 'CTI-Source',
  network: 'CTI-Network',
  trigger: 'CTI-Trigger',
  'deliver-at': 'CTI-Deliver-At',
  monitor: 'CTI-Monitor',
  scenario: 'CTI-Scenario',
};

const MAX_VALUE = 512;

/**
 * Reads the exchange information of a mail from its headers (lower-case
 * names, as mail parsers give them) and its first text/plain part.
 */
export function parseExchangeInfo(headers: ReadonlyMap<string, string>, body: string): ExchangeInfo {
  const { fields, rest } = bodyFields(body);
  for (const field of FIELDS) {
    const header = headers.get(`x-cti-${field}`);
    if (header !== undefined) fields.set(field, header.trim());
  }
  for (const [field, value] of fields) {
    if (value.length > MAX_VALUE) throw new ExchangeInfoError(LABEL[field], `at most ${MAX_VALUE} characters`);
  }
  const destination = fields.get('destination');
  if (!destination) throw new ExchangeInfoError(LABEL.destination, 'missing: give the number to connect with, e.g. "CTI-Destination: 2000"');
  if (!/^\+?[0-9 ()\-.]{1,32}$/.test(destination) || !/\d/.test(destination)) throw new ExchangeInfoError(LABEL.destination, `"${destination}" is not a phone number`);
  const info: ExchangeInfo = { destination, trigger: 'on-open', text: rest };
  const source = fields.get('source');
  if (source !== undefined) {
    if (!/^\d{1,8}$/.test(source)) throw new ExchangeInfoError(LABEL.source, `"${source}" is not an extension (digits)`);
    info.source = source;
  }
  const network = fields.get('network');
  if (network !== undefined) {
    if (network !== 'station' && network !== 'toll' && network !== 'public') throw new ExchangeInfoError(LABEL.network, `"${network}" is not station, toll or public`);
    info.network = network;
  }
  const trigger = fields.get('trigger');
  if (trigger !== undefined) {
    if (trigger !== 'on-receipt' && trigger !== 'on-open') throw new ExchangeInfoError(LABEL.trigger, `"${trigger}" is not on-receipt or on-open`);
    info.trigger = trigger;
  }
  const at = fields.get('deliver-at');
  if (at !== undefined) {
    const parsed = parseTime(at);
    if ('error' in parsed) throw new ExchangeInfoError(LABEL['deliver-at'], parsed.error);
    info.deliverAt = parsed.ms;
  }
  const monitor = fields.get('monitor');
  if (monitor !== undefined) {
    const parsed = parseDuration(monitor);
    if ('error' in parsed) throw new ExchangeInfoError(LABEL.monitor, parsed.error);
    info.monitorMs = parsed.ms;
  }
  const scenario = fields.get('scenario');
  if (scenario !== undefined) info.scenario = parseScenario(scenario);
  return info;
}

/** `play voice 1; ask; connect`, `play voice 2 & fax 3; ask; connect`. */
export function parseScenario(text: string): StepAction[][] {
  const steps = text.split(';').map((step) => step.trim());
  if (steps.some((s) => !s)) throw new ExchangeInfoError(LABEL.scenario, 'an empty step (two ";" in a row, or one at the end)');
  const parsed = steps.map((step) =>
    step.split('&').map((part): StepAction => {
      const words = part.trim().toLowerCase().split(/\s+/);
      const ref = (kind: PartRef['kind'], n: string | undefined): PartRef => {
        if (!n || !/^[1-9]\d?$/.test(n)) throw new ExchangeInfoError(LABEL.scenario, `"${part.trim()}" needs a part number, e.g. "${kind} 1"`);
        return { kind, n: Number(n) };
      };
      if (words[0] === 'play' && words[1] === 'voice' && words.length === 3) return { do: 'play', part: ref('voice', words[2]) };
      if (words[0] === 'fax' && words.length === 2) return { do: 'fax', part: ref('fax', words[1]) };
      if (words[0] === 'show' && words[1] === 'text' && words.length === 3) return { do: 'show', part: ref('text', words[2]) };
      if (words.length === 1 && (words[0] === 'ask' || words[0] === 'connect')) return { do: words[0] };
      throw new ExchangeInfoError(LABEL.scenario, `"${part.trim()}" is not a step: play voice N, fax N, show text N, ask or connect`);
    }),
  );
  const problem = scenarioProblem(parsed);
  if (problem) throw new ExchangeInfoError(LABEL.scenario, problem);
  return parsed;
}

/** The `Key: value` lines at the top of the body (CTI-* keys only), and the text after them. */
function bodyFields(body: string): { fields: Map<Field, string>; rest: string } {
  const fields = new Map<Field, string>();
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') break;
    const m = /^\s*CTI-([A-Za-z-]+)\s*:\s*(.*)$/i.exec(line);
    if (!m) break; // the text starts without a blank line: no more fields
    const field = m[1]!.toLowerCase() as Field;
    if (!FIELDS.includes(field)) throw new ExchangeInfoError(`CTI-${m[1]}`, `not a field of a request by mail (${FIELDS.map((f) => LABEL[f]).join(', ')})`);
    fields.set(field, m[2]!.trim());
  }
  const rest = lines
    .slice(i)
    .join('\n')
    .replace(/^\n+/, '');
  return { fields, rest };
}
