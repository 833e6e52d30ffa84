// One exchange: a PBX of an office, or the public network's exchange that
// serves the `pstn` phones. It owns its devices and calls, moves connections
// through the ECMA-269 states, and reports every change as a CSTA event body
// addressed to the devices whose monitors should see it. Calls that leave the
// exchange go through the World (the public network), which links a trunk
// connection here with one in the far exchange: each exchange reports only
// its own leg, as real PBXs do.

import { EventEmitter } from 'node:events';
import type { ConnectionId, CstaEventBody, EventCause } from '../csta/messages.js';
import { CstaServiceError } from '../csta/errors.js';
import { NumberingPlan } from '../common/numbering.js';
import { Call, Connection, Device } from './call.js';
import type { DeviceKind } from './control.js';
import type { PublicNetwork } from './network.js';
import { Routing } from './routing.js';

export interface ExchangeEvent {
  body: CstaEventBody;
  /** Extensions whose device monitors report it. */
  devices: string[];
  /** The call it concerns, so each monitor can report its own device's connection state. */
  call: Call | undefined;
}

export interface ExchangeOptions {
  id: string;
  /** Whether it is the public network's exchange (no CSTA, no trunks of its own). */
  isPublic: boolean;
  trunks: number;
  numbering: NumberingPlan;
}

/** Forwarding hops one call may take before the switch gives up (a loop guard). */
const MAX_REDIRECTIONS = 5;

const bad = (category: 'operation' | 'stateIncompatibility' | 'systemResourceAvailability', value: string, message: string) =>
  new CstaServiceError(category, value, message);

export class Exchange extends EventEmitter<{ event: [ExchangeEvent] }> {
  /** The call ringOutInto is placing a trunk leg into, while it does. */
  private ringingOut: Call | undefined;
  readonly id: string;
  readonly isPublic: boolean;
  readonly trunks: number;
  readonly numbering: NumberingPlan;
  readonly devices = new Map<string, Device>();
  readonly calls = new Map<string, Call>();
  readonly routing: Routing;
  /** The PBX's dialplan, where one asks a FastAGI server about some calls (ami/agi-dialplan.ts): after routing, it may hold a call too. */
  dialplan: { intercept(call: Call, device: Device): boolean } | undefined;
  private callSeq = 0;

  constructor(
    options: ExchangeOptions,
    readonly network: PublicNetwork,
  ) {
    super();
    this.id = options.id;
    this.isPublic = options.isPublic;
    this.trunks = options.trunks;
    this.numbering = options.numbering;
    this.routing = new Routing(this);
  }

  addDevice(ext: string, kind: DeviceKind, settings: { answer: 'auto' | 'manual' | 'never'; rings: number }): Device {
    const external = this.isPublic ? ext : this.numbering.toExternal(ext);
    const device = new Device(this.id, ext, kind, settings, external);
    this.devices.set(ext, device);
    return device;
  }

  // ------------------------------------------------------------ lookups

  device(ext: string): Device {
    const d = this.devices.get(ext);
    if (!d) throw bad('operation', 'invalidDeviceID', `no device ${ext} on ${this.id}`);
    return d;
  }

  connection(id: ConnectionId): Connection {
    const call = this.calls.get(id.callId);
    if (!call) throw bad('operation', 'invalidCallID', `no call ${id.callId} on ${this.id}`);
    const c = call.find(id.deviceId);
    if (!c) throw bad('operation', 'invalidConnectionID', `device ${id.deviceId} has no connection in call ${id.callId}`);
    return c;
  }

  /** Trunk connections in use: each holds one of the exchange's trunks. */
  get trunksInUse(): number {
    let n = 0;
    for (const call of this.calls.values()) for (const c of call.connections) if (c.isTrunk && c.live) n++;
    return n;
  }

  // ------------------------------------------------------------ events

  emitEvent(call: Call | undefined, body: CstaEventBody, extra: string[] = []): void {
    const devices = new Set(call ? call.parties : []);
    for (const d of extra) devices.add(d);
    this.emit('event', { body, devices: [...devices], call });
  }

  // ------------------------------------------------------------ making calls

