// The CSTA messages this product speaks (csta-link.md), as plain TypeScript
// values. `type` is the XML root element's local name (ECMA-323 / ECMA-354);
// the codec (codec.ts) turns these into XML and back, one table entry each.
// Both the simulator and the daemon import these types and nothing else of
// the wire format.

/** A connection is a device's part in a call (ECMA-269 6.1.4). */
export interface ConnectionId {
  callId: string;
  deviceId: string;
}

/** ECMA-269 LocalConnectionState. */
export type ConnectionState = 'null' | 'initiated' | 'alerting' | 'connected' | 'hold' | 'queued' | 'fail';
export const CONNECTION_STATES: readonly ConnectionState[] = ['null', 'initiated', 'alerting', 'connected', 'hold', 'queued', 'fail'];

/**
 * ECMA-269 EventCause values this product produces or reacts to. Decoding
 * keeps any other value as a plain string: real switches send many more.
 */
export type EventCause =
  | 'busy'
  | 'callNotAnswered'
  | 'doNotDisturb'
  | 'destNotObtainable'
  | 'blocked'
  | 'trunksBusy'
  | 'newCall'
  | 'normalClearing'
  | 'makeCall'
  | 'networkSignal'
  | 'conferencing'
  | 'singleStepConference'
  | 'redirected'
  | 'transfer'
  | 'keyOperation'
  | 'timeout'
  | (string & {});

export type ParticipationType = 'active' | 'silent';
export type AutoOriginate = 'prompt' | 'doNotPrompt';

// ---------------------------------------------------------------- events

interface EventBase {
  monitorCrossRefId: string;
  /** The state of the monitored device's own connection after the event. */
  localConnectionInfo?: ConnectionState;
  cause?: EventCause;
}

export interface ServiceInitiatedEvent extends EventBase {
  type: 'ServiceInitiatedEvent';
  initiatedConnection: ConnectionId;
  initiatingDevice: string;
}
export interface OriginatedEvent extends EventBase {
  type: 'OriginatedEvent';
  originatedConnection: ConnectionId;
  callingDevice: string;
  calledDevice: string;
}
export interface DeliveredEvent extends EventBase {
  type: 'DeliveredEvent';
  connection: ConnectionId;
  alertingDevice: string;
  callingDevice: string;
  calledDevice: string;
  lastRedirectionDevice?: string;
}
export interface EstablishedEvent extends EventBase {
  type: 'EstablishedEvent';
  establishedConnection: ConnectionId;
  answeringDevice: string;
  callingDevice: string;
  calledDevice: string;
  lastRedirectionDevice?: string;
}
export interface FailedEvent extends EventBase {
  type: 'FailedEvent';
  failedConnection: ConnectionId;
  failingDevice: string;
  callingDevice: string;
  calledDevice: string;
}
export interface ConnectionClearedEvent extends EventBase {
  type: 'ConnectionClearedEvent';
  droppedConnection: ConnectionId;
  releasingDevice: string;
}
export interface HeldEvent extends EventBase {
  type: 'HeldEvent';
  heldConnection: ConnectionId;
  holdingDevice: string;
}
export interface RetrievedEvent extends EventBase {
  type: 'RetrievedEvent';
  retrievedConnection: ConnectionId;
  retrievingDevice: string;
}
export interface ConferencedEvent extends EventBase {
  type: 'ConferencedEvent';
  primaryOldCall: ConnectionId;
  secondaryOldCall?: ConnectionId;
  conferencingDevice: string;
  addedParty: string;
  conferenceConnections: ConnectionId[];
}
export interface TransferedEvent extends EventBase {
  type: 'TransferedEvent';
  primaryOldCall: ConnectionId;
  secondaryOldCall?: ConnectionId;
  transferringDevice: string;
  transferredToDevice: string;
  transferredConnections: ConnectionId[];
}
export interface DivertedEvent extends EventBase {
  type: 'DivertedEvent';
  connection: ConnectionId;
  divertingDevice: string;
  newDestination: string;
}
export interface NetworkReachedEvent extends EventBase {
  type: 'NetworkReachedEvent';
  outboundConnection: ConnectionId;
  networkInterfaceUsed: string;
  callingDevice: string;
  calledDevice: string;
}
export interface OutOfServiceEvent extends EventBase {
  type: 'OutOfServiceEvent';
  device: string;
}
export interface BackInServiceEvent extends EventBase {
  type: 'BackInServiceEvent';
  device: string;
}

