// The Asterisk vocabulary the AMI face speaks, in one place: device states
// and hint statuses for the simulator's line states, hangup causes (Q.850, as
// Asterisk's `Cause` / `Cause-txt`), Dial() outcomes (`DialStatus`) and
// Originate outcomes (`Reason`, Asterisk's AST_CONTROL codes).

import type { EventCause } from '../../csta/messages.js';
import type { Device } from '../call.js';
import type { LineState } from '../control.js';

/** Asterisk device states (`DeviceStateChange` State, DeviceStateList's items, which Asterisk sends as DeviceStateChange events with the ActionID). */
export type AmiDeviceState = 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'RINGING' | 'RINGINUSE' | 'ONHOLD' | 'UNAVAILABLE';

/**
 * Line state -> device state, as the CSTA face reports them: `held` (the
 * party someone else put on hold) reads ONHOLD; a do-not-disturb phone stays
 * NOT_INUSE, as a phone-side DND does on a real Asterisk (it only answers
 * INVITEs with 486 Busy Here).
 */
const DEVICE_STATE: Record<LineState, AmiDeviceState> = {
  idle: 'NOT_INUSE',
  ringing: 'RINGING',
  busy: 'INUSE',
  held: 'ONHOLD',
  'out-of-service': 'UNAVAILABLE',
};

export function deviceStateOf(device: Device): AmiDeviceState {
  return DEVICE_STATE[device.lineState];
}

/** Hint status (`ExtensionStatus` / `ExtensionState` Status and StatusText), Asterisk's AST_EXTENSION_* values. */
export const HINT_STATUS: Record<AmiDeviceState, { status: number; text: string }> = {
  NOT_INUSE: { status: 0, text: 'Idle' },
  INUSE: { status: 1, text: 'InUse' },
  BUSY: { status: 2, text: 'Busy' },
  UNAVAILABLE: { status: 4, text: 'Unavailable' },
  RINGING: { status: 8, text: 'Ringing' },
  RINGINUSE: { status: 9, text: 'RingInUse' },
  ONHOLD: { status: 16, text: 'Hold' },
};

/** Q.850 causes Asterisk reports in `Hangup` (Cause, Cause-txt). */
export const CAUSE = {
  unallocated: { code: 1, text: 'Unallocated (unassigned) number' },
  normal: { code: 16, text: 'Normal Clearing' },
  busy: { code: 17, text: 'User busy' },
  noAnswer: { code: 19, text: 'User alerting, no answer' },
  rejected: { code: 21, text: 'Call Rejected' },
  congestion: { code: 34, text: 'Circuit/channel congestion' },
} as const;
export type Cause = (typeof CAUSE)[keyof typeof CAUSE];

/** The switch's EventCause -> the hangup cause of the channel it ends. */
export function causeOf(cause: EventCause | undefined): Cause {
  switch (cause) {
    case 'busy':
    case 'doNotDisturb':
      return CAUSE.busy;
    case 'callNotAnswered':
      return CAUSE.noAnswer;
    case 'destNotObtainable':
      return CAUSE.unallocated;
    case 'trunksBusy':
      return CAUSE.congestion;
    case 'blocked':
      return CAUSE.rejected;
    default:
      return CAUSE.normal;
  }
}

/** How a Dial() to a party that could not be reached ends (`DialEnd` DialStatus). */
export function dialStatusOf(cause: EventCause | undefined): string {
  switch (cause) {
    case 'busy':
    case 'doNotDisturb':
      return 'BUSY';
    case 'callNotAnswered':
      return 'NOANSWER';
    case 'trunksBusy':
      return 'CONGESTION';
    default:
      return 'CHANUNAVAIL';
  }
}

/**
 * OriginateResponse `Reason`: 0 failure (no such extension, an endpoint
 * that cannot be reached, which is what an out-of-service phone is), 1 hung
 * up, 3 ring timeout, 4 answered, 5 busy, 8 congestion.
 */
export const REASON = { failed: 0, hungUp: 1, noAnswer: 3, answered: 4, busy: 5, congestion: 8 } as const;

/** The OriginateResponse Reason for a first leg that could not be reached, by the switch's cause. */
export function originateReasonOf(cause: EventCause | undefined): number {
  switch (cause) {
    case 'busy':
    case 'doNotDisturb':
      return REASON.busy;
    case 'callNotAnswered':
      return REASON.noAnswer;
    case 'trunksBusy':
      return REASON.congestion;
    default:
      return REASON.failed;
  }
}
