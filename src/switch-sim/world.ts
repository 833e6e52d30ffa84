// The simulated world: the PBX of each office, the public network's exchange
// with its phones, and the trunks between them. It is the PublicNetwork every
// exchange calls out through, and the place status and talk paths are read.

import type { Clock } from '../common/clock.js';
import { NumberingPlan } from '../common/numbering.js';
import type { EventCause } from '../csta/messages.js';
import type { Call, Connection, Device } from './call.js';
import type { CallStatus, DeviceKind, OfficeStatus, TalkPaths, WorldStatus } from './control.js';
import { dialledDigits, Exchange } from './exchange.js';
import type { PublicNetwork } from './network.js';
import { talkPaths } from './talk-paths.js';
import { VoiceBoard } from './voice-board.js';
import type { WorldConfig } from './world-file.js';

/** The public network's office id (interfaces.md: phones on it are `pstn/DIGITS`). */
export const PSTN = 'pstn';

const DEFAULT_RINGS = 5;

export class World implements PublicNetwork {
  readonly exchanges = new Map<string, Exchange>();
  readonly voiceBoard: VoiceBoard;
  readonly ringMs: number;
  readonly autoAnswerRings: number;
  readonly routeTimeoutMs: number;

  constructor(
    readonly config: WorldConfig,
    readonly clock: Clock,
  ) {
    this.ringMs = config.ringMs;
    this.autoAnswerRings = config.autoAnswerRings;
    this.routeTimeoutMs = config.routeTimeoutMs;
    this.voiceBoard = new VoiceBoard(() => this.paths().paths);
    for (const office of config.offices) {
      const exchange = new Exchange({ id: office.id, isPublic: false, trunks: office.trunks, numbering: new NumberingPlan(office.numbering) }, this);
      const add = (ext: string, kind: DeviceKind, answer: 'auto' | 'manual') => {
        const s = office.devices[ext] ?? {};
        const device = exchange.addDevice(ext, kind, { answer: s.answer ?? answer, rings: s.rings ?? DEFAULT_RINGS });
        device.dnd = s.dnd ?? false;
        device.inService = s.service !== 'out';
      };
      for (const ext of office.stations.flat()) add(ext, 'station', 'manual');
      for (const ext of office.voiceBoardPorts) add(ext, 'voice-board', 'manual');
      for (const ext of office.fax) add(ext, 'fax', 'auto');
      this.exchanges.set(office.id, exchange);
    }
    const pstn = new Exchange({ id: PSTN, isPublic: true, trunks: Infinity, numbering: new NumberingPlan([]) }, this);
    for (const phone of config.pstn) {
      const digits = dialledDigits(phone.number);
      if (!digits) throw new RangeError(`pstn phone number "${phone.number}" is not a phone number`);
      const device = pstn.addDevice(digits, 'station', { answer: phone.answer ?? 'manual', rings: phone.rings ?? DEFAULT_RINGS });
      device.dnd = phone.dnd ?? false;
      device.inService = phone.service !== 'out';
    }
    this.exchanges.set(PSTN, pstn);
  }

  exchange(id: string): Exchange | undefined {
    return this.exchanges.get(id);
  }

  /** Which exchange and device a national number reaches, if any. */
  lookup(digits: string): { exchange: Exchange; device: Device } | undefined {
    for (const exchange of this.exchanges.values()) {
      const ext = exchange.isPublic ? digits : exchange.numbering.toExtension(digits);
      const device = ext === undefined ? undefined : exchange.devices.get(ext);
      if (device) return { exchange, device };
    }
    return undefined;
  }

  // ------------------------------------------------------------ PublicNetwork

