// A device's interfaces.md line state, derived from its monitor's events and
// its SnapshotDevice: the device's own connection in each call it is in
// (ECMA-269 LocalConnectionState, by callID) plus its service state. Pure:
// no I/O, so it is exact to test and cheap to keep per watched line.

import type { ConnectionState, CstaEvent, SnapshotCallInfo } from '../../../csta/messages.js';
import type { LineState } from '../../core/ports.js';
import { subjectOf } from './events.js';

/**
 * The device's own connection state after an event that names that
 * connection, for switches that leave out localConnectionInfo.
 */
const OWN_STATE_AFTER: Partial<Record<CstaEvent['type'], ConnectionState>> = {
  // MakeCall prompts the calling device: it is alerted to go off-hook (csta-link.md "Services used").
  ServiceInitiatedEvent: 'initiated',
  OriginatedEvent: 'connected',
  DeliveredEvent: 'alerting',
  EstablishedEvent: 'connected',
  RetrievedEvent: 'connected',
  HeldEvent: 'hold',
  FailedEvent: 'fail',
  ConnectionClearedEvent: 'null',
  DivertedEvent: 'null', // the call left this device for another
};

export class LineTracker {
  /** The device's own connection state in each call it is in, by callID. */
  private readonly calls = new Map<string, ConnectionState>();
  private outOfService = false;

  constructor(readonly device: string) {}

  /**
   * busy outranks held, held outranks ringing (a device talking with a second
   * call alerting is busy). `initiated` reads as ringing: with MakeCall's
   * prompt the switch alerts the device before it goes off-hook. `hold` is the
   * device's own party put on hold (csta-link.md HoldCall: the named party is held).
   */
  get state(): LineState {
    if (this.outOfService) return 'out-of-service';
    let state: LineState = 'idle';
    for (const s of this.calls.values()) {
      if (s === 'connected') return 'busy';
      if (s === 'hold') state = 'held';
      else if (state === 'idle') state = 'ringing';
    }
    return state;
  }

  apply(event: CstaEvent): void {
    if (event.type === 'OutOfServiceEvent' || event.type === 'BackInServiceEvent') {
      if (event.device === this.device) this.outOfService = event.type === 'OutOfServiceEvent';
      return;
    }
    if (event.type === 'ConferencedEvent' || event.type === 'TransferedEvent') return this.merge(event);
    const subject = subjectOf(event);
    if (!subject) return;
    // localConnectionInfo is this device's connection state after the event, whoever the event names.
    const own = subject.deviceId === this.device ? OWN_STATE_AFTER[event.type] : undefined;
    this.set(subject.callId, event.localConnectionInfo ?? own);
  }

  /** Replaces what events told with the switch's own account (SnapshotDevice), e.g. after a link outage. */
  resync(calls: SnapshotCallInfo[]): void {
    this.calls.clear();
    for (const { connection, state } of calls) this.set(connection.callId, state);
  }

  /** A conference or transfer may merge calls into a new callID: the device is where the event lists it now. */
  private merge(event: Extract<CstaEvent, { type: 'ConferencedEvent' | 'TransferedEvent' }>): void {
    const listed = event.type === 'ConferencedEvent' ? event.conferenceConnections : event.transferredConnections;
    for (const old of [event.primaryOldCall, event.secondaryOldCall]) if (old) this.calls.delete(old.callId);
    for (const c of listed) if (c.deviceId === this.device) this.set(c.callId, event.localConnectionInfo ?? 'connected');
  }

  private set(callId: string, state: ConnectionState | undefined): void {
    if (state === undefined) return;
    if (state === 'null' || state === 'fail') this.calls.delete(callId);
    else this.calls.set(callId, state);
  }
}
