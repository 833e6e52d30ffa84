// One PBX as an Asterisk 22 would show it over AMI. It follows the
// exchange's events (the same model the CSTA face reports) and tells them as
// Asterisk events: channels (Newchannel, Newstate, Hangup), dials (DialBegin,
// DialEnd), bridges, line state (DeviceStateChange, ExtensionStatus) and
// Originate outcomes. It runs from start-up whether or not a manager is
// logged in, so channel names and counters are those of the PBX, not of a
// session; sessions (ami-session.ts) subscribe to its `event`s.
//
// Orders follow what issue 10 saw on Asterisk 22 for an Originate of
// PJSIP/2001 to 2002: Newchannel, DialBegin, ExtensionStatus Ringing,
// DeviceStateChange RINGING, Newstate Up, DialEnd ANSWER, OriginateResponse,
// DeviceStateChange INUSE, Newchannel (2002), DialBegin, ..., DialEnd
// ANSWER, BridgeCreate, BridgeEnter x2. A PBX with an AMI face runs its
// calls as Asterisk's dialplan does (`Dial()` then `Hangup()`): when the
// dialled party cannot be reached, the caller's channel is hung up with the
// same cause, instead of hearing the tone as on a CSTA switch.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AmiMessage } from '../../ami/codec.js';
import type { CstaEventBody, EventCause } from '../../csta/messages.js';
import type { Call, Connection } from '../call.js';
import type { Exchange, ExchangeEvent } from '../exchange.js';
import type { AmiConfig } from '../world-file.js';
import { causeOf, dialStatusOf, deviceStateOf, HINT_STATUS, originateReasonOf, REASON, type AmiDeviceState, type Cause } from './ami-tables.js';
import { LineStates } from './line-states.js';
import { AmiBridge, AmiChannel, type ChannelState } from './channels.js';
import { ConfRooms, HOLD_CONTEXT, type RedirectLeg } from './conf-rooms.js';
import { runApplication, type AppRequest, type MediaRecorder } from './ami-applications.js';
import { AstDb } from './astdb.js';

type Fields = Record<string, string | number | undefined>;
type Body<T extends CstaEventBody['type']> = Extract<CstaEventBody, { type: T }>;

/** An Originate the session accepted (ami-actions.ts checked the Channel). */
export interface OriginateRequest {
  /** The extension of `Channel: PJSIP/EXT`, or the number of `Local/NUMBER@CONTEXT`. */
  ext: string;
  context: string;
  exten: string;
  actionId: string | undefined;
  /** How long the first phone may ring, ms of world time. */
  timeoutMs: number;
  /** `ChannelId`: the Uniqueid the first channel is to have. */
  channelId: string | undefined;
  /** `Application` / `Data`: run on the phone once it answers, instead of dialling `exten`. */
  application?: AppRequest;
}

export class AmiPbx extends EventEmitter<{ event: [AmiMessage] }> {
  readonly context: string;
  /** ctid's contexts: conference rooms and hold (Redirect, Originate into a room). */
  private readonly rooms = new ConfRooms(this);
  /** The PBX's AstDB (DB* actions; the FastAGI dialplan reads it). */
  readonly db = new AstDb();
  private readonly quirks: AmiConfig['quirks'];
  private readonly channels = new Map<Connection, AmiChannel>();
  private readonly linkedIds = new Map<Call, string>();
  private readonly bridges = new Map<Call, AmiBridge>();
  private readonly lineStates: LineStates;
  private channelSeq = 0;
  private uniqueSeq = 0;
  private readonly epoch = Math.floor(Date.now() / 1000);
  /** The Originate being placed: its ServiceInitiatedEvent comes while makeCall() runs. */
  private pending: OriginateRequest | undefined;
  private readonly onExchangeEvent = (e: ExchangeEvent) => {
    // A fault here must not break the exchange's own work (it emits mid-operation) nor the CSTA face.
    try {
      this.translate(e);
    } catch (err) {
      this.logger('AMI event not translated', { office: this.exchange.id, event: e.body.type, err: String(err) });
    }
  };