  placeOutgoing(origin: Exchange, call: Call, digits: string): void {
    if (origin.trunksInUse >= origin.trunks) return origin.fail(call, digits, 'trunksBusy');
    const trunk = origin.attach(call, digits, undefined, 'connected');
    origin.emitEvent(call, { type: 'NetworkReachedEvent', outboundConnection: trunk.id, networkInterfaceUsed: 'trunk', callingDevice: call.callingDevice, calledDevice: digits });
    const target = this.lookup(digits);
    if (!target) return origin.fail(call, digits, 'destNotObtainable', trunk);
    const far = target.exchange;
    if (far.trunksInUse >= far.trunks) return origin.fail(call, digits, 'trunksBusy', trunk);
    const callerNumber = this.callingNumber(origin, call);
    const leg = far.newCall(callerNumber, target.device.ext);
    const incoming = far.attach(leg, callerNumber, undefined, 'connected');
    leg.incomingTrunk = incoming;
    trunk.peer = incoming;
    incoming.peer = trunk;
    far.offerToDevice(leg, target.device, false);
  }

  farEndAlerting(call: Call): void {
    const trunk = call.incomingTrunk?.peer;
    if (!trunk?.live) return;
    trunk.state = 'alerting';
    const origin = this.exchanges.get(trunk.call.exchange)!;
    origin.emitEvent(trunk.call, {
      type: 'DeliveredEvent',
      connection: trunk.id,
      alertingDevice: trunk.deviceId,
      callingDevice: trunk.call.callingDevice,
      calledDevice: trunk.call.calledDevice,
    });
    if (!trunk.ringsIn) this.farEndAlerting(trunk.call); // a leg rung into a conversation: that call's own far ends answered long ago
  }

  farEndAnswered(call: Call): void {
    const trunk = call.incomingTrunk?.peer;
    if (!trunk?.live) return;
    this.exchanges.get(trunk.call.exchange)!.trunkAnswered(trunk, trunk.deviceId);
    if (!trunk.ringsIn) this.farEndAnswered(trunk.call);
  }

  legFailed(call: Call, cause: EventCause): void {
    const incoming = call.incomingTrunk;
    const trunk = incoming?.peer;
    if (!incoming || !trunk) return;
    incoming.peer = undefined;
    trunk.peer = undefined;
    this.exchanges.get(trunk.call.exchange)!.fail(trunk.call, trunk.deviceId, cause, trunk);
    this.exchanges.get(call.exchange)!.clear(incoming, cause);
  }

  connectionCleared(c: Connection): void {
    const peer = c.peer;
    if (!peer) return;
    c.peer = undefined;
    peer.peer = undefined;
    this.exchanges.get(peer.call.exchange)!.clear(peer);
  }

  callEnded(call: Call): void {
    for (const c of call.connections) if (c.device?.kind === 'voice-board' && c.device.connections.size === 0) this.voiceBoard.portIdle(c.device);
  }

  /** The number the far end sees: the caller's own external number, else the office's main number. */
  private callingNumber(origin: Exchange, call: Call): string {
    const caller = call.connections[0];
    if (!caller?.device) return call.callingDevice; // a call passing through from another trunk keeps its caller's number
    return caller.device.external ?? origin.numbering.mainNumber ?? caller.deviceId;
  }

  // ------------------------------------------------------------ views

  paths(): TalkPaths {
    return { paths: talkPaths(this.exchanges.values(), this.voiceBoard.pairs()) };
  }

  status(links: (office: string) => Pick<OfficeStatus, 'csta' | 'user' | 'password' | 'link' | 'sessions'>): WorldStatus {
    const offices: OfficeStatus[] = [];
    const calls: CallStatus[] = [];
    for (const exchange of this.exchanges.values()) {
      offices.push({
        id: exchange.id,
        ...(exchange.isPublic ? {} : links(exchange.id)),
        devices: [...exchange.devices.values()].map((d) => ({
          id: d.name,
          kind: d.kind,
          state: d.lineState,
          answer: d.answer,
          dnd: d.dnd,
          rings: d.rings,
          service: d.inService ? 'in' : 'out',
          ...(d.external ? { external: d.external } : {}),
        })),
      });
      for (const call of exchange.calls.values()) {
        calls.push({
          id: `${exchange.id}/${call.id}`,
          office: exchange.id,
          connections: call.connections
            .filter((c) => c.state !== 'null')
            .map((c) => ({ device: `${exchange.id}/${c.deviceId}`, state: c.state, ...(c.isTrunk ? { trunk: true } : {}) })),
        });
      }
    }
    return { offices, calls, media: [...this.voiceBoard.media] };
  }
}
