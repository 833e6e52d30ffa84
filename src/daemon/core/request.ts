// A request is a resource: an id, a kind, its fields (the source text's
// FIG. 7 camp-on request information and FIG. 17 telephone connection request
// information), a state history and a final result. These are the words of
// interfaces.md; they travel unchanged to clients.

import type { JoinedCall } from './ports.js';
import type { TransferDestination } from './transfers.js';

/**
 * call and camp-on (MISSION.md 1); join (additional connection, 3) and
 * barge-in (interruptive connection, 4); transfer (5): a call to an extension
 * with a transfer entry, carried through the voice board. Users submit the
 * first four; the office makes a transfer record per routed call.
 */
export type RequestKind = 'call' | 'camp-on' | 'join' | 'barge-in' | 'transfer';

/** A name shown to other people (`--as`, a prompt's "who asks"): 1-64 printable characters. */
export const isDisplayName = (text: string): boolean => text.length > 0 && text.length <= 64 && !/\p{Cc}/u.test(text);

export const isJoinKind = (kind: RequestKind): kind is 'join' | 'barge-in' => kind === 'join' || kind === 'barge-in';

/**
 * A consent prompt (FIG. 49-51): the owner of `extension` is asked whether a
 * join or barge-in may go ahead. It lives in its request's record, so it
 * survives a restart with it.
 */
export interface ConsentPrompt {
  /** The extension whose call would be joined (for a scenario: the recipient's phone): its owners (and admins) answer. */
  extension: string;
  /** A scenario's prompt: `text` shows a text part (acknowledged with accept), `connect` asks "connect now?". */
  scenario?: 'text' | 'connect';
  /** What a `text` prompt shows. */
  text?: string;
  /** A scenario's prompt: the step that asks (ScenarioRun.next then). */
  step?: number;
  /** Who asks, in words ("alice (2001)"). */
  from: string;
  /** The other parties of the call, when the prompt went out. */
  call: string[];
  /** Epoch ms: no answer by then counts as a rejection (for a transfer: the office's default). */
  expires: number;
  answer?: PromptAnswer;
}

export interface PromptAnswer {
  accept: boolean;
  by: string;
  at: number;
  /** Transfer prompts: the destination chosen (1-based), or `here` to ring the extension. */
  to?: number | 'here';
}

/** A transfer record's call (FIG. 56): where it may go, tried in order. */
export interface TransferCall {
  /** The entry's destinations when the call came. */
  to: TransferDestination[];
  /** The owner is asked first (`--confirm`). */
  confirm: boolean;
  /** Index into `to` of the destination being (or next to be) tried. */
  next: number;
}

/**
 * One thing a scenario step does (FIG. 41-43), with what it needs already
 * resolved: `part` names the mail's part in the mail's words (`voice 1`),
 * `media` is the name the voice board plays or faxes, `text` what is shown.
 */
export type ScenarioAction =
  | { do: 'play'; part: string; media: string }
  | { do: 'fax'; part: string; media: string }
  | { do: 'show'; part: string; text: string }
  | { do: 'ask' }
  | { do: 'connect' };

/**
 * A request's scenario (FIG. 36, 41-43): steps run in order, the actions of
 * a step at once. `outcomes[i]` holds what each action of step i did, in
 * words, once the step is over; `next` is the step being (or next to be)
 * run. A `connect` step, always the last, is the camp-on of the core.
 */
export interface ScenarioRun {
  steps: ScenarioAction[][];
  next: number;
  outcomes: string[][];
}

/** interfaces.md request states; the last three are final. */
export type RequestState = 'accepted' | 'watching' | 'waiting-consent' | 'calling' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATES: ReadonlySet<RequestState> = new Set(['succeeded', 'failed', 'cancelled']);

/** interfaces.md failure reasons. */
export type FailureReason =
  | 'timeout'
  | 'cancelled'
  | 'busy'
  | 'no-answer'
  | 'requester-no-answer'
  | 'rejected'
  | 'not-in-call'
  | 'call-ended'
  | 'no-free-port'
  | 'invalid-number'
  | 'unroutable'
  | 'barred'
  | 'limit'
  | 'not-allowed'
  | 'peer-unavailable'
  | 'loop'
  | 'switch-unavailable'
  | 'internal';

export type Strategy = 'watch' | 'retry';
export type NetworkType = 'station' | 'toll' | 'public';

export interface StateChange {
  state: RequestState;
  /** Epoch ms (wall clock). */
  at: number;
  detail?: string;
}

export interface RequestRecord {
  id: string;
  kind: RequestKind;
  /** The user who asked. */
  requester: string;
  /** The number as the user gave it. */
  destination: string;
  /** What the switch dials: an extension, or national digits. */
  dial: string;
  /** The requester's extension: the switch rings it. */
  source: string;
  network: NetworkType;
  /** `call` only: camp on if the first attempt fails (FIG. 17 retrieval). */
  campOn: boolean;
  strategy: Strategy;
  retryEveryMs: number;
  /** Ring the requester first instead of the destination first. */
  recallFirst: boolean;
  state: RequestState;
  reason?: FailureReason;
  message?: string;
  /** Which party is ringing now. */
  ringing?: string;
  createdAt: number;
  /** Absolute end of the window (epoch ms): timers are re-armed from it after a restart. */
  deadline: number;
  endedAt?: number;
  /** Two-point connections placed so far. */
  attempts: number;
  history: StateChange[];
  idempotencyKey?: string;
  /** The office that owns the destination, when it is not this one (federation). */
  office?: string;
  /** Across offices: `remote` = that office places the call (FIG. 13-14), `local` = this one (FIG. 15-16). */
  place?: 'remote' | 'local';
  /** For a request another office forwarded here: that office. Only it may read or cancel it. */
  origin?: string;
  /** Offices the request passed through before this one (loop guard). */
  via?: string[];
  /** The requester's external number, for an owner in another office to call back (national digits). */
  sourceExternal?: string;
  /** A forwarded request cancelled here whose owner has not confirmed the cancel yet. */
  peerCancel?: 'pending';
  /** join / barge-in: the name shown to the target (`--as`); default the requester's. */
  display?: string;
  /** join / barge-in: the consent prompt, once it went out. */
  prompt?: ConsentPrompt;
  /** join / barge-in / transfer: what the voice-board ports hold at the switch, from the first step until it is undone. */
  joined?: JoinedCall;
  /** transfer: the routed call's destinations and progress. */
  transfer?: TransferCall;
  /** call by mail: the scenario run before (or instead of) the connection. */
  scenario?: ScenarioRun;
}

export function isFinal(record: Pick<RequestRecord, 'state'>): boolean {
  return FINAL_STATES.has(record.state);
}
