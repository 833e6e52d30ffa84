// The two dialplan contexts ctid's contrib/asterisk/extensions_ctid.conf
// adds, as this PBX runs them: `ctid-rooms` (exten N: ConfBridge(ctid-N),
// a conference room) and `ctid-hold` (exten N: MusicOnHold(), where a
// barge-in parks the other party). ctid moves channels there with
// `Redirect` and rings a requester into a room with an `Originate` of
// context ctid-rooms.
//
// In the simulator a room is the conversation of the exchange's call whose
// channels entered it first: its members are channels of that call, a
// requester rung into the room is rung into that call (Exchange.ringInto),
// and a channel sent to ctid-hold is put on hold in it (so talk paths and
// the CSTA face agree with what AMI says). Hence two limits, named in the
// errors: a room takes channels of one call only, and an Originate into a
// room nobody is in fails (Asterisk would leave the phone alone in it).
//
// As on Asterisk, a channel redirected out of a two-party bridge made by
// Dial() takes its partner down with it (the Dial() returns and the
// dialplan hangs up), unless the partner is redirected in the same action.

import { randomUUID } from 'node:crypto';
import type { Call, Connection } from '../call.js';
import type { Exchange } from '../exchange.js';
import { REASON } from './ami-tables.js';
import { AmiBridge, type AmiChannel, type ChannelState } from './channels.js';
import type { OriginateRequest } from './ami-pbx.js';

export const ROOMS_CONTEXT = 'ctid-rooms';
export const HOLD_CONTEXT = 'ctid-hold';

type Fields = Record<string, string | number | undefined>;

/** What the rooms need of the PBX's channel bookkeeping (ami-pbx.ts). */
export interface RoomHost {
  readonly exchange: Exchange;
  channelOf(c: Connection | undefined): AmiChannel | undefined;
  newChannel(c: Connection, state: ChannelState, exten: string, uniqueid?: string): AmiChannel;
  setState(ch: AmiChannel, state: ChannelState): void;
  dialEnd(ch: AmiChannel, status: string): void;
  respondOriginate(ch: AmiChannel, success: boolean, reason: number): void;
  originateResponse(req: OriginateRequest, ch: AmiChannel | undefined, success: boolean, reason: number): void;
  /** Takes a channel out of its bridge (BridgeLeave, and BridgeDestroy for the last one). */
  leaveBridge(ch: AmiChannel): void;
  send(event: string, fields: Fields): void;
}

/** Where one channel of a Redirect goes. */
export interface RedirectLeg {
  channel: AmiChannel;
  context: string;
  exten: string;
}

class Room {
  readonly bridge = new AmiBridge(randomUUID(), 'confbridge');
  constructor(
    readonly exten: string,
    readonly call: Call,
  ) {}

  get conference(): string {
    return `ctid-${this.exten}`;
  }
}

export class ConfRooms {
  private readonly rooms = new Map<string, Room>();
  /** The Originate being rung into a room: its DeliveredEvent comes while ringInto() runs. */
  private pending: OriginateRequest | undefined;

  constructor(private readonly host: RoomHost) {}

  static handles(context: string): boolean {
    return context === ROOMS_CONTEXT || context === HOLD_CONTEXT;
  }

  /** The room a call's conversation is in, if any. */
  ofCall(call: Call): Room | undefined {
    for (const room of this.rooms.values()) if (room.call === call) return room;
    return undefined;
  }

  // ------------------------------------------------------------ Redirect

  /** Moves channels into rooms or onto hold; an error message when the move cannot be made (nothing moved then). */
  redirect(legs: RedirectLeg[]): string | undefined {
    for (const { channel, context, exten } of legs) {
      if (!/^\d{1,20}$/.test(exten)) return `Redirect: extension "${exten}" does not exist in context ${context}`;
      if (!ConfRooms.handles(context)) return `Redirect to context ${context} is not modelled by switch-sim (only ${ROOMS_CONTEXT} and ${HOLD_CONTEXT})`;
      if (!channel.conn.live || channel.state !== 6) return `Redirect: ${channel.name} is not up`;
      const room = context === ROOMS_CONTEXT ? this.rooms.get(exten) : undefined;
      if (room && room.call !== channel.conn.call) return `Redirect: room ${room.conference} holds another conversation (switch-sim rooms take the channels of one call)`;
    }
    const moved = new Set(legs.map((l) => l.channel));
    const left = new Set<AmiChannel>();
    for (const { channel, context, exten } of legs) {
      for (const partner of channel.bridge?.type === 'basic' ? channel.bridge.members : []) if (!moved.has(partner)) left.add(partner);
      if (context === ROOMS_CONTEXT) this.enter(this.roomFor(exten, channel.conn.call), channel);
      else this.hold(channel, exten);
    }
    // A Dial() whose bridge lost its other channel returns: the dialplan hangs its channel up.
    for (const partner of left) if (!partner.bridge || partner.bridge.members.size <= 1) this.host.exchange.clear(partner.conn);
    return undefined;
  }