  constructor(
    readonly exchange: Exchange,
    config: Pick<AmiConfig, 'context' | 'quirks'>,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void = () => {},
    /** Where Playback and SendFAX record what a device heard or received (the world's voice board). */
    private readonly media: MediaRecorder,
  ) {
    super();
    this.setMaxListeners(0); // one listener per manager session
    this.context = config.context;
    this.quirks = config.quirks;
    this.lineStates = new LineStates(exchange, this.context, (event, fields) => this.send(event, fields));
    exchange.on('event', this.onExchangeEvent);
  }

  close(): void {
    this.exchange.off('event', this.onExchangeEvent);
  }

  // ------------------------------------------------------------ what actions ask

  /** Async Originate: ring the channel's phone; when it answers, dial `exten` (a CSTA MakeCall with a prompt), or run the application. */
  originate(req: OriginateRequest): void {
    if (ConfRooms.handles(req.context)) return this.rooms.originate(req);
    const fail = (reason: number) => this.originateResponse(req, undefined, false, reason);
    const app = req.application;
    if (!app && req.context !== this.context) return fail(REASON.failed);
    const device = this.exchange.device(req.ext);
    if (!device.inService) return fail(REASON.failed);
    if (device.occupied || device.dnd) return fail(REASON.busy);
    this.pending = req;
    let c: Connection;
    try {
      c = app ? this.exchange.ringForApplication(req.ext, app.name, (answered) => this.startApplication(answered, app)) : this.exchange.makeCall(req.ext, req.exten, true);
    } catch {
      return fail(REASON.failed); // an Exten the switch cannot dial
    } finally {
      this.pending = undefined;
    }
    // The Originate's own ring timeout; the exchange cancels it with the connection's other timers.
    if (c.prompting) c.timers.push(this.exchange.network.clock.setTimer(req.timeoutMs, () => c.prompting && this.exchange.clear(c, 'callNotAnswered')));
  }

  /** An Originate's application on its answered channel (ami-applications.ts). */
  private startApplication(c: Connection, app: AppRequest): void {
    const channel = this.channels.get(c)?.fields() ?? {};
    runApplication(app, { conn: c, channel, send: (event, fields) => this.send(event, fields), media: this.media, hangup: () => this.exchange.clear(c) });
  }

  /** Hangup action: clears the channel's connection (CSTA ClearConnection); false for no such channel. */
  hangup(name: string): boolean {
    const ch = this.channelNamed(name);
    if (!ch) return false;
    this.exchange.clear(ch.conn);
    return true;
  }

  /** Redirect action: channels into ctid's rooms or onto hold; an error message when it cannot be done. */
  redirect(legs: { channel: string; context: string; exten: string }[]): string | undefined {
    const resolved: RedirectLeg[] = [];
    for (const leg of legs) {
      const channel = this.channelNamed(leg.channel);
      if (!channel) return `Channel does not exist: ${leg.channel}`;
      resolved.push({ ...leg, channel });
    }
    return this.rooms.redirect(resolved);
  }

  channelNamed(name: string): AmiChannel | undefined {
    for (const ch of this.channels.values()) if (ch.name === name) return ch;
    return undefined;
  }

  isUniqueidInUse(id: string): boolean {
    for (const ch of this.channels.values()) if (ch.uniqueid === id) return true;
    return false;
  }

  liveChannels(): AmiChannel[] {
    return [...this.channels.values()];
  }

  /** Every device of the PBX with its current state (DeviceStateList). */
  deviceStates(): { device: string; state: AmiDeviceState }[] {
    return [...this.exchange.devices.values()].map((d) => ({ device: `PJSIP/${d.ext}`, state: deviceStateOf(d) }));
  }

  /** ExtensionState: the hint of a station in this context, or Status -1. */
  extensionState(exten: string, context: string): { hint: string; status: number; text: string } {
    const device = this.exchange.devices.get(exten);
    if (context !== this.context || device?.kind !== 'station') return { hint: '', status: -1, text: 'Unknown' };
    const { status, text } = HINT_STATUS[deviceStateOf(device)];
    return { hint: `PJSIP/${exten}`, status, text };
  }

  // ------------------------------------------------------------ the exchange's events as Asterisk's