  newCall(calling: string, called: string): Call {
    const call = new Call(this.id, String(++this.callSeq), calling, called);
    this.calls.set(call.id, call);
    return call;
  }

  attach(call: Call, deviceId: string, device: Device | undefined, state: Connection['state']): Connection {
    const c = new Connection(call, deviceId, device, state);
    if (!device && this.ringingOut === call) c.ringsIn = true; // the trunk leg ringOutInto asked for
    call.connections.push(c);
    device?.connections.add(c);
    return c;
  }

  /** Whether a device can start a call: in service, not busy, not do-not-disturb. */
  assertCanOriginate(device: Device): void {
    if (!device.inService) throw bad('stateIncompatibility', 'invalidDeviceState', `${device.name} is out of service`);
    if (device.occupied) throw bad('stateIncompatibility', 'invalidDeviceState', `${device.name} is busy`);
    if (device.dnd) throw bad('stateIncompatibility', 'invalidDeviceState', `${device.name} is set to do-not-disturb`);
  }

  /**
   * Two-point connection (CSTA MakeCall): ring the calling device first; when
   * it answers, call the number. Auto-answer devices, voice-board ports and
   * `doNotPrompt` connect the calling device at once (csta-link.md).
   */
  makeCall(callingExt: string, number: string, prompt: boolean): Connection {
    const device = this.device(callingExt);
    const digits = dialledDigits(number);
    if (digits === undefined) throw bad('operation', 'invalidCalledDevice', `"${number}" is not a number the switch can dial`);
    this.assertCanOriginate(device);
    const call = this.newCall(device.ext, digits);
    const c = this.attach(call, device.ext, device, 'initiated');
    c.pendingNumber = digits;
    const connectsAtOnce = !prompt || device.answer === 'auto' || device.kind === 'voice-board';
    c.prompting = !connectsAtOnce;
    this.emitEvent(call, { type: 'ServiceInitiatedEvent', initiatedConnection: c.id, initiatingDevice: device.ext, cause: 'makeCall' });
    if (connectsAtOnce) this.originate(c, 'makeCall');
    else this.ring(c);
    return c;
  }

  /** The phone goes off-hook and dials (switch-sim dial). */
  dial(device: Device, number: string): Connection {
    const digits = dialledDigits(number);
    if (digits === undefined) throw bad('operation', 'invalidCalledDevice', `"${number}" is not a number a phone can dial`);
    this.assertCanOriginate(device);
    const call = this.newCall(device.ext, digits);
    const c = this.attach(call, device.ext, device, 'initiated');
    c.pendingNumber = digits;
    this.emitEvent(call, { type: 'ServiceInitiatedEvent', initiatedConnection: c.id, initiatingDevice: device.ext, cause: 'newCall' });
    this.originate(c, 'newCall');
    return c;
  }

  /**
   * A call from the switch itself to a device, for an application (Asterisk's
   * Originate with Application): the device rings as for any call (its
   * answer setting and ring limit; busy, do-not-disturb and out of service
   * refuse at once); once it answers, `run` gets its connection, alone in the
   * call, and clears it when done. `name` is what the call reports as dialled.
   */
  ringForApplication(ext: string, name: string, run: (c: Connection) => void): Connection {
    const device = this.device(ext);
    this.assertCanOriginate(device);
    const call = this.newCall(device.ext, name);
    const c = this.attach(call, device.ext, device, 'initiated');
    c.pendingNumber = name;
    c.application = run;
    c.prompting = true;
    this.emitEvent(call, { type: 'ServiceInitiatedEvent', initiatedConnection: c.id, initiatingDevice: device.ext, cause: 'makeCall' });
    this.ring(c);
    return c;
  }

  /** The calling device is connected: report it and call the number (or run its application). */
  private originate(c: Connection, cause: EventCause): void {
    c.stopTimers();
    c.prompting = false;
    c.state = 'connected';
    const number = c.pendingNumber!;
    c.pendingNumber = undefined;
    this.emitEvent(c.call, { type: 'OriginatedEvent', originatedConnection: c.id, callingDevice: c.deviceId, calledDevice: number, cause });
    if (c.application) c.application(c);
    else this.offer(c.call, number);
  }