  private roomFor(exten: string, call: Call): Room {
    let room = this.rooms.get(exten);
    if (!room) {
      this.rooms.set(exten, (room = new Room(exten, call)));
      this.host.send('ConfbridgeStart', { Conference: room.conference, ...room.bridge.fields() });
    }
    return room;
  }

  private enter(room: Room, ch: AmiChannel): void {
    if (ch.bridge === room.bridge) return;
    this.leave(ch);
    if (ch.conn.state === 'hold') this.host.exchange.retrieve(ch.conn);
    ch.context = ROOMS_CONTEXT;
    ch.exten = room.exten;
    ch.bridge = room.bridge;
    room.bridge.members.add(ch);
    this.host.send('BridgeEnter', { ...room.bridge.fields(), ...ch.fields() });
    this.host.send('ConfbridgeJoin', { Conference: room.conference, ...room.bridge.fields(), ...ch.fields(), Admin: 'No', Muted: 'No' });
  }

  private hold(ch: AmiChannel, exten: string): void {
    this.leave(ch);
    ch.context = HOLD_CONTEXT;
    ch.exten = exten;
    if (ch.conn.state === 'connected') this.host.exchange.hold(ch.conn, 'other');
    this.host.send('MusicOnHoldStart', { ...ch.fields(), Class: 'default' });
  }

  /** A channel leaves whatever bridge it is in (a room: ConfbridgeLeave first; the last one out ends the room). */
  leave(ch: AmiChannel): void {
    const room = [...this.rooms.values()].find((r) => r.bridge === ch.bridge);
    if (ch.context === HOLD_CONTEXT) this.host.send('MusicOnHoldStop', ch.fields());
    if (room) this.host.send('ConfbridgeLeave', { Conference: room.conference, ...room.bridge.fields(), ...ch.fields() });
    this.host.leaveBridge(ch);
    if (room && room.bridge.members.size === 0) {
      this.rooms.delete(room.exten);
      this.host.send('ConfbridgeEnd', { Conference: room.conference, ...room.bridge.fields() });
    }
  }

  // ------------------------------------------------------------ Originate into a room

  /**
   * Rings the Originate's phone into the room's conversation, or, for a
   * Local channel to an outside number, a trunk leg to it; the outcome comes
   * as OriginateResponse.
   */
  originate(req: OriginateRequest): void {
    const fail = (reason: number) => this.host.originateResponse(req, undefined, false, reason);
    const room = this.rooms.get(req.exten);
    if (req.context !== ROOMS_CONTEXT || !room || room.call.ended) return fail(REASON.failed);
    const { exchange } = this.host;
    const device = exchange.devices.get(req.ext);
    if (device && !device.inService) return fail(REASON.failed);
    if (device && (device.occupied || device.dnd)) return fail(REASON.busy);
    if (!device && exchange.trunksInUse >= exchange.trunks) return fail(REASON.congestion);
    this.pending = req;
    let c: Connection | undefined;
    try {
      c = device ? exchange.ringInto(room.call, req.ext) : exchange.ringOutInto(room.call, req.ext);
    } catch {
      // refused before anything rang: answered below
    }
    const rang = this.pending === undefined; // its channel was made (onDelivered)
    this.pending = undefined;
    if (!rang || !c) return fail(REASON.failed);
    if (!c.live) return; // failed at once: its FailedEvent answered the Originate
    c.timers.push(exchange.network.clock.setTimer(req.timeoutMs, () => c.live && this.host.channelOf(c)?.state !== 6 && exchange.clear(c, 'callNotAnswered')));
  }

  /** The phone (or trunk leg) of a room Originate rings: its channel, dialled as an Originate's first leg. True when it was one. */
  onDelivered(c: Connection): boolean {
    const req = this.pending;
    if (!c.ringsIn || !req || req.ext !== c.deviceId) return false;
    this.pending = undefined;
    const ch = this.host.newChannel(c, 0, req.exten, req.channelId);
    ch.context = ROOMS_CONTEXT;
    ch.originate = { actionId: req.actionId, context: req.context, exten: req.exten, responded: false };
    ch.dial = { from: undefined, dialString: c.deviceId, open: true };
    this.host.send('DialBegin', { ...ch.fields('Dest'), DialString: c.deviceId });
    return true;
  }

  /** The phone answered: the Originate succeeded and ConfBridge() puts it in the room. True when it was one. */
  onEstablished(c: Connection): boolean {
    const ch = this.host.channelOf(c);
    const room = this.ofCall(c.call);
    if (!c.ringsIn || !ch?.originate || !room) return false;
    this.host.setState(ch, 6);
    this.host.dialEnd(ch, 'ANSWER');
    this.host.respondOriginate(ch, true, REASON.answered);
    this.enter(room, ch);
    return true;
  }
}