export type CstaEvent =
  | ServiceInitiatedEvent
  | OriginatedEvent
  | DeliveredEvent
  | EstablishedEvent
  | FailedEvent
  | ConnectionClearedEvent
  | HeldEvent
  | RetrievedEvent
  | ConferencedEvent
  | TransferedEvent
  | DivertedEvent
  | NetworkReachedEvent
  | OutOfServiceEvent
  | BackInServiceEvent;

/** An event before the switch addresses it to a monitor. */
export type CstaEventBody = CstaEvent extends infer E ? (E extends CstaEvent ? Omit<E, 'monitorCrossRefId'> : never) : never;

// ---------------------------------------------------------------- session (ECMA-354)

export interface StartApplicationSession {
  type: 'StartApplicationSession';
  applicationId: string;
  user: string;
  password: string;
  protocolVersions: string[];
  /** Seconds. */
  requestedSessionDuration?: number;
}
export interface StartApplicationSessionPosResponse {
  type: 'StartApplicationSessionPosResponse';
  sessionId: string;
  protocolVersion: string;
  /** Seconds. */
  actualSessionDuration: number;
}
export interface StartApplicationSessionNegResponse {
  type: 'StartApplicationSessionNegResponse';
  /** e.g. `invalidApplicationInfo`, `requestedProtocolVersionNotSupported`. */
  errorCode: string;
}
export interface StopApplicationSession {
  type: 'StopApplicationSession';
  sessionId: string;
}
export interface StopApplicationSessionPosResponse {
  type: 'StopApplicationSessionPosResponse';
}
export interface ResetApplicationSessionTimer {
  type: 'ResetApplicationSessionTimer';
  sessionId: string;
  requestedSessionDuration?: number;
}
export interface ResetApplicationSessionTimerPosResponse {
  type: 'ResetApplicationSessionTimerPosResponse';
  actualSessionDuration: number;
}
export interface ResetApplicationSessionTimerNegResponse {
  type: 'ResetApplicationSessionTimerNegResponse';
  errorCode: string;
}

// ---------------------------------------------------------------- system status

export interface SystemStatus {
  type: 'SystemStatus';
  /** `normal`, `initializing`, `messagesLost`, `disabled`, ... */
  systemStatus: string;
}
export interface SystemStatusResponse {
  type: 'SystemStatusResponse';
}

// ---------------------------------------------------------------- call control

export interface MakeCall {
  type: 'MakeCall';
  callingDevice: string;
  calledDirectoryNumber: string;
  autoOriginate?: AutoOriginate;
}
export interface MakeCallResponse {
  type: 'MakeCallResponse';
  callingDevice: ConnectionId;
}
export interface HoldCall {
  type: 'HoldCall';
  callToBeHeld: ConnectionId;
}
export interface HoldCallResponse {
  type: 'HoldCallResponse';
}
export interface RetrieveCall {
  type: 'RetrieveCall';
  callToBeRetrieved: ConnectionId;
}
export interface RetrieveCallResponse {
  type: 'RetrieveCallResponse';
}
export interface ClearConnection {
  type: 'ClearConnection';
  connectionToBeCleared: ConnectionId;
}
export interface ClearConnectionResponse {
  type: 'ClearConnectionResponse';
}
export interface AnswerCall {
  type: 'AnswerCall';
  callToBeAnswered: ConnectionId;
}
export interface AnswerCallResponse {
  type: 'AnswerCallResponse';
}
/** Sends an alerting connection's call on to another number (ECMA-269 Deflect Call); routing and forwarding apply there. */
export interface DeflectCall {
  type: 'DeflectCall';
  callToBeDiverted: ConnectionId;
  newDestination: string;
}
export interface DeflectCallResponse {
  type: 'DeflectCallResponse';
}
export interface SingleStepConferenceCall {
  type: 'SingleStepConferenceCall';
  activeCall: ConnectionId;
  deviceToJoin: string;
  participationType?: ParticipationType;
}
export interface SingleStepConferenceCallResponse {
  type: 'SingleStepConferenceCallResponse';
  conferencedCall: ConnectionId;
  connections: ConnectionId[];
}

