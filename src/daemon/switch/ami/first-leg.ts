// What Asterisk's answer about the phone an `Originate` rings first means in
// the services' terms (ports.ts CallFailure): its OriginateResponse
// `Reason`, and that leg's `DialEnd` DialStatus. One mapping for every
// Originate ctid sends: two-point calls (ami-call.ts), and the application
// calls that play a message or send a FAX (ami-app-call.ts).

import type { CallFailure } from '../../core/ports.js';
import { busyFor, noAnswerFor, type Role } from '../roles.js';

export interface LegFailure {
  reason: CallFailure;
  detail: string;
}

/** OriginateResponse `Reason` (Asterisk's AST_CONTROL codes). */
const REASON_BUSY = '5';
const REASON_NO_ANSWER = '3';
const REASON_HUNG_UP = '1';

/** A party the switch cannot ring at all: a wrong destination, or a requester's phone that is not there. */
export const unreachableFor = (role: Role): CallFailure => (role === 'destination' ? 'invalid-number' : 'requester-busy');

/** An OriginateResponse with `Response: Failure`. */
export function originateFailure(reason: string | undefined, party: string, role: Role): LegFailure {
  if (reason === REASON_BUSY) return { reason: busyFor(role), detail: `${party} is busy` };
  if (reason === REASON_NO_ANSWER || reason === REASON_HUNG_UP) return { reason: noAnswerFor(role), detail: `${party} did not answer` };
  return { reason: unreachableFor(role), detail: `the switch could not ring ${party} (OriginateResponse reason ${reason ?? '?'})` };
}

/** The first leg's DialEnd: undefined for ANSWER, else why the phone was not reached. */
export function firstLegFailure(status: string | undefined, party: string, role: Role): LegFailure | undefined {
  if (status === 'ANSWER') return undefined;
  if (status === 'BUSY') return { reason: busyFor(role), detail: `${party} is busy` };
  if (status === 'NOANSWER' || status === 'CANCEL') return { reason: noAnswerFor(role), detail: `${party} did not answer` };
  return { reason: unreachableFor(role), detail: `the switch could not ring ${party} (${status ?? '?'})` };
}
