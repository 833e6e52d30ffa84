// The messages of one benchmark call cycle as the simulator puts them on the
// wire: MakeCall (doNotPrompt) between two auto-answer stations, the events a
// monitor of the calling device sees, then ClearConnection. csta-link.ts
// captures the real ones from the link; these stand in when a phase runs
// alone (--only) and for the per-type figures of codec.ts.

import type { CstaMessage } from '../src/csta/messages.js';

/** One call cycle seen from the application: 2 requests, 2 responses, 6 events on the calling device's monitor. */
export function callCycle(calling = '2000', called = '2001', callId = '12345', monitor = '42'): CstaMessage[] {
  const me = { callId, deviceId: calling };
  const them = { callId, deviceId: called };
  return [
    { type: 'MakeCall', callingDevice: calling, calledDirectoryNumber: called, autoOriginate: 'doNotPrompt' },
    { type: 'MakeCallResponse', callingDevice: me },
    { type: 'ServiceInitiatedEvent', monitorCrossRefId: monitor, initiatedConnection: me, initiatingDevice: calling, localConnectionInfo: 'initiated', cause: 'makeCall' },
    { type: 'OriginatedEvent', monitorCrossRefId: monitor, originatedConnection: me, callingDevice: calling, calledDevice: called, localConnectionInfo: 'connected', cause: 'makeCall' },
    { type: 'DeliveredEvent', monitorCrossRefId: monitor, connection: them, alertingDevice: called, callingDevice: calling, calledDevice: called, localConnectionInfo: 'connected' },
    { type: 'EstablishedEvent', monitorCrossRefId: monitor, establishedConnection: them, answeringDevice: called, callingDevice: calling, calledDevice: called, localConnectionInfo: 'connected' },
    { type: 'ClearConnection', connectionToBeCleared: me },
    { type: 'ClearConnectionResponse' },
    { type: 'ConnectionClearedEvent', monitorCrossRefId: monitor, droppedConnection: me, releasingDevice: calling, localConnectionInfo: 'null', cause: 'normalClearing' },
    { type: 'ConnectionClearedEvent', monitorCrossRefId: monitor, droppedConnection: them, releasingDevice: called, localConnectionInfo: 'null', cause: 'normalClearing' },
  ];
}

/** Other messages a link carries often: session, heartbeat, monitoring, snapshot, errors. */
export function otherMessages(): CstaMessage[] {
  return [
    {
      type: 'StartApplicationSession',
      applicationId: 'ctid',
      user: 'ctid-a',
      password: 'secret-a',
      protocolVersions: ['http://www.ecma-international.org/standards/ecma-323/csta/ed5'],
      requestedSessionDuration: 180,
    },
    { type: 'StartApplicationSessionPosResponse', sessionId: 'a-17', protocolVersion: 'http://www.ecma-international.org/standards/ecma-323/csta/ed5', actualSessionDuration: 180 },
    { type: 'SystemStatus', systemStatus: 'normal' },
    { type: 'SystemStatusResponse' },
    { type: 'MonitorStart', monitorObject: '2000' },
    { type: 'MonitorStartResponse', monitorCrossRefId: '42' },
    {
      type: 'SnapshotDeviceResponse',
      calls: [
        { connection: { callId: '12345', deviceId: '2000' }, state: 'connected' },
        { connection: { callId: '12346', deviceId: '2000' }, state: 'hold' },
      ],
    },
    { type: 'CSTAErrorCode', category: 'stateIncompatibility', value: 'invalidDeviceState' },
  ];
}