// ---------------------------------------------------------------- monitoring and snapshot

export interface MonitorStart {
  type: 'MonitorStart';
  monitorObject: string;
}
export interface MonitorStartResponse {
  type: 'MonitorStartResponse';
  monitorCrossRefId: string;
}
export interface MonitorStop {
  type: 'MonitorStop';
  monitorCrossRefId: string;
}
export interface MonitorStopResponse {
  type: 'MonitorStopResponse';
}
export interface SnapshotDevice {
  type: 'SnapshotDevice';
  snapshotObject: string;
}
export interface SnapshotCallInfo {
  connection: ConnectionId;
  state: ConnectionState;
}
export interface SnapshotDeviceResponse {
  type: 'SnapshotDeviceResponse';
  calls: SnapshotCallInfo[];
}
/** ECMA-269 Snapshot Call: the connections of the call the named connection is in. */
export interface SnapshotCall {
  type: 'SnapshotCall';
  snapshotObject: ConnectionId;
}
/** One connection of the call (ECMA-269 SnapshotCallResponseInfo). */
export interface SnapshotConnectionInfo {
  /** deviceOnCall: an extension, or the far number for a trunk connection. */
  device: string;
  connection: ConnectionId;
  state: ConnectionState;
}
export interface SnapshotCallResponse {
  type: 'SnapshotCallResponse';
  connections: SnapshotConnectionInfo[];
}

// ---------------------------------------------------------------- routing

export interface RouteRegister {
  type: 'RouteRegister';
  routingDevice: string;
}
export interface RouteRegisterResponse {
  type: 'RouteRegisterResponse';
  routeRegisterReqId: string;
}
export interface RouteRegisterCancel {
  type: 'RouteRegisterCancel';
  routeRegisterReqId: string;
}
export interface RouteRegisterCancelResponse {
  type: 'RouteRegisterCancelResponse';
}
/** Switch -> application: where should this call go? */
export interface RouteRequest {
  type: 'RouteRequest';
  routeRegisterReqId: string;
  crossRefIdentifier: string;
  currentRoute: string;
  callingDevice: string;
  routedCall: ConnectionId;
}
/** Application -> switch: send it there. Unconfirmed; errors come back as CSTAErrorCode. */
export interface RouteSelect {
  type: 'RouteSelect';
  routeRegisterReqId: string;
  crossRefIdentifier: string;
  routeSelected: string;
}
/** Either side: this routing dialogue is over. */
export interface RouteEnd {
  type: 'RouteEnd';
  routeRegisterReqId: string;
  crossRefIdentifier: string;
  /** Why it ended abnormally (e.g. `generic`, `invalidDestination`), absent when normal. */
  errorValue?: string;
}

// ---------------------------------------------------------------- forwarding

export type ForwardingType = 'forwardImmediate' | 'forwardBusy' | 'forwardNoAns';
export interface SetForwarding {
  type: 'SetForwarding';
  device: string;
  forwardingType: ForwardingType;
  forwardDN?: string;
  activateForward: boolean;
}
export interface SetForwardingResponse {
  type: 'SetForwardingResponse';
}

// ---------------------------------------------------------------- vendor escape: the voice board

/** Our vendor's `privateData`, carried in `Escape` (ECMA-269 Escape service). */
export type VoiceBoardCommand =
  /** Join the talk paths of two voice-board ports' calls. */
  | { op: 'bridge'; ports: [string, string] }
  /** Undo a bridge. */
  | { op: 'unbridge'; ports: [string, string] }
  /** Play a named voice message into the call a port is in. */
  | { op: 'play'; port: string; message: string }
  /** Send a named document to a FAX device. */
  | { op: 'fax'; device: string; document: string };

