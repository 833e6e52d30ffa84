// One sample value per CSTA message type (the compiler checks none is
// missing), shared by the codec and connection tests.

import type { CstaMessage, CstaMessageType } from '../../src/csta/messages.js';

type Fixtures = { [T in CstaMessageType]: Extract<CstaMessage, { type: T }> };

const c = (callId: string, deviceId: string) => ({ callId, deviceId });

export const FIXTURES: Fixtures = {
  ServiceInitiatedEvent: { type: 'ServiceInitiatedEvent', monitorCrossRefId: 'm1', initiatedConnection: c('17', '2001'), initiatingDevice: '2001', localConnectionInfo: 'initiated', cause: 'makeCall' },
  OriginatedEvent: { type: 'OriginatedEvent', monitorCrossRefId: 'm1', originatedConnection: c('17', '2001'), callingDevice: '2001', calledDevice: '2002', localConnectionInfo: 'connected' },
  DeliveredEvent: {
    type: 'DeliveredEvent',
    monitorCrossRefId: 'm2',
    connection: c('17', '2002'),
    alertingDevice: '2002',
    callingDevice: '2001',
    calledDevice: '2002',
    lastRedirectionDevice: '2009',
    localConnectionInfo: 'alerting',
    cause: 'newCall',
  },
  EstablishedEvent: { type: 'EstablishedEvent', monitorCrossRefId: 'm2', establishedConnection: c('17', '2002'), answeringDevice: '2002', callingDevice: '2001', calledDevice: '2002' },
  FailedEvent: { type: 'FailedEvent', monitorCrossRefId: 'm1', failedConnection: c('17', '2002'), failingDevice: '2002', callingDevice: '2001', calledDevice: '2002', localConnectionInfo: 'connected', cause: 'busy' },
  ConnectionClearedEvent: { type: 'ConnectionClearedEvent', monitorCrossRefId: 'm1', droppedConnection: c('17', '2001'), releasingDevice: '2001', localConnectionInfo: 'null', cause: 'normalClearing' },
  HeldEvent: { type: 'HeldEvent', monitorCrossRefId: 'm1', heldConnection: c('17', '2001'), holdingDevice: '2001', localConnectionInfo: 'hold' },
  RetrievedEvent: { type: 'RetrievedEvent', monitorCrossRefId: 'm1', retrievedConnection: c('17', '2001'), retrievingDevice: '2001', localConnectionInfo: 'connected' },
  ConferencedEvent: {
    type: 'ConferencedEvent',
    monitorCrossRefId: 'm1',
    primaryOldCall: c('17', '2001'),
    secondaryOldCall: c('18', '2001'),
    conferencingDevice: '2001',
    addedParty: '7001',
    conferenceConnections: [c('17', '2001'), c('17', '2002'), c('17', '7001')],
    cause: 'singleStepConference',
  },
  TransferedEvent: {
    type: 'TransferedEvent',
    monitorCrossRefId: 'm1',
    primaryOldCall: c('17', '2001'),
    transferringDevice: '2001',
    transferredToDevice: '2003',
    transferredConnections: [],
    cause: 'transfer',
  },
  DivertedEvent: { type: 'DivertedEvent', monitorCrossRefId: 'm1', connection: c('17', '2002'), divertingDevice: '2002', newDestination: '2004', cause: 'redirected' },
  NetworkReachedEvent: { type: 'NetworkReachedEvent', monitorCrossRefId: 'm1', outboundConnection: c('17', 'T1'), networkInterfaceUsed: 'T1', callingDevice: '2001', calledDevice: '0311234567' },
  OutOfServiceEvent: { type: 'OutOfServiceEvent', monitorCrossRefId: 'm3', device: '2005' },
  BackInServiceEvent: { type: 'BackInServiceEvent', monitorCrossRefId: 'm3', device: '2005' },

  StartApplicationSession: {
    type: 'StartApplicationSession',
    applicationId: 'ctid',
    user: 'ctid-a',
    password: 's3cret<&>',
    protocolVersions: ['http://www.ecma-international.org/standards/ecma-323/csta/ed5', 'http://www.ecma-international.org/standards/ecma-323/csta/ed3'],
    requestedSessionDuration: 180,
  },
  StartApplicationSessionPosResponse: {
    type: 'StartApplicationSessionPosResponse',
    sessionId: 'a-1',
    protocolVersion: 'http://www.ecma-international.org/standards/ecma-323/csta/ed5',
    actualSessionDuration: 180,
  },
  StartApplicationSessionNegResponse: { type: 'StartApplicationSessionNegResponse', errorCode: 'invalidApplicationInfo' },
  StopApplicationSession: { type: 'StopApplicationSession', sessionId: 'a-1' },
  StopApplicationSessionPosResponse: { type: 'StopApplicationSessionPosResponse' },
  ResetApplicationSessionTimer: { type: 'ResetApplicationSessionTimer', sessionId: 'a-1', requestedSessionDuration: 0 },
  ResetApplicationSessionTimerPosResponse: { type: 'ResetApplicationSessionTimerPosResponse', actualSessionDuration: 180 },
  ResetApplicationSessionTimerNegResponse: { type: 'ResetApplicationSessionTimerNegResponse', errorCode: 'invalidSessionID' },

  SystemStatus: { type: 'SystemStatus', systemStatus: 'normal' },
  SystemStatusResponse: { type: 'SystemStatusResponse' },

  MakeCall: { type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2002', autoOriginate: 'prompt' },
  MakeCallResponse: { type: 'MakeCallResponse', callingDevice: c('17', '2001') },
  HoldCall: { type: 'HoldCall', callToBeHeld: c('17', '2001') },
  HoldCallResponse: { type: 'HoldCallResponse' },
  RetrieveCall: { type: 'RetrieveCall', callToBeRetrieved: c('17', '2001') },
  RetrieveCallResponse: { type: 'RetrieveCallResponse' },
  ClearConnection: { type: 'ClearConnection', connectionToBeCleared: c('17', '2001') },
  ClearConnectionResponse: { type: 'ClearConnectionResponse' },
  AnswerCall: { type: 'AnswerCall', callToBeAnswered: c('17', '7001') },
  AnswerCallResponse: { type: 'AnswerCallResponse' },
  DeflectCall: { type: 'DeflectCall', callToBeDiverted: c('17', '7001'), newDestination: '2001' },
  DeflectCallResponse: { type: 'DeflectCallResponse' },
  SingleStepConferenceCall: { type: 'SingleStepConferenceCall', activeCall: c('17', '2001'), deviceToJoin: '7001', participationType: 'silent' },
  SingleStepConferenceCallResponse: { type: 'SingleStepConferenceCallResponse', conferencedCall: c('17', '7001'), connections: [c('17', '2001'), c('17', '7001')] },

  MonitorStart: { type: 'MonitorStart', monitorObject: '2001' },
  MonitorStartResponse: { type: 'MonitorStartResponse', monitorCrossRefId: 'm1' },
  MonitorStop: { type: 'MonitorStop', monitorCrossRefId: 'm1' },
  MonitorStopResponse: { type: 'MonitorStopResponse' },
  SnapshotDevice: { type: 'SnapshotDevice', snapshotObject: '2001' },
  SnapshotDeviceResponse: {
    type: 'SnapshotDeviceResponse',
    calls: [
      { connection: c('17', '2001'), state: 'connected' },
      { connection: c('18', '2001'), state: 'hold' },
    ],
  },
  SnapshotCall: { type: 'SnapshotCall', snapshotObject: c('17', '2001') },
  SnapshotCallResponse: {
    type: 'SnapshotCallResponse',
    connections: [
      { device: '2001', connection: c('17', '2001'), state: 'connected' },
      { device: '0311234567', connection: c('17', '0311234567'), state: 'hold' },
    ],
  },

  RouteRegister: { type: 'RouteRegister', routingDevice: '2000' },
  RouteRegisterResponse: { type: 'RouteRegisterResponse', routeRegisterReqId: 'r1' },
  RouteRegisterCancel: { type: 'RouteRegisterCancel', routeRegisterReqId: 'r1' },
  RouteRegisterCancelResponse: { type: 'RouteRegisterCancelResponse' },
  RouteRequest: { type: 'RouteRequest', routeRegisterReqId: 'r1', crossRefIdentifier: 'x9', currentRoute: '2000', callingDevice: '0311234567', routedCall: c('21', '2000') },
  RouteSelect: { type: 'RouteSelect', routeRegisterReqId: 'r1', crossRefIdentifier: 'x9', routeSelected: '2003' },
  RouteEnd: { type: 'RouteEnd', routeRegisterReqId: 'r1', crossRefIdentifier: 'x9', errorValue: 'invalidDestination' },

  SetForwarding: { type: 'SetForwarding', device: '2001', forwardingType: 'forwardBusy', forwardDN: '2002', activateForward: true },
  SetForwardingResponse: { type: 'SetForwardingResponse' },
  Escape: { type: 'Escape', command: { op: 'bridge', ports: ['7001', '7002'] } },
  EscapeResponse: { type: 'EscapeResponse' },
  CSTAErrorCode: { type: 'CSTAErrorCode', category: 'operation', value: 'invalidDeviceID' },
};

/** Variants the fixtures above do not cover: optional fields absent, the other Escape commands. */
export const VARIANTS: CstaMessage[] = [
  { type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '0311234567' },
  { type: 'StartApplicationSession', applicationId: 'ctid', user: 'u', password: '', protocolVersions: [] },
  { type: 'ResetApplicationSessionTimer', sessionId: 'a-1' },
  { type: 'SnapshotDeviceResponse', calls: [] },
  { type: 'SnapshotCallResponse', connections: [] },
  { type: 'SetForwarding', device: '2001', forwardingType: 'forwardImmediate', activateForward: false },
  { type: 'RouteEnd', routeRegisterReqId: 'r1', crossRefIdentifier: 'x9' },
  { type: 'SingleStepConferenceCall', activeCall: c('17', '2001'), deviceToJoin: '7001' },
  { type: 'Escape', command: { op: 'unbridge', ports: ['7001', '7002'] } },
  { type: 'Escape', command: { op: 'play', port: '7001', message: 'welcome' } },
  { type: 'Escape', command: { op: 'fax', device: '2100', document: 'price-list' } },
  { type: 'CSTAErrorCode', category: 'privateData', value: 'vendorSpecific' },
];
