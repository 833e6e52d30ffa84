// ECMA-323 events (invoke id 9999), one codec entry each. Every event starts
// with its monitorCrossRefID and ends with localConnectionInfo and cause, as
// the ECMA-323 event schemas order them; its own fields come between.

import type { CodecTable, Shape } from './codec-shapes.js';
import { conn, connList, dev, message, named, oneOf, optional, text } from './codec-shapes.js';
import { CONNECTION_STATES, type CstaEvent } from './messages.js';

type Body<E extends CstaEvent> = Omit<E, 'type' | 'monitorCrossRefId' | 'localConnectionInfo' | 'cause'>;

function event<E extends CstaEvent>(type: E['type'], body: Shape<Body<E>>) {
  const shape = {
    monitorCrossRefId: named('monitorCrossRefID', text),
    ...body,
    localConnectionInfo: optional(oneOf(CONNECTION_STATES)),
    cause: optional(text),
  };
  return message<E>(type, shape as unknown as Shape<Omit<E, 'type'>>);
}

export const eventCodecs: CodecTable<CstaEvent> = {
  ServiceInitiatedEvent: event('ServiceInitiatedEvent', { initiatedConnection: conn, initiatingDevice: dev }),
  OriginatedEvent: event('OriginatedEvent', { originatedConnection: conn, callingDevice: dev, calledDevice: dev }),
  DeliveredEvent: event('DeliveredEvent', {
    connection: conn,
    alertingDevice: dev,
    callingDevice: dev,
    calledDevice: dev,
    lastRedirectionDevice: optional(dev),
  }),
  EstablishedEvent: event('EstablishedEvent', {
    establishedConnection: conn,
    answeringDevice: dev,
    callingDevice: dev,
    calledDevice: dev,
    lastRedirectionDevice: optional(dev),
  }),
  FailedEvent: event('FailedEvent', { failedConnection: conn, failingDevice: dev, callingDevice: dev, calledDevice: dev }),
  ConnectionClearedEvent: event('ConnectionClearedEvent', { droppedConnection: conn, releasingDevice: dev }),
  HeldEvent: event('HeldEvent', { heldConnection: conn, holdingDevice: dev }),
  RetrievedEvent: event('RetrievedEvent', { retrievedConnection: conn, retrievingDevice: dev }),
  ConferencedEvent: event('ConferencedEvent', {
    primaryOldCall: conn,
    secondaryOldCall: optional(conn),
    conferencingDevice: dev,
    addedParty: dev,
    conferenceConnections: connList,
  }),
  TransferedEvent: event('TransferedEvent', {
    primaryOldCall: conn,
    secondaryOldCall: optional(conn),
    transferringDevice: dev,
    transferredToDevice: dev,
    transferredConnections: connList,
  }),
  DivertedEvent: event('DivertedEvent', { connection: conn, divertingDevice: dev, newDestination: dev }),
  NetworkReachedEvent: event('NetworkReachedEvent', {
    outboundConnection: conn,
    networkInterfaceUsed: dev,
    callingDevice: dev,
    calledDevice: dev,
  }),
  OutOfServiceEvent: event('OutOfServiceEvent', { device: dev }),
  BackInServiceEvent: event('BackInServiceEvent', { device: dev }),
};