  private translate({ body, devices, call }: ExchangeEvent): void {
    if (call) {
      switch (body.type) {
        case 'ServiceInitiatedEvent':
          this.onInitiated(call, body);
          break;
        case 'OriginatedEvent':
          this.onOriginated(call, body);
          break;
        case 'DeliveredEvent':
          this.onDelivered(call, body);
          break;
        case 'NetworkReachedEvent': {
          const c = call.find(body.outboundConnection.deviceId);
          if (!c || !this.rooms.onDelivered(c)) this.dialTo(call, c);
          break;
        }
        case 'EstablishedEvent':
          this.onEstablished(call, body);
          break;
        case 'FailedEvent':
          this.onFailed(call, body);
          break;
        case 'ConnectionClearedEvent':
          this.onCleared(call, body);
          break;
        case 'HeldEvent':
        case 'RetrievedEvent': {
          const id = body.type === 'HeldEvent' ? body.heldConnection : body.retrievedConnection;
          const ch = this.channelOf(call.find(id.deviceId));
          // ctid's hold context plays its own music (MusicOnHoldStart/Stop from conf-rooms.ts): not a phone's hold.
          if (ch && ch.context !== HOLD_CONTEXT) this.send(body.type === 'HeldEvent' ? 'Hold' : 'Unhold', { ...ch.fields(), ...(body.type === 'HeldEvent' ? { MusicClass: 'default' } : {}) });
          break;
        }
        case 'ConferencedEvent': {
          const c = call.find(body.addedParty);
          if (c) this.ensureChannel(c);
          this.bridgeCall(call);
          break;
        }
        default:
          break; // Diverted: the new destination's DialBegin tells it
      }
    }
    this.lineStates.report(devices);
  }

  private onInitiated(call: Call, body: Body<'ServiceInitiatedEvent'>): void {
    const c = call.find(body.initiatedConnection.deviceId);
    if (!c) return;
    const req = this.pending?.ext === c.deviceId ? this.pending : undefined;
    this.pending = undefined;
    if (body.cause === 'newCall') {
      // The phone went off-hook and dialled: an inbound channel, ringing the dialplan.
      this.newChannel(c, 4, c.pendingNumber ?? '');
      return;
    }
    // An Originate (or a CSTA MakeCall): the PBX dials the calling phone first; its DialBegin names no Channel.
    const ch = this.newChannel(c, 0, req?.exten ?? c.pendingNumber ?? '', req?.channelId);
    if (req) ch.originate = { actionId: req.actionId, context: req.context, exten: req.exten, responded: false, application: req.application };
    ch.dial = { from: undefined, dialString: c.deviceId, open: true };
    this.send('DialBegin', { ...ch.fields('Dest'), DialString: c.deviceId });
  }

  private onOriginated(call: Call, body: Body<'OriginatedEvent'>): void {
    const ch = this.channelOf(call.find(body.originatedConnection.deviceId));
    if (!ch?.dial?.open || ch.dial.from) return; // a phone dialling by itself: its channel is there already
    if (this.quirks.originateResponseFirst) this.respondOriginate(ch, true, REASON.answered);
    this.setState(ch, 6);
    this.dialEnd(ch, 'ANSWER');
    this.respondOriginate(ch, true, REASON.answered);
  }

  private onDelivered(call: Call, body: Body<'DeliveredEvent'>): void {
    const c = call.find(body.connection.deviceId);
    if (!c || this.rooms.onDelivered(c)) return;
    if (c.device) {
      this.dialTo(call, c);
      return;
    }
    const trunk = this.channels.get(c); // the far end rings: 180 Ringing on the trunk
    if (trunk && trunk.state === 0) this.setState(trunk, 5);
  }

  private onEstablished(call: Call, body: Body<'EstablishedEvent'>): void {
    const c = call.find(body.establishedConnection.deviceId);
    if (!c || this.rooms.onEstablished(c)) return;
    const ch = this.ensureChannel(c);
    this.setState(ch, 6);
    if (ch.dial?.open) {
      const from = ch.dial.from;
      if (from) this.setState(from, 6); // Dial() answers the caller's channel when the callee answers
      this.dialEnd(ch, 'ANSWER');
    }
    this.bridgeCall(call);
  }

