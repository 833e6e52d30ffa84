// Property tests: any sequence of valid frames, with any text XML can carry
// in its ids (markup characters, whitespace, unicode), cut into any chunks,
// decodes to the same messages; and mutated bytes only ever produce
// CstaProtocolError, never a crash.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CstaDecoder, decodeMessage, encodeCstaFrame, encodeMessage } from '../../src/csta/codec.js';
import { isCstaProtocolError } from '../../src/csta/errors.js';
import {
  CONNECTION_STATES,
  ERROR_CATEGORIES,
  type CstaFrame,
  type CstaMessage,
  type CstaMessageType,
  type VoiceBoardCommand,
} from '../../src/csta/messages.js';

// A fixed seed keeps the suite deterministic; FC_SEED=<n> explores (or replays) another.
const params = { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20_240_601), verbose: true };

const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const unit = fc.oneof(
  fc.constantFrom('<', '>', '&', '"', "'", ' ', '\t', '\n', '\r', ']]>', '&amp;', '&#', '\u00a0', '\u2028', '😀', '日'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((s) => !NOT_XML_CHAR.test(s)),
);
const id = fc.string({ unit, maxLength: 12 });
const conn = fc.record({ callId: id, deviceId: id }, { noNullPrototype: true });
const seconds = fc.nat({ max: 86_400 });
const state = fc.constantFrom(...CONNECTION_STATES);

type Model = Record<string, fc.Arbitrary<unknown>>;
type Generated<M extends Model> = { [K in keyof M]: M[K] extends fc.Arbitrary<infer V> ? V : never };

/** A message of `type` with a field per model entry; fields named in `optional` are sometimes absent. */
function msg<T extends CstaMessageType, M extends Model>(type: T, model: M, optional: (keyof M & string)[] = []) {
  const requiredKeys = Object.keys(model).filter((k) => !optional.includes(k));
  return fc.record(model, { requiredKeys, noNullPrototype: true }).map((fields) => ({ ...fields, type })) as unknown as fc.Arbitrary<Generated<M> & { type: T }>;
}

function ev<T extends CstaMessageType, M extends Model>(type: T, model: M, optional: (keyof M & string)[] = []) {
  return msg(type, { ...model, monitorCrossRefId: id, localConnectionInfo: state, cause: id }, [...optional, 'localConnectionInfo', 'cause']);
}

const command: fc.Arbitrary<VoiceBoardCommand> = fc.oneof(
  fc.record({ op: fc.constantFrom('bridge' as const, 'unbridge' as const), ports: fc.tuple(id, id) }, { noNullPrototype: true }),
  fc.record({ op: fc.constant('play' as const), port: id, message: id }, { noNullPrototype: true }),
  fc.record({ op: fc.constant('fax' as const), device: id, document: id }, { noNullPrototype: true }),
);

// The compiler checks there is one generator per message type.
const arbitraries: { [T in CstaMessageType]: fc.Arbitrary<Extract<CstaMessage, { type: T }>> } = {
  ServiceInitiatedEvent: ev('ServiceInitiatedEvent', { initiatedConnection: conn, initiatingDevice: id }),
  OriginatedEvent: ev('OriginatedEvent', { originatedConnection: conn, callingDevice: id, calledDevice: id }),
  DeliveredEvent: ev('DeliveredEvent', { connection: conn, alertingDevice: id, callingDevice: id, calledDevice: id, lastRedirectionDevice: id }, ['lastRedirectionDevice']),
  EstablishedEvent: ev('EstablishedEvent', { establishedConnection: conn, answeringDevice: id, callingDevice: id, calledDevice: id, lastRedirectionDevice: id }, ['lastRedirectionDevice']),
  FailedEvent: ev('FailedEvent', { failedConnection: conn, failingDevice: id, callingDevice: id, calledDevice: id }),
  ConnectionClearedEvent: ev('ConnectionClearedEvent', { droppedConnection: conn, releasingDevice: id }),
  HeldEvent: ev('HeldEvent', { heldConnection: conn, holdingDevice: id }),
  RetrievedEvent: ev('RetrievedEvent', { retrievedConnection: conn, retrievingDevice: id }),
  ConferencedEvent: ev(
    'ConferencedEvent',
    { primaryOldCall: conn, secondaryOldCall: conn, conferencingDevice: id, addedParty: id, conferenceConnections: fc.array(conn, { maxLength: 4 }) },
    ['secondaryOldCall'],
  ),
  TransferedEvent: ev(
    'TransferedEvent',
    { primaryOldCall: conn, secondaryOldCall: conn, transferringDevice: id, transferredToDevice: id, transferredConnections: fc.array(conn, { maxLength: 4 }) },
    ['secondaryOldCall'],
  ),
  DivertedEvent: ev('DivertedEvent', { connection: conn, divertingDevice: id, newDestination: id }),
  NetworkReachedEvent: ev('NetworkReachedEvent', { outboundConnection: conn, networkInterfaceUsed: id, callingDevice: id, calledDevice: id }),
  OutOfServiceEvent: ev('OutOfServiceEvent', { device: id }),
  BackInServiceEvent: ev('BackInServiceEvent', { device: id }),

  StartApplicationSession: msg(
    'StartApplicationSession',
    { applicationId: id, user: id, password: id, protocolVersions: fc.array(id, { maxLength: 3 }), requestedSessionDuration: seconds },
    ['requestedSessionDuration'],
  ),
  StartApplicationSessionPosResponse: msg('StartApplicationSessionPosResponse', { sessionId: id, protocolVersion: id, actualSessionDuration: seconds }),
  StartApplicationSessionNegResponse: msg('StartApplicationSessionNegResponse', { errorCode: id }),
  StopApplicationSession: msg('StopApplicationSession', { sessionId: id }),
  StopApplicationSessionPosResponse: msg('StopApplicationSessionPosResponse', {}),
  ResetApplicationSessionTimer: msg('ResetApplicationSessionTimer', { sessionId: id, requestedSessionDuration: seconds }, ['requestedSessionDuration']),
  ResetApplicationSessionTimerPosResponse: msg('ResetApplicationSessionTimerPosResponse', { actualSessionDuration: seconds }),
  ResetApplicationSessionTimerNegResponse: msg('ResetApplicationSessionTimerNegResponse', { errorCode: id }),
  SystemStatus: msg('SystemStatus', { systemStatus: id }),
  SystemStatusResponse: msg('SystemStatusResponse', {}),

  MakeCall: msg('MakeCall', { callingDevice: id, calledDirectoryNumber: id, autoOriginate: fc.constantFrom('prompt' as const, 'doNotPrompt' as const) }, ['autoOriginate']),
  MakeCallResponse: msg('MakeCallResponse', { callingDevice: conn }),
  HoldCall: msg('HoldCall', { callToBeHeld: conn }),
  HoldCallResponse: msg('HoldCallResponse', {}),
  RetrieveCall: msg('RetrieveCall', { callToBeRetrieved: conn }),
  RetrieveCallResponse: msg('RetrieveCallResponse', {}),
  ClearConnection: msg('ClearConnection', { connectionToBeCleared: conn }),
  ClearConnectionResponse: msg('ClearConnectionResponse', {}),
  AnswerCall: msg('AnswerCall', { callToBeAnswered: conn }),
  AnswerCallResponse: msg('AnswerCallResponse', {}),
  DeflectCall: msg('DeflectCall', { callToBeDiverted: conn, newDestination: id }),
  DeflectCallResponse: msg('DeflectCallResponse', {}),
  SingleStepConferenceCall: msg(
    'SingleStepConferenceCall',
    { activeCall: conn, deviceToJoin: id, participationType: fc.constantFrom('active' as const, 'silent' as const) },
    ['participationType'],
  ),
  SingleStepConferenceCallResponse: msg('SingleStepConferenceCallResponse', { conferencedCall: conn, connections: fc.array(conn, { maxLength: 4 }) }),
  MonitorStart: msg('MonitorStart', { monitorObject: id }),
  MonitorStartResponse: msg('MonitorStartResponse', { monitorCrossRefId: id }),
  MonitorStop: msg('MonitorStop', { monitorCrossRefId: id }),
  MonitorStopResponse: msg('MonitorStopResponse', {}),
  SnapshotDevice: msg('SnapshotDevice', { snapshotObject: id }),
  SnapshotDeviceResponse: msg('SnapshotDeviceResponse', { calls: fc.array(fc.record({ connection: conn, state }, { noNullPrototype: true }), { maxLength: 4 }) }),
  SnapshotCall: msg('SnapshotCall', { snapshotObject: conn }),
  SnapshotCallResponse: msg('SnapshotCallResponse', { connections: fc.array(fc.record({ device: id, connection: conn, state }, { noNullPrototype: true }), { maxLength: 4 }) }),
  RouteRegister: msg('RouteRegister', { routingDevice: id }),
  RouteRegisterResponse: msg('RouteRegisterResponse', { routeRegisterReqId: id }),
  RouteRegisterCancel: msg('RouteRegisterCancel', { routeRegisterReqId: id }),
  RouteRegisterCancelResponse: msg('RouteRegisterCancelResponse', {}),
  RouteRequest: msg('RouteRequest', { routeRegisterReqId: id, crossRefIdentifier: id, currentRoute: id, callingDevice: id, routedCall: conn }),
  RouteSelect: msg('RouteSelect', { routeRegisterReqId: id, crossRefIdentifier: id, routeSelected: id }),
  RouteEnd: msg('RouteEnd', { routeRegisterReqId: id, crossRefIdentifier: id, errorValue: id }, ['errorValue']),
  SetForwarding: msg(
    'SetForwarding',
    { device: id, forwardingType: fc.constantFrom('forwardImmediate' as const, 'forwardBusy' as const, 'forwardNoAns' as const), forwardDN: id, activateForward: fc.boolean() },
    ['forwardDN'],
  ),
  SetForwardingResponse: msg('SetForwardingResponse', {}),
  Escape: msg('Escape', { command }),
  EscapeResponse: msg('EscapeResponse', {}),
  CSTAErrorCode: msg('CSTAErrorCode', { category: fc.constantFrom(...ERROR_CATEGORIES), value: id }),
};

const anyMessage: fc.Arbitrary<CstaMessage> = fc.oneof(...Object.values(arbitraries));
const anyFrame: fc.Arbitrary<CstaFrame> = fc.record({ invokeId: fc.integer({ min: 1, max: 9999 }), message: anyMessage }, { noNullPrototype: true });

/** Cut points for a buffer of `length` bytes: sorted, within range. */
function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

test('any message round-trips through encodeMessage and decodeMessage', () => {
  fc.assert(
    fc.property(anyMessage, (m) => {
      assert.equal(decodeMessage(encodeMessage(m)), m);
    }),
    params,
  );
});

test('any sequence of frames cut into any chunks decodes to the same frames', () => {
  fc.assert(
    fc.property(fc.array(anyFrame, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
      const bytes = Buffer.concat(frames.map(encodeCstaFrame));
      const decoder = new CstaDecoder();
      const got = chunks(bytes, cuts).flatMap((chunk) => decoder.push(chunk));
      assert.equal(got, frames);
    }),
    params,
  );
});

test('mutated bytes give CstaProtocolError or a message, never another exception', () => {
  fc.assert(
    fc.property(anyFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (frame, edits) => {
      const bytes = Buffer.from(encodeCstaFrame(frame));
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      try {
        new CstaDecoder().push(bytes);
      } catch (err) {
        if (!isCstaProtocolError(err)) throw err;
      }
    }),
    params,
  );
});

test.run();
