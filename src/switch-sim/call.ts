// Devices, calls and connections of one exchange (a PBX, or the public
// network's exchange that serves the `pstn` phones). Plain data with a few
// derived views; the Exchange changes them and reports each change.

import type { Timer } from '../common/clock.js';
import type { ConnectionId, ConnectionState, ParticipationType } from '../csta/messages.js';
import type { AnswerMode, DeviceKind, LineState } from './control.js';

export interface Forwarding {
  immediate?: string;
  busy?: string;
  noAnswer?: string;
}

export class Device {
  answer: AnswerMode;
  rings: number;
  dnd = false;
  inService = true;
  forwarding: Forwarding = {};
  /** Connections this device has in calls, in any state but `fail`/`null`. */
  readonly connections = new Set<Connection>();

  constructor(
    readonly office: string,
    readonly ext: string,
    readonly kind: DeviceKind,
    settings: { answer: AnswerMode; rings: number },
    /** The external number the numbering plan gives it, as national digits. */
    readonly external: string | undefined,
  ) {
    this.answer = settings.answer;
    this.rings = settings.rings;
  }

  get name(): string {
    return `${this.office}/${this.ext}`;
  }

  /** Ringing, talking, dialling or holding: it cannot take another call. */
  get occupied(): boolean {
    for (const c of this.connections) if (OCCUPYING.has(c.state)) return true;
    return false;
  }

  /** The interfaces.md line state. */
  get lineState(): LineState {
    if (!this.inService) return 'out-of-service';
    let state: LineState = 'idle';
    for (const c of this.connections) {
      if (c.state === 'connected' && c.partyHoldsMe) return 'held';
      if (c.state === 'connected' || (c.state === 'initiated' && !c.prompting) || (c.state === 'hold' && c.heldBy === 'self')) return 'busy';
      if (c.state === 'hold') state = 'held';
      else if ((c.state === 'alerting' || c.state === 'initiated') && state === 'idle') state = 'ringing';
    }
    return state;
  }

  connectionIn(call: Call): Connection | undefined {
    for (const c of this.connections) if (c.call === call) return c;
    return undefined;
  }
}

const OCCUPYING = new Set<ConnectionState>(['initiated', 'alerting', 'connected', 'hold']);

export class Connection {
  state: ConnectionState;
  participation: ParticipationType = 'active';
  /** For `hold`: whether the device put its own call on hold (phone button) or someone held it. */
  heldBy: 'self' | 'other' = 'other';
  /** MakeCall with autoOriginate=prompt: the calling device rings; the number waits here. */
  prompting = false;
  pendingNumber: string | undefined;
  /** Rung into a conversation going on (Exchange.ringInto): no forwarding; unanswered, it leaves the call as it was. */
  ringsIn = false;
  /** A call the switch makes for an application (Exchange.ringForApplication): what runs once the device answers. */
  application: ((c: Connection) => void) | undefined;
  /** The other end of a trunk connection, in the far exchange. */
  peer: Connection | undefined;
  /** Ring, no-answer and auto-answer timers; cancelled whenever the state changes. */
  timers: Timer[] = [];

  constructor(
    readonly call: Call,
    /** CSTA deviceID: the extension, or the far number for a trunk connection. */
    readonly deviceId: string,
    readonly device: Device | undefined,
    state: ConnectionState,
  ) {
    this.state = state;
  }

  get id(): ConnectionId {
    return { callId: this.call.id, deviceId: this.deviceId };
  }

  get isTrunk(): boolean {
    return this.device === undefined;
  }

  /** Whether this connection is still part of the call (not failed or cleared). */
  get live(): boolean {
    return this.state !== 'fail' && this.state !== 'null';
  }

  /** Whether it is in the call's conversation (hears and is heard). */
  /** The others in this call all put it on hold themselves (phone buttons): it hears music, alone. */
  get partyHoldsMe(): boolean {
    const others = this.call.live.filter((o) => o !== this);
    return others.length > 0 && others.every((o) => o.state === 'hold' && o.heldBy === 'self');
  }

  get talking(): boolean {
    return this.state === 'connected';
  }

  stopTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }
}

export class Call {
  readonly connections: Connection[] = [];
  /** Pending routing dialogue (RouteRequest sent, no RouteSelect yet). */
  routing: { crossRef: string } | undefined;
  lastRedirection: string | undefined;
  /** Diversions so far (routing, forwarding): bounded against loops. */
  redirections = 0;
  /** For a call that came in from the public network: its trunk connection, linked to the far exchange. */
  incomingTrunk: Connection | undefined;

  constructor(
    readonly exchange: string,
    readonly id: string,
    /** CSTA callingDevice / calledDevice as first reported for this call. */
    public callingDevice: string,
    public calledDevice: string,
  ) {}

  get live(): Connection[] {
    return this.connections.filter((c) => c.live);
  }

  get ended(): boolean {
    return this.live.length === 0;
  }

  find(deviceId: string): Connection | undefined {
    return this.connections.find((c) => c.deviceId === deviceId && c.live);
  }

  /** Device ids with a connection in this call: who a device monitor reports to. */
  get parties(): string[] {
    return [...new Set(this.connections.filter((c) => c.device).map((c) => c.deviceId))];
  }
}