  /**
   * Offers a call to a number: an extension here, or (numbers that start with
   * the trunk prefix 0, and anything the public network's exchange dials) the
   * public network.
   */
  offer(call: Call, number: string, options: { bypassRouting?: boolean } = {}): void {
    const device = this.devices.get(number);
    if (device) this.offerToDevice(call, device, options.bypassRouting ?? false);
    else if (this.isPublic || number.startsWith('0')) this.network.placeOutgoing(this, call, number);
    else this.fail(call, number, 'destNotObtainable');
  }

  /** Presents a call to a device: routing first, then forwarding, then the device's own state. */
  offerToDevice(call: Call, device: Device, bypassRouting: boolean): void {
    if (!bypassRouting && (this.routing.intercept(call, device) || this.dialplan?.intercept(call, device))) return;
    const forward = device.forwarding;
    if (forward.immediate) return this.divert(call, device.ext, forward.immediate);
    if (!device.inService) return this.fail(call, device.ext, 'destNotObtainable');
    if (device.dnd) return this.fail(call, device.ext, 'doNotDisturb');
    if (device.occupied) {
      if (forward.busy) return this.divert(call, device.ext, forward.busy);
      return this.fail(call, device.ext, 'busy');
    }
    const c = this.attach(call, device.ext, device, 'alerting');
    this.emitEvent(call, {
      type: 'DeliveredEvent',
      connection: c.id,
      alertingDevice: device.ext,
      callingDevice: call.callingDevice,
      calledDevice: call.calledDevice,
      ...(call.lastRedirection ? { lastRedirectionDevice: call.lastRedirection } : {}),
    });
    this.network.farEndAlerting(call);
    this.ring(c);
  }

  /** Sends a call on from `from` to another number (routing, forwarding); bounded so forwarding loops end. */
  divert(call: Call, from: string, to: string): void {
    if (++call.redirections > MAX_REDIRECTIONS) return this.fail(call, to, 'destNotObtainable');
    this.emitEvent(call, { type: 'DivertedEvent', connection: { callId: call.id, deviceId: from }, divertingDevice: from, newDestination: to, cause: 'redirected' }, [from]);
    call.lastRedirection = from;
    this.offer(call, to);
  }

  /**
   * DeflectCall: an alerting connection's call goes on to another number
   * (routing and forwarding apply there, as for any diversion); the caller
   * keeps hearing ringing.
   */
  deflect(c: Connection, number: string): void {
    // A trunk connection stands for the far party, whose own switch decides where its phone's calls go.
    if (!c.device) throw bad('operation', 'requestIncompatibleWithObject', `${c.deviceId} in call ${c.call.id} is a trunk connection: only a device here can deflect`);
    if (c.state !== 'alerting') throw bad('stateIncompatibility', 'invalidConnectionState', `${c.deviceId} is not ringing in call ${c.call.id}: only an alerting call can be deflected`);
    const digits = dialledDigits(number);
    if (digits === undefined) throw bad('operation', 'invalidCalledDevice', `"${number}" is not a number the switch can dial`);
    this.drop(c, 'redirected');
    this.divert(c.call, c.deviceId, digits);
  }

  /** A ringing connection reached its no-answer limit. */
  private noAnswer(c: Connection): void {
    if (c.state === 'initiated' || c.ringsIn) return this.clear(c, 'callNotAnswered'); // the MakeCall prompt, or a party rung in, was not answered
    const target = c.device?.forwarding.noAnswer;
    if (target) {
      this.drop(c, 'redirected');
      return this.divert(c.call, c.deviceId, target);
    }
    this.fail(c.call, c.deviceId, 'callNotAnswered', c);
  }

  // ------------------------------------------------------------ ringing and answering

  /**
   * Starts a connection's ringing: auto-answer after the configured rings, or
   * give up after the no-answer limit. A voice-board port alerts without a
   * limit: its application answers, deflects or clears the call.
   */
  ring(c: Connection): void {
    const device = c.device!;
    const { clock, ringMs, autoAnswerRings } = this.network;
    if (device.kind === 'voice-board' && device.answer !== 'auto') return;
    if (device.answer === 'auto') {
      c.timers.push(clock.setTimer(autoAnswerRings * ringMs, () => this.answerConnection(c)));
    } else {
      c.timers.push(clock.setTimer(device.rings * ringMs, () => this.noAnswer(c)));
    }
  }