  private onFailed(call: Call, body: Body<'FailedEvent'>): void {
    const id = body.failedConnection.deviceId;
    const c = call.connections.findLast((x) => x.deviceId === id && x.state === 'fail');
    if (!c) return;
    // A party that never rang (busy, unknown) still gets its channel and DialBegin, as a Dial() does.
    const ch = this.channels.get(c) ?? this.dialTo(call, c);
    if (ch.dial?.open) this.dialEnd(ch, dialStatusOf(body.cause));
    const from = ch.dial?.from?.conn;
    this.respondOriginate(ch, false, originateReasonOf(body.cause)); // a trunk leg an Originate rang into a room
    this.hangupChannel(ch, causeOf(body.cause));
    // The dialplan's Hangup() after a failed Dial(): the caller goes too, with the same cause.
    // Not while ctid's FastAGI holds the call (call.routing): its own Dial failed, and the call waits for the next.
    if (from) queueMicrotask(() => from.live && from.call.live.length === 1 && !from.call.routing && this.exchange.clear(from, body.cause));
  }

  private onCleared(call: Call, body: Body<'ConnectionClearedEvent'>): void {
    const id = body.droppedConnection.deviceId;
    const ch = call.connections.filter((x) => x.deviceId === id && x.state === 'null').map((x) => this.channels.get(x)).find((x) => x !== undefined);
    if (!ch) return;
    const cause = body.cause as EventCause | undefined;
    const originating = ch.dial?.open && !ch.dial.from && ch.originate !== undefined;
    const reason = cause === 'callNotAnswered' ? REASON.noAnswer : REASON.hungUp;
    if (originating && this.quirks.originateResponseFirst) this.respondOriginate(ch, false, reason);
    if (ch.dial?.open) {
      if (!ch.dial.from) this.dialEnd(ch, cause === 'callNotAnswered' ? 'NOANSWER' : 'CANCEL');
      else if (cause === 'redirected') ch.dial.open = false; // sent on elsewhere: the next DialBegin says where
      else this.dialEnd(ch, 'BUSY'); // the ringing phone refused the call
    }
    // The caller left while its callees rang: their dials are cancelled.
    for (const other of this.channels.values()) if (other.dial?.open && other.dial.from === ch) this.dialEnd(other, 'CANCEL');
    this.hangupChannel(ch, causeOf(cause));
    if (originating) this.respondOriginate(ch, false, reason);
  }

  // ------------------------------------------------------------ channels, dials, bridges

  newChannel(c: Connection, state: ChannelState, exten: string, uniqueid = `${this.epoch}.${this.uniqueSeq++}`): AmiChannel {
    const base = c.device ? c.deviceId : isTrunkParty(c) ? 'trunk' : c.deviceId;
    const name = `PJSIP/${base}-${(this.channelSeq++ & 0xffffffff).toString(16).padStart(8, '0')}`;
    let linkedid = this.linkedIds.get(c.call);
    if (linkedid === undefined) this.linkedIds.set(c.call, (linkedid = uniqueid));
    const ch = new AmiChannel(c, name, uniqueid, linkedid, state, c.deviceId, this.context, exten);
    this.channels.set(c, ch);
    this.send('Newchannel', ch.fields());
    return ch;
  }

  /** The channel of a connection, made now if it has none (an incoming trunk, a party joined by conference). */
  private ensureChannel(c: Connection): AmiChannel {
    return this.channels.get(c) ?? this.newChannel(c, c.device ? 6 : 4, c.device ? c.deviceId : c.call.calledDevice);
  }

  channelOf(c: Connection | undefined): AmiChannel | undefined {
    return c ? this.channels.get(c) : undefined;
  }

  /** Dial() from the call's first party to `c`: its channel and DialBegin. */
  private dialTo(call: Call, c: Connection | undefined): AmiChannel {
    if (!c) throw new Error('no connection to dial');
    const first = call.connections.find((x) => x !== c && x.live);
    const from = first ? this.ensureChannel(first) : undefined;
    const trunk = !c.device && isTrunkParty(c);
    const ch = this.newChannel(c, 0, c.deviceId);
    const dialString = trunk ? `${c.deviceId}@trunk` : c.deviceId;
    ch.dial = { from, dialString, open: true };
    this.send('DialBegin', { ...(from ? from.fields() : {}), ...ch.fields('Dest'), DialString: dialString });
    return ch;
  }