export interface Escape {
  type: 'Escape';
  command: VoiceBoardCommand;
}
export interface EscapeResponse {
  type: 'EscapeResponse';
}

// ---------------------------------------------------------------- errors

/** ECMA-269 error categories (csta-link.md, "Errors"). */
export type ErrorCategory =
  | 'operation'
  | 'security'
  | 'stateIncompatibility'
  | 'systemResourceAvailability'
  | 'subscribedResourceAvailability'
  | 'performanceManagement'
  | 'privateData'
  | 'unspecified';
export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  'operation',
  'security',
  'stateIncompatibility',
  'systemResourceAvailability',
  'subscribedResourceAvailability',
  'performanceManagement',
  'privateData',
  'unspecified',
];

export interface CSTAErrorCode {
  type: 'CSTAErrorCode';
  category: ErrorCategory;
  /** e.g. `invalidDeviceID`, `invalidCallID`, `invalidDeviceState`, `resourceBusy`. */
  value: string;
}

// ---------------------------------------------------------------- unions

export type CstaRequest =
  | StartApplicationSession
  | StopApplicationSession
  | ResetApplicationSessionTimer
  | SystemStatus
  | MakeCall
  | HoldCall
  | RetrieveCall
  | ClearConnection
  | AnswerCall
  | DeflectCall
  | SingleStepConferenceCall
  | MonitorStart
  | MonitorStop
  | SnapshotDevice
  | SnapshotCall
  | RouteRegister
  | RouteRegisterCancel
  | RouteRequest
  | RouteSelect
  | RouteEnd
  | SetForwarding
  | Escape;

export type CstaResponse =
  | StartApplicationSessionPosResponse
  | StartApplicationSessionNegResponse
  | StopApplicationSessionPosResponse
  | ResetApplicationSessionTimerPosResponse
  | ResetApplicationSessionTimerNegResponse
  | SystemStatusResponse
  | MakeCallResponse
  | HoldCallResponse
  | RetrieveCallResponse
  | ClearConnectionResponse
  | AnswerCallResponse
  | DeflectCallResponse
  | SingleStepConferenceCallResponse
  | MonitorStartResponse
  | MonitorStopResponse
  | SnapshotDeviceResponse
  | SnapshotCallResponse
  | RouteRegisterResponse
  | RouteRegisterCancelResponse
  | SetForwardingResponse
  | EscapeResponse
  | CSTAErrorCode;

export type CstaMessage = CstaRequest | CstaResponse | CstaEvent;
export type CstaMessageType = CstaMessage['type'];

/** Invoke id 9999 marks an event (csta-link.md, "Framing"). */
export const EVENT_INVOKE_ID = 9999;
export const MAX_INVOKE_ID = 9998;

/** One framed message: its invoke id and its decoded body. */
export interface CstaFrame<M extends CstaMessage = CstaMessage> {
  invokeId: number;
  message: M;
}

/** Namespaces (csta-link.md, "Framing" and "Session"). */
export const CSTA_NAMESPACE = 'http://www.ecma-international.org/standards/ecma-323/csta/ed5';
export const SESSION_NAMESPACE = 'http://www.ecma-international.org/standards/ecma-354/appl_session';
export const ACCEPTED_CSTA_NAMESPACES = [3, 4, 5, 6].map((ed) => `http://www.ecma-international.org/standards/ecma-323/csta/ed${ed}`);

/** Messages that belong to the ECMA-354 session namespace. */
export const SESSION_MESSAGES: ReadonlySet<CstaMessageType> = new Set<CstaMessageType>([
  'StartApplicationSession',
  'StartApplicationSessionPosResponse',
  'StartApplicationSessionNegResponse',
  'StopApplicationSession',
  'StopApplicationSessionPosResponse',
  'ResetApplicationSessionTimer',
  'ResetApplicationSessionTimerPosResponse',
  'ResetApplicationSessionTimerNegResponse',
]);
