// ECMA-323 services (csta-link.md "Services used"): the switch's SystemStatus
// heartbeat, call control, monitoring, snapshot, routing, forwarding and the
// voice board's Escape, with their responses and CSTAErrorCode. One codec
// entry each.

import type { CodecEntry, CodecTable } from './codec-shapes.js';
import { bool, conn, connList, dev, message, named, oneOf, optional, text, within } from './codec-shapes.js';
import {
  CONNECTION_STATES,
  ERROR_CATEGORIES,
  type CSTAErrorCode,
  type CstaMessage,
  type Escape,
  type SnapshotCallResponse,
  type SnapshotDeviceResponse,
  type VoiceBoardCommand,
} from './messages.js';
import { el, leaf, type XmlReader } from './xml.js';

type ServiceMessage = Exclude<CstaMessage, { type: `${string}Event` | `${string}ApplicationSession${string}` }>;

const routeRegisterReqId = named('routeRegisterReqID', text);

export const serviceCodecs: CodecTable<ServiceMessage> = {
  SystemStatus: message('SystemStatus', { systemStatus: text }),
  SystemStatusResponse: message('SystemStatusResponse', {}),

  // MakeCall's callingDevice is a plain DeviceID; its response names the new connection (ECMA-323 MakeCall).
  MakeCall: message('MakeCall', { callingDevice: text, calledDirectoryNumber: text, autoOriginate: optional(oneOf(['prompt', 'doNotPrompt'])) }),
  MakeCallResponse: message('MakeCallResponse', { callingDevice: conn }),
  HoldCall: message('HoldCall', { callToBeHeld: conn }),
  HoldCallResponse: message('HoldCallResponse', {}),
  RetrieveCall: message('RetrieveCall', { callToBeRetrieved: conn }),
  RetrieveCallResponse: message('RetrieveCallResponse', {}),
  ClearConnection: message('ClearConnection', { connectionToBeCleared: conn }),
  ClearConnectionResponse: message('ClearConnectionResponse', {}),
  AnswerCall: message('AnswerCall', { callToBeAnswered: conn }),
  AnswerCallResponse: message('AnswerCallResponse', {}),
  DeflectCall: message('DeflectCall', { callToBeDiverted: conn, newDestination: text }),
  DeflectCallResponse: message('DeflectCallResponse', {}),
  SingleStepConferenceCall: message('SingleStepConferenceCall', {
    activeCall: conn,
    deviceToJoin: text,
    participationType: optional(oneOf(['active', 'silent'])),
  }),
  SingleStepConferenceCallResponse: message('SingleStepConferenceCallResponse', { conferencedCall: conn, connections: connList }),

  MonitorStart: message('MonitorStart', { monitorObject: within('deviceObject', text) }),
  MonitorStartResponse: message('MonitorStartResponse', { monitorCrossRefId: named('monitorCrossRefID', text) }),
  MonitorStop: message('MonitorStop', { monitorCrossRefId: named('monitorCrossRefID', text) }),
  MonitorStopResponse: message('MonitorStopResponse', {}),
  SnapshotDevice: message('SnapshotDevice', { snapshotObject: text }),
  SnapshotDeviceResponse: snapshotDeviceResponse(),
  SnapshotCall: message('SnapshotCall', { snapshotObject: conn }),
  SnapshotCallResponse: snapshotCallResponse(),

  RouteRegister: message('RouteRegister', { routingDevice: text }),
  RouteRegisterResponse: message('RouteRegisterResponse', { routeRegisterReqId }),
  RouteRegisterCancel: message('RouteRegisterCancel', { routeRegisterReqId }),
  RouteRegisterCancelResponse: message('RouteRegisterCancelResponse', {}),
  RouteRequest: message('RouteRequest', { routeRegisterReqId, crossRefIdentifier: text, currentRoute: dev, callingDevice: dev, routedCall: conn }),
  RouteSelect: message('RouteSelect', { routeRegisterReqId, crossRefIdentifier: text, routeSelected: text }),
  RouteEnd: message('RouteEnd', { routeRegisterReqId, crossRefIdentifier: text, errorValue: optional(text) }),

  SetForwarding: message('SetForwarding', {
    device: text,
    activateForward: bool,
    forwardingType: oneOf(['forwardImmediate', 'forwardBusy', 'forwardNoAns']),
    forwardDN: optional(text),
  }),
  SetForwardingResponse: message('SetForwardingResponse', {}),
  Escape: escape(),
  EscapeResponse: message('EscapeResponse', {}),

  CSTAErrorCode: errorCode(),
};

