// Consent prompts as their answerers see them (FIG. 49-51): a view of the
// requests that wait for consent, for the users who own the extension. A
// prompt is not stored apart from its request: it is open while its request
// is `waiting-consent` and unanswered, and closed (with why) after.

import type { Principal, Unsubscribe } from './api.js';
import { CtiError } from './errors.js';
import type { RequestRegistry } from './registry.js';
import { isFinal, type RequestRecord } from './request.js';

export type PromptState = 'open' | 'accepted' | 'rejected' | 'expired' | 'withdrawn';

export interface Prompt {
  /** The request's id: `cti accept ID` answers it. */
  id: string;
  kind: 'join' | 'barge-in';
  extension: string;
  /** Who asks, in words. */
  from: string;
  /** The other parties of the target's call. */
  call: string[];
  /** What the answerer may choose. */
  options: string[];
  /** Epoch ms. */
  expires: number;
  state: PromptState;
}

export function promptOf(r: RequestRecord): Prompt | undefined {
  if (!r.prompt || (r.kind !== 'join' && r.kind !== 'barge-in')) return undefined;
  const { extension, from, call, expires, answer } = r.prompt;
  const state: PromptState = answer
    ? answer.accept
      ? 'accepted'
      : 'rejected'
    : r.state === 'waiting-consent'
      ? 'open'
      : isFinal(r) && r.reason === 'rejected'
        ? 'expired'
        : 'withdrawn';
  return { id: r.id, kind: r.kind, extension, from, call, options: ['accept', 'reject'], expires, state };
}

/** An admin owns every extension of its office (the prompt's extension is always this office's). */
export function mayAnswer(principal: Principal, prompt: Prompt): boolean {
  return principal.admin || principal.extensions.includes(prompt.extension);
}

/** The open prompts a user may answer, oldest first. */
export function openPrompts(registry: RequestRegistry, principal: Principal): Prompt[] {
  const open: Prompt[] = [];
  for (const r of registry.pendingRecords()) {
    const p = r.state === 'waiting-consent' ? promptOf(r) : undefined;
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

/** Records the answer durably; the caller wakes the request's runner. */
export async function answerPrompt(registry: RequestRegistry, principal: Principal, id: string, accept: boolean, now: number): Promise<Prompt> {
  const record = registry.get(id);
  const prompt = record && promptOf(record);
  if (!record || !prompt) throw new CtiError('not-found', `no prompt ${id}`);
  if (!mayAnswer(principal, prompt)) {
    throw new CtiError('permission-denied', `prompt ${id} is for extension ${prompt.extension}, which is not yours`, 'not-allowed');
  }
  if (prompt.state !== 'open') throw new CtiError('failed-precondition', `prompt ${id} is ${prompt.state} already`);
  await registry.update(record, {
    fields: { prompt: { ...record.prompt!, answer: { accept, by: principal.name, at: now } } },
    note: `${accept ? 'accepted' : 'rejected'} by ${principal.name}`,
  });
  return promptOf(record)!;
}
