// How requests and line states read: sentences for people, and the
// interfaces.md JSON line shapes for scripts (`--json` may gain fields, never
// lose them). Pure functions of the proto messages and the time now.

import { formatDuration } from '../common/duration.js';
import type { LineUpdate, Prompt, Request, StateChange } from '../gen/cti/v1/cti.js';
import type { Style } from './output.js';

export const FINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

function timeLeft(request: Request, now: number): string {
  const deadline = Date.parse(request.deadline);
  return Number.isNaN(deadline) ? '' : ` — ${formatDuration(deadline - now)} left`;
}

/** One progress line: "watching 2000 (line busy) — 4m12s left", "calling: ringing 2000". */
export function progressText(request: Request, change: StateChange, now: number, style: Style): string {
  const detail = change.detail ? ` (${change.detail})` : '';
  switch (change.state) {
    case 'accepted':
      return `${style.dim('accepted')}: ${request.kind} ${request.destination} from ${request.source} (id ${request.id})`;
    case 'watching':
      return `${style.warn('watching')} ${request.destination}${detail}${timeLeft(request, now)}`;
    case 'waiting-consent':
      return `${style.warn('waiting')} for ${request.destination}'s consent${detail}`;
    case 'calling':
      return `${style.warn('calling')}: ${change.detail || `ringing ${request.ringing || request.destination}`}`;
    default:
      return `${style.warn(change.state)}${detail}${timeLeft(request, now)}`;
  }
}

/** The final line: "succeeded", "failed: busy — the line stayed busy until the window ended". */
export function resultText(request: Request, style: Style): string {
  const word = request.state === 'succeeded' ? style.ok(request.state) : style.bad(request.state);
  const reason = request.reason && request.reason !== request.state ? `: ${request.reason}` : '';
  return `${word}${reason}${request.message ? ` — ${request.message}` : ''}`;
}

/**
 * `{"type":"progress","id","state","at",...}` (interfaces.md): one per state
 * change, with what belongs to that change (not the request's current
 * ringing / attempts, which a re-attach would misdate).
 */
export function progressObject(request: Request, change: StateChange): object {
  return { type: 'progress', id: request.id, state: change.state, at: change.at, detail: change.detail, deadline: request.deadline };
}

/** `{"type":"result","id","state","reason","message"}` (interfaces.md); `at` added. */
export function resultObject(request: Request): object {
  return { type: 'result', id: request.id, state: request.state, reason: request.reason, message: request.message, at: request.endedAt };
}

/** A listing item: the whole request, tagged like every other line. */
export function requestObject(request: Request): object {
  return { type: 'request', ...request };
}

/** One row of `cti requests`: id, state, what, and the result or time left. */
export function requestRow(request: Request, now: number): string {
  const what = `${request.kind} ${request.destination} from ${request.source}`;
  const how = FINAL_STATES.has(request.state) ? (request.reason || request.message) : timeLeft(request, now).replace(/^ — /, '');
  return [request.id, request.state.padEnd(15), what.padEnd(32), how].join('  ').trimEnd();
}

export function lineText(update: LineUpdate): string {
  return `${update.at}  ${update.device}  ${update.state}`;
}

export function lineObject(update: LineUpdate): object {
  return { type: 'line', ...update };
}

/** Rows of cells as aligned columns for people: the first row is the header; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** `{"type":"prompt","id","kind","extension","from","options","expires",...}` (interfaces.md). */
export function promptObject(prompt: Prompt): object {
  const { text, ...rest } = prompt;
  return { type: 'prompt', ...rest, ...(text ? { text } : {}) };
}

/** A prompt for people: "a-3f9c…  join 2000 from alice (2001), in a call with 2002 — 25s left"; a closed one says how it closed. */
export function promptText(prompt: Prompt, now: number): string {
  const call = prompt.call.length > 0 ? `, in a call with ${prompt.call.join(', ')}` : '';
  const when = prompt.state === 'open' ? `${formatDuration(Math.max(0, Date.parse(prompt.expires) - now))} left` : prompt.state;
  return `${prompt.id}  ${prompt.kind} ${prompt.extension} from ${prompt.from}${call} — ${when}${prompt.kind === 'transfer' ? transferChoices(prompt) : ''}${shown(prompt)}`;
}

/** A text prompt's text, indented under its line ("connect now?" for a connect prompt). */
function shown(prompt: Prompt): string {
  if (prompt.kind === 'connect') return '\n    connect now?';
  if (prompt.kind !== 'text' || !prompt.text) return '';
  return `\n${prompt.text
    .split(/\r?\n/)
    .map((line) => `    ${line}`)
    .join('\n')}`;
}

/** `; --to 1 (2005), --to 2 (2006), --here or reject`: how to answer a transfer prompt. */
function transferChoices(prompt: Prompt): string {
  const destinations = prompt.options.filter((o) => o !== 'here' && o !== 'reject').map((number, i) => `--to ${i + 1} (${number})`);
  return `; ${[...destinations, '--here'].join(', ')} or reject`;
}
