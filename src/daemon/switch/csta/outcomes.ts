// How a MakeCall that did not come about reads in the services' terms
// (ports.ts CallFailure), in one place (style.md section 2). The same cause
// means a different reason depending on whose connection it hit: busy for
// the destination is requester-busy for the requester.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { EventCause } from '../../../csta/messages.js';
import type { CallFailure } from '../../core/ports.js';
import { busyFor, noAnswerFor, type Role } from '../roles.js';

export { busyFor, noAnswerFor, type Role } from '../roles.js';

/**
 * A FailedEvent's cause (csta-link.md "How a MakeCall fails") for the party whose connection failed.
 * - busy, doNotDisturb: the party cannot take a call now.
 * - callNotAnswered: it rang past its no-answer limit.
 * - destNotObtainable, blocked: the switch cannot (or may not) reach the number.
 *   For the requester (whose extension is known to exist) this is its line
 *   being unusable, e.g. out of service: requester-busy. An out-of-service
 *   destination reads as invalid-number too: the switch reports both alike.
 * - trunksBusy: no line to the public network free now, a shortage of the
 *   switch's and not a property of the number: switch-unavailable, so the
 *   request may be tried again.
 * - any other cause: the party could not be reached now: busy for its role.
 */
export function failureForCause(cause: EventCause | undefined, role: Role): CallFailure {
  switch (cause) {
    case 'callNotAnswered':
      return noAnswerFor(role);
    case 'destNotObtainable':
    case 'blocked':
      return role === 'destination' ? 'invalid-number' : 'requester-busy';
    case 'trunksBusy':
      return 'switch-unavailable';
    default:
      return busyFor(role);
  }
}

/** ECMA-269 error values that say a device or number does not exist or cannot be dialled. */
const INVALID_NUMBER = new Set(['invalidDeviceID', 'invalidCalledDevice', 'invalidCallingDevice', 'invalidDestination']);

/**
 * A refused MonitorStart or MakeCall on the first party (the calling
 * device). stateIncompatibility (invalidDeviceState): the calling device is
 * busy, do-not-disturb or out of service (csta-link.md). Anything that is
 * not the switch's answer (timeout, link down) is switch-unavailable.
 */
export function failureForError(err: unknown, firstRole: Role): CallFailure {
  if (!isCstaServiceError(err)) return 'switch-unavailable';
  if (INVALID_NUMBER.has(err.value)) return 'invalid-number';
  if (err.category === 'stateIncompatibility') return busyFor(firstRole);
  return 'switch-unavailable';
}
