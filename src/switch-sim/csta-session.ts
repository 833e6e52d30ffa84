// One application's CSTA XML session with a simulated PBX: the switch side
// of csta-link.md. Lifecycle:
//   opening  - connected, waiting for StartApplicationSession
//   active   - session granted: requests served, events delivered, heartbeat running
//   closed   - connection gone; monitors and route registrations dropped
// Requests are dispatched through one table keyed by message type.

import { timingSafeEqual } from 'node:crypto';
import type { Clock, Timer } from '../common/clock.js';
import type { CstaConnection } from '../csta/connection.js';
import { CstaServiceError, isCstaServiceError, type CstaProtocolError } from '../csta/errors.js';
import { ACCEPTED_CSTA_NAMESPACES, CSTA_NAMESPACE, EVENT_INVOKE_ID, type CstaEvent, type CstaFrame, type CstaMessage, type CstaRequest, type CstaResponse } from '../csta/messages.js';
import type { Connection } from './call.js';
import type { Exchange, ExchangeEvent } from './exchange.js';
import type { RequestLog } from './request-log.js';
import type { RouteSink } from './routing.js';
import type { VoiceBoard } from './voice-board.js';

export interface SessionContext {
  exchange: Exchange;
  voiceBoard: VoiceBoard;
  log: RequestLog;
  clock: Clock;
  credentials: { user: string; password: string };
  heartbeatMs: number;
  systemStatus: string;
  maxSessionDurationS: number;
  /** Monitor cross-reference ids are unique across the PBX's sessions. */
  nextCrossRef(): string;
}

type State = 'opening' | 'active' | 'closed';

interface Monitor {
  crossRef: string;
  /** The monitored extension. */
  ext: string;
  /** The order the session's monitors were started in: events go out to them in that order. */
  seq: number;
}

type Handler = (request: never) => CstaResponse | void;

const DEFAULT_SESSION_S = 180;

export class CstaSession implements RouteSink {
  private state: State = 'opening';
  private sessionId = '';
  private sessionTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private heartbeatPending = false;
  private missedHeartbeats = 0;
  /** monitorCrossRefID -> monitor. */
  private readonly monitors = new Map<string, Monitor>();
  /** Monitored extension -> its monitors, in the order they were started (deliver looks events up here). */
  private readonly monitorsByDevice = new Map<string, Set<Monitor>>();
  private monitorSeq = 0;
  /** Events raised while a request is being served wait until its response is written. */
  private deferred: CstaEvent[] | undefined;
  private readonly onEvent = (e: ExchangeEvent) => this.deliver(e);

