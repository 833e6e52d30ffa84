// Consent prompts as their answerers see them (FIG. 49-51): a view of the
// requests that wait for consent, for the users who own the extension. A
// prompt is not stored apart from its request: it is open while its request
// is `waiting-consent` and unanswered, and closed (with why) after. A join or
// barge-in prompt is accepted or rejected; a transfer prompt (`--confirm`,
// FIG. 57) is accepted with a destination (1-based, default the first) or
// `here`, or rejected (the call is refused). A scenario's prompts (FIG. 36,
// 42) reach the recipient of a request by mail: `connect` asks "connect
// now?", `text` shows a text part (accept = read); they are open while their
// step runs.

import type { Principal, Unsubscribe } from './api.js';
import { CtiError } from './errors.js';
import type { RequestRegistry } from './registry.js';
import { isFinal, type PromptAnswer, type RequestRecord } from './request.js';

export type PromptState = 'open' | 'accepted' | 'rejected' | 'expired' | 'withdrawn';

export interface Prompt {
  /** The request's id: `cti accept ID` answers it. */
  id: string;
  kind: 'join' | 'barge-in' | 'transfer' | 'connect' | 'text';
  extension: string;
  /** A `text` prompt's text. */
  text?: string;
  /** Who asks, in words (for a transfer: the caller). */
  from: string;
  /** The other parties of the target's call (none for a transfer). */
  call: string[];
  /** What the answerer may choose. */
  options: string[];
  /** Epoch ms. */
  expires: number;
  state: PromptState;
}

export function promptOf(r: RequestRecord): Prompt | undefined {
  if (r.prompt?.scenario) return scenarioPrompt(r);
  if (!r.prompt || (r.kind !== 'join' && r.kind !== 'barge-in' && r.kind !== 'transfer')) return undefined;
  const { extension, from, call, expires, answer } = r.prompt;
  const unanswered = (): PromptState => {
    if (r.state === 'waiting-consent') return 'open';
    // A transfer goes on without an answer (the office's default); a join's unanswered prompt is a rejection.
    const expired = r.kind === 'transfer' ? r.reason !== 'call-ended' && r.state !== 'cancelled' : isFinal(r) && r.reason === 'rejected';
    return expired ? 'expired' : 'withdrawn';
  };
  const state: PromptState = answer ? (answer.accept ? 'accepted' : 'rejected') : unanswered();
  const options = r.kind === 'transfer' ? [...(r.transfer?.to ?? []).map((d) => d.number), 'here', 'reject'] : ['accept', 'reject'];
  return { id: r.id, kind: r.kind, extension, from, call, options, expires, state };
}

/** A scenario's prompt: open while its step runs; past it, unanswered means expired (or withdrawn, when the request was cancelled). */
function scenarioPrompt(r: RequestRecord): Prompt {
  const { extension, from, call, expires, answer, scenario, step, text } = r.prompt!;
  const running = !isFinal(r) && r.scenario?.next === step;
  const unanswered: PromptState = running ? 'open' : r.state === 'cancelled' ? 'withdrawn' : 'expired';
  const state: PromptState = answer ? (answer.accept ? 'accepted' : 'rejected') : unanswered;
  const options = scenario === 'text' ? ['ok'] : ['accept', 'reject'];
  return { id: r.id, kind: scenario!, extension, from, call, options, expires, state, ...(text !== undefined ? { text } : {}) };
}

/** An admin owns every extension of its office (the prompt's extension is always this office's). */
export function mayAnswer(principal: Principal, prompt: Prompt): boolean {
  return principal.admin || principal.extensions.includes(prompt.extension);
}

/** The open prompts a user may answer, oldest first. */
export function openPrompts(registry: RequestRegistry, principal: Principal): Prompt[] {
  const open: Prompt[] = [];
  for (const r of registry.pendingRecords()) {
    const p = r.state === 'waiting-consent' || r.prompt?.scenario ? promptOf(r) : undefined;
    if (p?.state === 'open' && mayAnswer(principal, p)) open.push(p);
  }
  return open.sort((a, b) => a.expires - b.expires);
}

/**
 * The open prompts first (initial = true), then each prompt that opens and
 * each open one that closes (once, with its final state).
 */
export function watchPrompts(registry: RequestRegistry, principal: Principal, onUpdate: (p: Prompt, initial: boolean) => void): Unsubscribe {
  const shown = new Set<string>();
  const unsubscribe = registry.subscribe((r) => {
    const p = promptOf(r);
    if (!p || !mayAnswer(principal, p)) return;
    if (p.state === 'open' && !shown.has(p.id)) {
      shown.add(p.id);
      onUpdate(p, false);
    } else if (p.state !== 'open' && shown.delete(p.id)) {
      onUpdate(p, false);
    }
  });
  for (const p of openPrompts(registry, principal)) {
    shown.add(p.id);
    onUpdate(p, true);
  }
  return unsubscribe;
}

/** What `cti accept` / `cti reject` say: for a transfer prompt, accept may pick a destination or `here`. */
export interface PromptReply {
  accept: boolean;
  /** 1-based destination of a transfer prompt. */
  to?: number;
  here?: boolean;
}

/** Records the answer durably; the caller wakes the request's runner. */
export async function answerPrompt(registry: RequestRegistry, principal: Principal, id: string, reply: PromptReply, now: number): Promise<Prompt> {
  const record = registry.get(id);
  const prompt = record && promptOf(record);
  if (!record || !prompt) throw new CtiError('not-found', `no prompt ${id}`);
  if (!mayAnswer(principal, prompt)) {
    throw new CtiError('permission-denied', `prompt ${id} is for extension ${prompt.extension}, which is not yours`, 'not-allowed');
  }
  if (prompt.state !== 'open') throw new CtiError('failed-precondition', `prompt ${id} is ${prompt.state} already`);
  const answer: PromptAnswer = { accept: reply.accept, by: principal.name, at: now, ...choiceOf(record, reply) };
  const words = answer.to === undefined ? '' : answer.to === 'here' ? ': ring here' : `: to ${record.transfer!.to[answer.to - 1]!.number}`;
  await registry.update(record, {
    fields: { prompt: { ...record.prompt!, answer } },
    note: `${reply.accept ? 'accepted' : 'rejected'} by ${principal.name}${words}`,
  });
  return promptOf(record)!;
}

/** A transfer prompt's choice (default: the first destination); a join prompt takes none. */
function choiceOf(record: RequestRecord, reply: PromptReply): Pick<PromptAnswer, 'to'> {
  const chose = reply.to !== undefined || reply.here === true;
  if (record.kind !== 'transfer') {
    if (chose) throw new CtiError('invalid-argument', `--to and --here answer transfer prompts; ${record.id} is a ${record.kind} prompt`);
    return {};
  }
  if (!reply.accept) {
    if (chose) throw new CtiError('invalid-argument', '--to and --here go with accept, not reject');
    return {};
  }
  if (reply.to !== undefined && reply.here) throw new CtiError('invalid-argument', 'give --to N or --here, not both');
  if (reply.here) return { to: 'here' };
  const count = record.transfer?.to.length ?? 0;
  const to = reply.to ?? 1;
  if (!Number.isInteger(to) || to < 1 || to > count) throw new CtiError('invalid-argument', `--to must be 1 to ${count} (the prompt's destinations, in order)`);
  return { to };
}
