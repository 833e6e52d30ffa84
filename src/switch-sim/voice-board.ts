// The voice board (the source text's 2-11): ports are extensions the
// application answers and controls; through vendor Escape commands it
// bridges two ports' calls, plays a voice message into a port's call, and
// sends FAX documents to a FAX device. Media is recorded so tests and
// `switch-sim status` can see what each device heard or received.

import { CstaServiceError } from '../csta/errors.js';
import type { VoiceBoardCommand } from '../csta/messages.js';
import type { Device } from './call.js';
import type { MediaRecord, TalkPath } from './control.js';
import type { Exchange } from './exchange.js';

const MAX_MEDIA_RECORDS = 10_000;

export class VoiceBoard {
  /** Bridged port pairs, by device name. */
  private readonly bridges = new Map<string, [string, string]>();
  readonly media: MediaRecord[] = [];

  constructor(private readonly talkGroups: () => TalkPath[]) {}

  pairs(): [string, string][] {
    return [...this.bridges.values()];
  }

  run(exchange: Exchange, command: VoiceBoardCommand): void {
    switch (command.op) {
      case 'bridge': {
        const [a, b] = command.ports.map((p) => this.talkingPort(exchange, p)) as [Device, Device];
        if (a === b) throw new CstaServiceError('operation', 'invalidDeviceID', 'a port cannot be bridged with itself');
        this.bridges.set(key(a.name, b.name), [a.name, b.name]);
        return;
      }
      case 'unbridge': {
        const [a, b] = command.ports.map((p) => port(exchange, p).name) as [string, string];
        if (!this.bridges.delete(key(a, b))) throw new CstaServiceError('stateIncompatibility', 'invalidDeviceState', `${a} and ${b} are not bridged`);
        return;
      }
      case 'play': {
        const p = this.talkingPort(exchange, command.port);
        const group = this.talkGroups().find((g) => g.devices.includes(p.name));
        const hearers = [...(group?.devices ?? []), ...(group?.listeners ?? [])].filter((name) => !isPort(exchange, name));
        if (hearers.length === 0) throw new CstaServiceError('stateIncompatibility', 'invalidDeviceState', `nobody hears ${p.name}`);
        const call = [...p.connections].find((c) => c.talking)?.call.id;
        for (const device of hearers) this.record({ device, kind: 'voice', name: command.message, port: p.name, ...(call ? { call } : {}) });
        return;
      }
      case 'fax': {
        const fax = exchange.device(command.device);
        if (fax.kind !== 'fax') throw new CstaServiceError('operation', 'invalidDeviceID', `${fax.name} is not a FAX device`);
        if (!fax.inService) throw new CstaServiceError('stateIncompatibility', 'invalidDeviceState', `${fax.name} is out of service`);
        this.record({ device: fax.name, kind: 'fax', name: command.document });
        return;
      }
    }
  }

  /** A port whose calls all ended leaves its bridges. */
  portIdle(device: Device): void {
    for (const [k, pair] of this.bridges) if (pair.includes(device.name)) this.bridges.delete(k);
  }

  private talkingPort(exchange: Exchange, ext: string): Device {
    const p = port(exchange, ext);
    if (![...p.connections].some((c) => c.talking)) throw new CstaServiceError('stateIncompatibility', 'invalidDeviceState', `${p.name} is not in a call`);
    return p;
  }

  /** Keeps what a device heard or received (also for the AMI face's Playback and SendFAX). */
  record(entry: Omit<MediaRecord, 'at'>): void {
    this.media.push({ ...entry, at: new Date().toISOString() });
    if (this.media.length > MAX_MEDIA_RECORDS) this.media.splice(0, this.media.length - MAX_MEDIA_RECORDS);
  }
}

function port(exchange: Exchange, ext: string): Device {
  const d = exchange.device(ext);
  if (d.kind !== 'voice-board') throw new CstaServiceError('operation', 'invalidDeviceID', `${d.name} is not a voice-board port`);
  return d;
}

function isPort(exchange: Exchange, name: string): boolean {
  const [office, ext] = name.split('/');
  return office === exchange.id && exchange.devices.get(ext!)?.kind === 'voice-board';
}

function key(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