  /** The device at an alerting (or prompting) connection answers. */
  answerConnection(c: Connection): void {
    if (c.prompting && c.state === 'initiated') {
      this.originate(c, 'makeCall');
      return;
    }
    if (c.state !== 'alerting') throw bad('stateIncompatibility', 'invalidConnectionState', `${c.deviceId} is not ringing in call ${c.call.id}`);
    c.stopTimers();
    c.state = 'connected';
    const call = c.call;
    this.emitEvent(call, {
      type: 'EstablishedEvent',
      establishedConnection: c.id,
      answeringDevice: c.deviceId,
      callingDevice: call.callingDevice,
      calledDevice: call.calledDevice,
      ...(call.lastRedirection ? { lastRedirectionDevice: call.lastRedirection } : {}),
    });
    if (!c.ringsIn) this.network.farEndAnswered(call); // a party rung in joins a call whose far end answered long ago
  }

  /** A trunk's far end answered: the trunk connection here is established. */
  trunkAnswered(trunk: Connection, answeringNumber: string): void {
    if (!trunk.live) return;
    trunk.state = 'connected';
    const call = trunk.call;
    this.emitEvent(call, {
      type: 'EstablishedEvent',
      establishedConnection: trunk.id,
      answeringDevice: answeringNumber,
      callingDevice: call.callingDevice,
      calledDevice: call.calledDevice,
    });
  }

  /** The called party's connection could not be made: report it; the caller hears the tone until someone clears. */
  fail(call: Call, calledId: string, cause: EventCause, existing?: Connection): void {
    const c = existing ?? this.attach(call, calledId, undefined, 'fail');
    c.stopTimers();
    c.state = 'fail';
    c.device?.connections.delete(c);
    this.emitEvent(call, { type: 'FailedEvent', failedConnection: c.id, failingDevice: calledId, callingDevice: call.callingDevice, calledDevice: call.calledDevice, cause }, [
      calledId,
    ]);
    if (!c.ringsIn) this.network.legFailed(call, cause); // a party rung in fails alone: the call's own trunks stay
  }

  // ------------------------------------------------------------ clearing

  /** Clears one connection; a call left with one party is cleared entirely (two-party release). */
  clear(c: Connection, cause: EventCause = 'normalClearing'): void {
    if (!c.live) return;
    const call = c.call;
    this.drop(c, cause);
    const rest = call.live;
    if (rest.length === 1 && !call.routing) this.clear(rest[0]!, cause);
    if (call.ended) this.endCall(call);
  }

  /** Takes one connection out of its call and reports it, leaving the others as they are. */
  private drop(c: Connection, cause: EventCause): void {
    c.stopTimers();
    const recipients = c.call.parties;
    c.state = 'null';
    c.device?.connections.delete(c);
    this.emitEvent(c.call, { type: 'ConnectionClearedEvent', droppedConnection: c.id, releasingDevice: c.deviceId, cause }, recipients);
    this.network.connectionCleared(c);
  }

  private endCall(call: Call): void {
    for (const c of call.connections) {
      c.stopTimers();
      c.device?.connections.delete(c);
    }
    this.routing.callEnded(call);
    this.calls.delete(call.id);
    this.network.callEnded(call);
  }

  // ------------------------------------------------------------ hold, retrieve, conference

  hold(c: Connection, by: 'self' | 'other'): void {
    if (c.state !== 'connected') throw bad('stateIncompatibility', 'invalidConnectionState', `${c.deviceId} is not talking in call ${c.call.id}`);
    c.state = 'hold';
    c.heldBy = by;
    this.emitEvent(c.call, { type: 'HeldEvent', heldConnection: c.id, holdingDevice: c.deviceId });
  }