  dialEnd(ch: AmiChannel, status: string): void {
    if (!ch.dial) return;
    ch.dial.open = false;
    const fields = { ...(ch.dial.from ? ch.dial.from.fields() : {}), ...ch.fields('Dest'), DialStatus: status };
    this.send('DialEnd', fields);
    if (this.quirks.duplicateDialEnd) this.send('DialEnd', fields);
  }

  setState(ch: AmiChannel, state: ChannelState): void {
    if (ch.state === state) return;
    ch.state = state;
    this.send('Newstate', ch.fields());
  }

  /** The call's answered channels meet in one basic bridge, made when the second one is up. */
  private bridgeCall(call: Call): void {
    if (this.rooms.ofCall(call)) return; // its channels are in a room: who enters it is ctid's doing (Redirect, Originate)
    const up = call.live.map((c) => this.channels.get(c)).filter((ch): ch is AmiChannel => ch?.state === 6 && (ch.conn.state === 'connected' || ch.conn.state === 'hold'));
    let bridge = this.bridges.get(call);
    if (!bridge) {
      if (up.length < 2) return;
      bridge = new AmiBridge(randomUUID());
      this.bridges.set(call, bridge);
      this.send('BridgeCreate', bridge.fields());
    }
    for (const ch of up) {
      if (ch.bridge) continue;
      ch.bridge = bridge;
      bridge.members.add(ch);
      this.send('BridgeEnter', { ...bridge.fields(), ...ch.fields() });
    }
  }

  leaveBridge(ch: AmiChannel): void {
    const bridge = ch.bridge;
    if (!bridge) return;
    bridge.members.delete(ch);
    ch.bridge = undefined;
    this.send('BridgeLeave', { ...bridge.fields(), ...ch.fields() });
    if (bridge.members.size > 0) return;
    this.send('BridgeDestroy', bridge.fields());
    if (this.bridges.get(ch.conn.call) === bridge) this.bridges.delete(ch.conn.call);
  }

  private hangupChannel(ch: AmiChannel, cause: Cause): void {
    const call = ch.conn.call;
    this.rooms.leave(ch);
    this.send('Hangup', { ...ch.fields(), Cause: cause.code, 'Cause-txt': cause.text });
    this.channels.delete(ch.conn);
    if (!call.connections.some((c) => this.channels.has(c))) {
      this.linkedIds.delete(call);
      this.bridges.delete(call);
    }
  }

  // ------------------------------------------------------------ Originate outcomes

  respondOriginate(ch: AmiChannel, success: boolean, reason: number): void {
    if (!ch.originate || ch.originate.responded) return;
    ch.originate.responded = true;
    const { actionId, context, exten, application } = ch.originate;
    this.originateResponse({ actionId, ext: ch.conn.deviceId, context, exten, application }, ch, success, reason);
  }

  originateResponse(req: Pick<OriginateRequest, 'actionId' | 'ext' | 'context' | 'exten' | 'application'>, ch: AmiChannel | undefined, success: boolean, reason: number): void {
    this.send('OriginateResponse', {
      ActionID: req.actionId,
      Response: success ? 'Success' : 'Failure',
      Channel: ch?.name ?? `PJSIP/${req.ext}`,
      Context: req.context,
      Exten: req.exten,
      Application: req.application?.name ?? '',
      Data: req.application?.data ?? '',
      Reason: reason,
      Uniqueid: ch?.uniqueid ?? '<null>',
      CallerIDNum: '<unknown>',
      CallerIDName: '<unknown>',
    });
  }

  send(event: string, fields: Fields): void {
    this.emit('event', AmiMessage.of({ Event: event, Privilege: 'call,all', ...fields }));
  }
}

/** A connection that stands for a party beyond the PBX's trunks (not an unknown extension). */
function isTrunkParty(c: Connection): boolean {
  return c === c.call.incomingTrunk || c.peer !== undefined || c.deviceId.startsWith('0');
}