/**
 * ECMA-323 SnapshotDeviceResponse with the data inline:
 * crossRefIDorSnapshotData/snapshotData/snapshotDeviceResponseInfo*, each with
 * its connectionIdentifier and localCallState/compoundCallState/localConnectionInfo.
 * A switch that answers with a serviceCrossRefID (data in later events) is not supported.
 */
function snapshotDeviceResponse(): CodecEntry<SnapshotDeviceResponse> {
  return {
    encode: (m) => {
      const infos = m.calls.map((c) =>
        el(
          'snapshotDeviceResponseInfo',
          conn.encode('connectionIdentifier', c.connection) + el('localCallState', el('compoundCallState', leaf('localConnectionInfo', c.state))),
        ),
      );
      return el('crossRefIDorSnapshotData', el('snapshotData', infos.join('')));
    },
    decode: (r) => ({
      type: 'SnapshotDeviceResponse',
      calls: r
        .child('crossRefIDorSnapshotData')
        .child('snapshotData')
        .children('snapshotDeviceResponseInfo')
        .map((info) => ({
          connection: conn.decode(info, 'connectionIdentifier'),
          state: info.child('localCallState').child('compoundCallState').oneOf('localConnectionInfo', CONNECTION_STATES),
        })),
    }),
  };
}

/**
 * ECMA-323 SnapshotCallResponse with the data inline:
 * crossRefIDorSnapshotData/snapshotData/snapshotCallResponseInfo*, each with
 * deviceOnCall, callIdentifier and localConnectionState. Written as ECMA-323
 * names it; read also as localConnectionInfo, the name the events and
 * SnapshotDevice use, which some switches reuse here.
 */
function snapshotCallResponse(): CodecEntry<SnapshotCallResponse> {
  return {
    encode: (m) => {
      const infos = m.connections.map((c) =>
        el('snapshotCallResponseInfo', dev.encode('deviceOnCall', c.device) + conn.encode('callIdentifier', c.connection) + leaf('localConnectionState', c.state)),
      );
      return el('crossRefIDorSnapshotData', el('snapshotData', infos.join('')));
    },
    decode: (r) => ({
      type: 'SnapshotCallResponse',
      connections: r
        .child('crossRefIDorSnapshotData')
        .child('snapshotData')
        .children('snapshotCallResponseInfo')
        .map((info) => ({
          device: dev.decode(info, 'deviceOnCall'),
          connection: conn.decode(info, 'callIdentifier'),
          state: info.oneOf(info.optChild('localConnectionState') ? 'localConnectionState' : 'localConnectionInfo', CONNECTION_STATES),
        })),
    }),
  };
}

/** ECMA-269 Escape: our voice board's command is the one element inside privateData/private. */
function escape(): CodecEntry<Escape> {
  return {
    encode: ({ command: c }) => {
      const inner =
        c.op === 'bridge' || c.op === 'unbridge'
          ? leaf('port', c.ports[0]) + leaf('port', c.ports[1])
          : c.op === 'play'
            ? leaf('port', c.port) + leaf('message', c.message)
            : leaf('device', c.device) + leaf('document', c.document);
      return el('privateData', el('private', el(c.op, inner)));
    },
    decode: (r) => ({ type: 'Escape', command: voiceBoardCommand(r.child('privateData').child('private')) }),
  };
}

function voiceBoardCommand(r: XmlReader): VoiceBoardCommand {
  for (const op of ['bridge', 'unbridge'] as const) {
    const c = r.optChild(op);
    if (!c) continue;
    const ports = c.children('port').map((p) => p.text ?? c.fail('<port> must hold text'));
    if (ports.length !== 2) c.fail(`expected 2 <port> elements, got ${ports.length}`);
    return { op, ports: [ports[0], ports[1]] };
  }
  const play = r.optChild('play');
  if (play) return { op: 'play', port: play.string('port'), message: play.string('message') };
  const fax = r.optChild('fax');
  if (fax) return { op: 'fax', device: fax.string('device'), document: fax.string('document') };
  return r.fail('expected one of <bridge>, <unbridge>, <play>, <fax>');
}

/** CSTAErrorCode holds one element named after the ECMA-269 error category, its text the value. */
function errorCode(): CodecEntry<CSTAErrorCode> {
  return {
    encode: (m) => leaf(m.category, m.value),
    decode: (r) => {
      for (const category of ERROR_CATEGORIES) {
        const c = r.optChild(category);
        // A vendor's privateData category may hold elements rather than a value.
        if (c) return { type: 'CSTAErrorCode', category, value: c.text ?? '' };
      }
      return r.fail(`expected one of ${ERROR_CATEGORIES.map((c) => `<${c}>`).join(', ')}`);
    },
  };
}
