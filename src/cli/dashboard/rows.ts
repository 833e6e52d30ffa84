// One line of text per item, as the panes show them: the state in words and
// a symbol, never colour alone (colour is a hint on top, and NO_COLOR drops
// it). Pure functions of the item and the time, so they are tested without
// a terminal.

import type { Peer, Prompt, Request, Transfer } from '../../gen/cti/v1/cti.js';
import { formatDuration } from '../../common/duration.js';
import { FINAL_STATES } from '../format.js';
import type { LineView } from './model.js';

export type Tone = 'good' | 'bad' | 'busy' | 'quiet' | 'plain';

const STATE_SYMBOL: Record<string, string> = {
  succeeded: '✓',
  failed: '✗',
  cancelled: '○',
  calling: '☎',
  'waiting-consent': '?',
  watching: '…',
  accepted: '…',
};

export function requestTone(r: Request): Tone {
  if (r.state === 'succeeded') return 'good';
  if (r.state === 'failed') return 'bad';
  if (r.state === 'cancelled') return 'quiet';
  return r.state === 'calling' ? 'busy' : 'plain';
}

/** `✓ succeeded  camp-on 2000 from 2001  2000 answered` / `… watching  camp-on 2000 from 2001  12m left`. */
export function requestLine(r: Request, now: number): string {
  const what = `${r.kind} ${r.destination} from ${r.source}`;
  let how: string;
  if (FINAL_STATES.has(r.state)) how = [r.reason, r.message].filter(Boolean).join(': ');
  else {
    const left = Date.parse(r.deadline) - now;
    how = [r.ringing ? `ringing ${r.ringing}` : '', Number.isFinite(left) ? `${formatDuration(Math.max(0, left))} left` : ''].filter(Boolean).join(', ');
  }
  return `${STATE_SYMBOL[r.state] ?? '·'} ${r.state.padEnd(15)} ${what.padEnd(30)} ${how}`.trimEnd();
}

const LINE_SYMBOL: Record<string, string> = { idle: '·', ringing: '☎', busy: '●', held: '‖', 'out-of-service': '✗', unknown: '?' };

export function lineTone(l: LineView): Tone {
  return l.state === 'idle' ? 'plain' : l.state === 'out-of-service' ? 'bad' : l.state === 'unknown' ? 'quiet' : 'busy';
}

/** `● 2001  busy  2m 10s`. */
export function lineLine(l: LineView, now: number): string {
  const since = l.since > 0 ? formatDuration(Math.max(0, now - l.since)) : '';
  return `${LINE_SYMBOL[l.state] ?? '·'} ${l.device.padEnd(8)} ${l.state.padEnd(14)} ${since}`.trimEnd();
}

/** `? join 2001 from alice (2002) — in a call with 2003 — 24s left` (a transfer: its choices). */
export function promptLine(p: Prompt, now: number): string {
  const call = p.call.length > 0 ? ` — in a call with ${p.call.join(', ')}` : '';
  const left = formatDuration(Math.max(0, Date.parse(p.expires) - now));
  const choices =
    p.kind === 'transfer'
      ? ` — a: to ${p.options[0] ?? '?'}, r: refuse (cti accept ${p.id} --to N | --here)`
      : p.kind === 'text'
        ? ' — a: read'
        : ' — a: accept, r: reject';
  const what = p.kind === 'text' ? ` “${(p.text ?? '').replace(/\s+/g, ' ').slice(0, 60)}”` : p.kind === 'connect' ? ' (connect now?)' : '';
  return `? ${p.kind} ${p.extension} from ${p.from}${what}${call} — ${left} left${choices}`;
}

/** `2001 → 2005 → 2006 (confirm)`. */
export function transferLine(t: Transfer): string {
  return `${t.extension} → ${t.destinations.map((d) => d.number).join(' → ')}${t.mode === 'confirm' ? ' (confirm)' : ''}  set by ${t.setBy}`;
}

export function peerTone(p: Peer): Tone {
  return p.health === 'serving' ? 'good' : p.health === 'unknown' ? 'quiet' : 'bad';
}

/** `b serving` / `c unreachable`. */
export function peerWord(p: Peer): string {
  return `${p.health === 'serving' ? '✓' : p.health === 'unknown' ? '?' : '✗'} ${p.office} ${p.health}`;
}