  constructor(
    private readonly conn: CstaConnection,
    private readonly ctx: SessionContext,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    conn.on('frame', (frame: CstaFrame) => this.onFrame(frame));
    // A message the switch cannot read: an unknown one ends the connection (issue 3: a clear error,
    // that connection only); a known one with a bad field is refused and the session goes on.
    conn.on('unreadable', (err: CstaProtocolError, invokeId: number) => {
      this.logger('unreadable message', { office: this.ctx.exchange.id, code: err.code, err: err.message });
      if (err.code === 'unknown-message') this.drop();
      else if (invokeId !== EVENT_INVOKE_ID) conn.send(invokeId, { type: 'CSTAErrorCode', category: 'operation', value: 'generic' });
    });
    conn.on('close', () => this.close());
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** Ends the session and drops the connection (link down, shutdown). */
  drop(): void {
    this.conn.destroy();
    this.close();
  }

  // ------------------------------------------------------------ requests

  private onFrame({ invokeId, message }: CstaFrame): void {
    if (this.state === 'closed') return;
    this.ctx.log.record(this.ctx.exchange.id, this.sessionId || '-', invokeId, message);
    const handler = this.handlers[message.type as keyof typeof this.handlers] as Handler | undefined;
    if (!handler) {
      this.conn.send(invokeId, { type: 'CSTAErrorCode', category: 'operation', value: 'requestIncompatibleWithObject' });
      return;
    }
    if (this.state === 'opening' && message.type !== 'StartApplicationSession') {
      this.conn.send(invokeId, { type: 'CSTAErrorCode', category: 'security', value: 'generic' });
      return;
    }
    this.deferred = [];
    let response: CstaResponse | void;
    try {
      response = handler(message as never);
    } catch (err) {
      response = isCstaServiceError(err)
        ? { type: 'CSTAErrorCode', category: err.category, value: err.value }
        : { type: 'CSTAErrorCode', category: 'unspecified', value: 'generic' };
      if (!isCstaServiceError(err)) this.logger('request failed', { type: message.type, err: String(err) });
    }
    if (response) this.conn.send(invokeId, response);
    const events = this.deferred;
    this.deferred = undefined;
    for (const event of events) this.conn.send(9999, event);
    if (response?.type === 'StartApplicationSessionNegResponse') this.drop();
  }

  private readonly handlers: { [T in CstaRequest['type']]?: (req: Extract<CstaRequest, { type: T }>) => CstaResponse | void } = {
    StartApplicationSession: (req) => {
      if (this.state !== 'opening') throw new CstaServiceError('stateIncompatibility', 'invalidState', 'session already started');
      if (!sameSecret(req.user, this.ctx.credentials.user) || !sameSecret(req.password, this.ctx.credentials.password)) {
        return { type: 'StartApplicationSessionNegResponse', errorCode: 'invalidApplicationInfo' };
      }
      const versions = req.protocolVersions.length > 0 ? req.protocolVersions : [CSTA_NAMESPACE];
      const version = versions.find((v) => ACCEPTED_CSTA_NAMESPACES.includes(v));
      if (!version) return { type: 'StartApplicationSessionNegResponse', errorCode: 'requestedProtocolVersionNotSupported' };
      this.state = 'active';
      this.sessionId = `${this.ctx.exchange.id}-${this.ctx.nextCrossRef()}`;
      const duration = this.armSessionTimer(req.requestedSessionDuration);
      this.armHeartbeat();
      this.ctx.exchange.on('event', this.onEvent);
      return { type: 'StartApplicationSessionPosResponse', sessionId: this.sessionId, protocolVersion: version, actualSessionDuration: duration };
    },
    StopApplicationSession: () => {
      setImmediate(() => this.drop());
      return { type: 'StopApplicationSessionPosResponse' };
    },
    ResetApplicationSessionTimer: (req) => {
      if (req.sessionId !== this.sessionId) return { type: 'ResetApplicationSessionTimerNegResponse', errorCode: 'invalidSessionID' };
      return { type: 'ResetApplicationSessionTimerPosResponse', actualSessionDuration: this.armSessionTimer(req.requestedSessionDuration) };
    },
    MakeCall: (req) => {
      const c = this.ctx.exchange.makeCall(req.callingDevice, req.calledDirectoryNumber, req.autoOriginate !== 'doNotPrompt');
      return { type: 'MakeCallResponse', callingDevice: c.id };
    },
    AnswerCall: (req) => {
      this.ctx.exchange.answerConnection(this.ctx.exchange.connection(req.callToBeAnswered));
      return { type: 'AnswerCallResponse' };
    },
    DeflectCall: (req) => {
      this.ctx.exchange.deflect(this.ctx.exchange.connection(req.callToBeDiverted), req.newDestination);
      return { type: 'DeflectCallResponse' };
    },
    ClearConnection: (req) => {
      this.ctx.exchange.clear(this.ctx.exchange.connection(req.connectionToBeCleared));
      return { type: 'ClearConnectionResponse' };
    },
    HoldCall: (req) => {
      this.ctx.exchange.hold(this.ctx.exchange.connection(req.callToBeHeld), 'other');
      return { type: 'HoldCallResponse' };
    },
    RetrieveCall: (req) => {
      this.ctx.exchange.retrieve(this.ctx.exchange.connection(req.callToBeRetrieved));
      return { type: 'RetrieveCallResponse' };
    },
    SingleStepConferenceCall: (req) => {
      const exchange = this.ctx.exchange;
      const c = exchange.singleStepConference(exchange.connection(req.activeCall), req.deviceToJoin, req.participationType ?? 'active');
      return { type: 'SingleStepConferenceCallResponse', conferencedCall: c.id, connections: c.call.live.map((x) => x.id) };
    },
    MonitorStart: (req) => {
      this.ctx.exchange.device(req.monitorObject);
      const crossRef = this.ctx.nextCrossRef();
      const monitor: Monitor = { crossRef, ext: req.monitorObject, seq: this.monitorSeq++ };
      this.monitors.set(crossRef, monitor);
      let ofDevice = this.monitorsByDevice.get(monitor.ext);
      if (!ofDevice) this.monitorsByDevice.set(monitor.ext, (ofDevice = new Set()));
      ofDevice.add(monitor);
      return { type: 'MonitorStartResponse', monitorCrossRefId: crossRef };
    },
    MonitorStop: (req) => {
      const monitor = this.monitors.get(req.monitorCrossRefId);
      if (!monitor) throw new CstaServiceError('operation', 'invalidCrossRefID', `no monitor ${req.monitorCrossRefId}`);
      this.monitors.delete(monitor.crossRef);
      const ofDevice = this.monitorsByDevice.get(monitor.ext);
      ofDevice?.delete(monitor);
      if (ofDevice?.size === 0) this.monitorsByDevice.delete(monitor.ext);
      return { type: 'MonitorStopResponse' };
    },
    SnapshotDevice: (req) => {
      const device = this.ctx.exchange.device(req.snapshotObject);
      return { type: 'SnapshotDeviceResponse', calls: [...device.connections].map((c) => ({ connection: c.id, state: c.state })) };
    },
    // The live connections of the call the named connection is in; exchange.connection() refuses
    // an unknown call (invalidCallID) or a connection no longer in it (invalidConnectionID).
    SnapshotCall: (req) => {
      const { call } = this.ctx.exchange.connection(req.snapshotObject);
      return { type: 'SnapshotCallResponse', connections: call.live.map((c) => ({ device: c.deviceId, connection: c.id, state: c.state })) };
    },
    RouteRegister: (req) => ({ type: 'RouteRegisterResponse', routeRegisterReqId: this.ctx.exchange.routing.register(req.routingDevice, this) }),
    RouteRegisterCancel: (req) => {
      this.ctx.exchange.routing.cancel(req.routeRegisterReqId, this);
      return { type: 'RouteRegisterCancelResponse' };
    },
    RouteSelect: (req) => this.ctx.exchange.routing.select(req.routeRegisterReqId, req.crossRefIdentifier, req.routeSelected, this),
    RouteEnd: (req) => this.ctx.exchange.routing.end(req.routeRegisterReqId, req.crossRefIdentifier, this),
    SetForwarding: (req) => {
      const device = this.ctx.exchange.device(req.device);
      const key = ({ forwardImmediate: 'immediate', forwardBusy: 'busy', forwardNoAns: 'noAnswer' } as const)[req.forwardingType];
      if (req.activateForward && !req.forwardDN) throw new CstaServiceError('operation', 'invalidForwardingDestination', 'forwardDN is required to activate forwarding');
      if (req.activateForward) device.forwarding[key] = req.forwardDN;
      else delete device.forwarding[key];
      return { type: 'SetForwardingResponse' };
    },
    Escape: (req) => {
      this.ctx.voiceBoard.run(this.ctx.exchange, req.command);
      return { type: 'EscapeResponse' };
    },
  };

  // ------------------------------------------------------------ events and routing towards the application

  private deliver({ body, devices, call }: ExchangeEvent): void {
    if (this.state !== 'active' || this.monitors.size === 0) return;
    const hits: { monitor: Monitor; own: Connection | undefined }[] = [];
    let devicesHit = 0;
    for (let i = 0; i < devices.length; i++) {
      const ext = devices[i];
      const ofDevice = this.monitorsByDevice.get(ext);
      if (!ofDevice || devices.indexOf(ext) !== i) continue; // each device once, however often it is listed
      devicesHit++;
      const own = call?.connections.findLast((c) => c.deviceId === ext && c.device);
      for (const monitor of ofDevice) hits.push({ monitor, own });
    }
    // Several devices' monitors: in the order the monitors were started, not the order of the devices.
    if (devicesHit > 1) hits.sort((a, b) => a.monitor.seq - b.monitor.seq);
    for (const { monitor, own } of hits) {
      const event = { ...body, monitorCrossRefId: monitor.crossRef, ...(own ? { localConnectionInfo: own.state } : {}) } as CstaEvent;
      if (this.deferred) this.deferred.push(event);
      else this.conn.send(9999, event);
    }
  }

  request(req: Parameters<RouteSink['request']>[0]): void {
    this.sendFromSwitch({ type: 'RouteRequest', ...req });
  }

  end(end: Parameters<RouteSink['end']>[0]): void {
    this.sendFromSwitch({ type: 'RouteEnd', ...end });
  }

  /** Requests the switch originates carry invoke ids from its own counter (csta-link.md "Session"). */
  private sendFromSwitch(message: CstaMessage): void {
    if (this.state !== 'active') return;
    if (this.deferred) {
      // Keep the order the application would see from a real switch: after the response.
      queueMicrotask(() => this.sendFromSwitch(message));
      return;
    }
    this.conn.send(this.conn.nextInvokeId(), message);
  }

  // ------------------------------------------------------------ timers

  private armSessionTimer(requested: number | undefined): number {
    const seconds = Math.min(requested && requested > 0 ? requested : DEFAULT_SESSION_S, this.ctx.maxSessionDurationS);
    this.sessionTimer?.cancel();
    this.sessionTimer = this.ctx.clock.setTimer(seconds * 1000, () => {
      this.logger('session expired', { session: this.sessionId });
      this.drop();
    });
    return seconds;
  }

  /** The switch's SystemStatus heartbeat: two missed answers in a row and the link is down. */
  private armHeartbeat(): void {
    this.heartbeatTimer = this.ctx.clock.setTimer(this.ctx.heartbeatMs, () => {
      if (this.state !== 'active') return;
      if (this.heartbeatPending && ++this.missedHeartbeats >= 2) {
        this.logger('heartbeat missed twice', { session: this.sessionId });
        this.drop();
        return;
      }
      if (!this.heartbeatPending) this.missedHeartbeats = 0;
      this.heartbeatPending = true;
      this.conn
        .request({ type: 'SystemStatus', systemStatus: this.ctx.systemStatus })
        .then(() => {
          this.heartbeatPending = false;
          this.missedHeartbeats = 0;
        })
        .catch(() => undefined);
      this.armHeartbeat();
    });
  }

  private close(): void {
    if (this.state === 'closed') return;
    const wasActive = this.state === 'active';
    this.state = 'closed';
    this.sessionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.monitors.clear();
    this.monitorsByDevice.clear();
    if (wasActive) {
      this.ctx.exchange.off('event', this.onEvent);
      this.ctx.exchange.routing.dropSink(this);
    }
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
