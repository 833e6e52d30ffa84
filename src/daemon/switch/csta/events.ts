// What a CSTA event is about. Every call event names one connection (a
// callID + deviceID pair, ECMA-269 ConnectionID) in its own field; the line
// tracker and call attempts both need that one, whatever the event type.

import type { ConnectionId, CstaEvent } from '../../../csta/messages.js';

/** The connection the event reports on; undefined for device events (out of / back in service). */
export function subjectOf(event: CstaEvent): ConnectionId | undefined {
  switch (event.type) {
    case 'ServiceInitiatedEvent':
      return event.initiatedConnection;
    case 'OriginatedEvent':
      return event.originatedConnection;
    case 'DeliveredEvent':
    case 'DivertedEvent':
      return event.connection;
    case 'EstablishedEvent':
      return event.establishedConnection;
    case 'FailedEvent':
      return event.failedConnection;
    case 'ConnectionClearedEvent':
      return event.droppedConnection;
    case 'HeldEvent':
      return event.heldConnection;
    case 'RetrievedEvent':
      return event.retrievedConnection;
    case 'ConferencedEvent':
    case 'TransferedEvent':
      return event.primaryOldCall;
    case 'NetworkReachedEvent':
      return event.outboundConnection;
    case 'OutOfServiceEvent':
    case 'BackInServiceEvent':
      return undefined;
  }
}