  retrieve(c: Connection): void {
    if (c.state !== 'hold') throw bad('stateIncompatibility', 'invalidConnectionState', `${c.deviceId} is not on hold in call ${c.call.id}`);
    if (c.device && [...c.device.connections].some((o) => o !== c && o.state === 'connected')) {
      throw bad('stateIncompatibility', 'invalidDeviceState', `${c.device.name} is talking in another call`);
    }
    c.state = 'connected';
    this.emitEvent(c.call, { type: 'RetrievedEvent', retrievedConnection: c.id, retrievingDevice: c.deviceId });
  }

  /** The device `ext`, checked to be one that can join `call` now: someone talks in the call, the device is not in it and can originate. */
  private joinable(call: Call, ext: string): Device {
    assertTalking(call);
    const device = this.device(ext);
    if (call.find(ext)) throw bad('stateIncompatibility', 'invalidDeviceState', `${device.name} is already in call ${call.id}`);
    this.assertCanOriginate(device);
    return device;
  }

  /** ECMA-269 SingleStepConferenceCall: the device joins the call at once (ports and intrusion devices answer by themselves). */
  singleStepConference(active: Connection, ext: string, participation: 'active' | 'silent'): Connection {
    const call = active.call;
    const device = this.joinable(call, ext);
    const c = this.attach(call, ext, device, 'connected');
    c.participation = participation;
    this.emitEvent(call, {
      type: 'ConferencedEvent',
      primaryOldCall: active.id,
      conferencingDevice: ext,
      addedParty: ext,
      conferenceConnections: call.live.map((x) => x.id),
      cause: 'singleStepConference',
    });
    return c;
  }

  /**
   * Rings a device into a conversation going on (what an Asterisk Originate
   * into a conference room does): when it answers, it talks with the call's
   * parties. Refused at once when the device is out of service, busy or
   * do-not-disturb; unanswered, it is cleared and the call goes on as it was.
   */
  ringInto(call: Call, ext: string): Connection {
    const device = this.joinable(call, ext);
    const c = this.attach(call, ext, device, 'alerting');
    c.ringsIn = true;
    this.emitEvent(call, { type: 'DeliveredEvent', connection: c.id, alertingDevice: ext, callingDevice: call.callingDevice, calledDevice: ext });
    this.ring(c);
    return c;
  }

  /**
   * ringInto for a number beyond the trunks: a trunk leg rung into the
   * conversation (placed as any outgoing call). Refused (no trunk, a number
   * nobody has, busy) or unanswered, only that leg goes. Returns its trunk
   * connection (state `fail` when it was refused at once).
   */
  ringOutInto(call: Call, digits: string): Connection {
    assertTalking(call);
    const before = call.connections.length;
    this.ringingOut = call;
    try {
      this.network.placeOutgoing(this, call, digits);
    } finally {
      this.ringingOut = undefined;
    }
    return call.connections.slice(before).find((c) => c.deviceId === digits)!;
  }

  // ------------------------------------------------------------ service state

  setService(device: Device, inService: boolean): void {
    if (device.inService === inService) return;
    if (!inService) for (const c of [...device.connections]) this.clear(c);
    device.inService = inService;
    this.emit('event', {
      body: inService ? { type: 'BackInServiceEvent', device: device.ext } : { type: 'OutOfServiceEvent', device: device.ext },
      devices: [device.ext],
      call: undefined,
    });
  }
}

/** A call one can join: someone talks in it. */
function assertTalking(call: Call): void {
  if (!call.live.some((c) => c.talking)) throw bad('stateIncompatibility', 'invalidCallState', `call ${call.id} has nobody talking to join`);
}

/**
 * The digits a switch dials: formatting removed, `+81` (Japan, the default
 * world's country) to a national `0`, any other `+CC` to the international
 * prefix `010`. Anything but digits and the usual formatting is refused.
 */
export function dialledDigits(number: string): string | undefined {
  const trimmed = number.trim();
  if (!/^\+?[\d\s\-().]+$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/[^\d]/g, '');
  if (trimmed.startsWith('+')) digits = digits.startsWith('81') ? `0${digits.slice(2)}` : `010${digits}`;
  return digits.length > 0 && digits.length <= 20 ? digits : undefined;
}
