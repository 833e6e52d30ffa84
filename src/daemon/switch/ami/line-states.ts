// Asterisk's device and extension states in the services' words
// (interfaces.md line states), and the lines the adapter follows: every
// `DeviceStateChange` of an extension's device updates it, and after each
// (re)login the states are read again (`DeviceStateList`), so a line that
// changed while the link was down is noticed.

import type { AmiMessage } from '../../../ami/codec.js';
import type { LineState, LineWatch } from '../../core/ports.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';

/** DeviceStateChange `State` (also DeviceStateList's items, which are DeviceStateChange events). UNKNOWN and INVALID say nothing new. */
export function deviceLineState(state: string | undefined): LineState | undefined {
  switch (state?.toUpperCase()) {
    case 'NOT_INUSE':
      return 'idle';
    case 'INUSE':
    case 'BUSY':
    case 'RINGINUSE':
      return 'busy';
    case 'RINGING':
      return 'ringing';
    case 'ONHOLD':
      return 'held';
    case 'UNAVAILABLE':
      return 'out-of-service';
    default:
      return undefined;
  }
}

/** ExtensionState / ExtensionStatus `Status` (a hint's state, a bit mask). */
export function extensionLineState(status: string | undefined): LineState | undefined {
  const n = Number(status);
  if (!Number.isInteger(n) || n < 0) return n === -1 ? 'out-of-service' : undefined;
  if (n === 0) return 'idle';
  if (n & 4) return 'out-of-service';
  if (n & 16) return 'held';
  if (n & 1 || n & 2) return 'busy';
  if (n & 8) return 'ringing';
  return undefined;
}

interface Line {
  state: LineState | undefined;
  /** Arrival (AmiLink.arrivalOf) of what last set the state: an older answer read later must not undo a newer event. */
  at: number;
  listeners: Set<(state: LineState) => void>;
}

export class AmiLines {
  private readonly lines = new Map<string, Line>();

  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly log: LinkLogger,
  ) {
    link.on('event', (event) => this.onEvent(event));
    link.on('up', () => void this.resync());
  }

  watch(ext: string, onChange: (state: LineState) => void): LineWatch {
    let line = this.lines.get(ext);
    const first = !line;
    if (!line) this.lines.set(ext, (line = { state: undefined, at: 0, listeners: new Set() }));
    const own = (state: LineState) => onChange(state);
    line.listeners.add(own);
    if (first && this.link.state === 'up') void this.readOne(ext);
    const lines = this.lines;
    return {
      get state() {
        return line.state;
      },
      stop() {
        line.listeners.delete(own);
        if (line.listeners.size === 0 && lines.get(ext) === line) lines.delete(ext);
      },
    };
  }

  private onEvent(event: AmiMessage): void {
    if (event.get('Event') !== 'DeviceStateChange') return;
    const ext = this.endpoints.extensionOf(event.get('Device') ?? '');
    if (ext !== undefined) this.set(ext, deviceLineState(event.get('State')), this.link.arrivalOf(event));
  }

  private set(ext: string, state: LineState | undefined, at: number): void {
    const line = this.lines.get(ext);
    if (!line || state === undefined || at < line.at) return;
    line.at = at;
    if (state === line.state) return;
    line.state = state;
    for (const listener of [...line.listeners]) listener(state);
  }

  private async readOne(ext: string): Promise<void> {
    try {
      const answer = await this.link.action({ Action: 'ExtensionState', Exten: ext, Context: this.endpoints.context });
      this.set(ext, extensionLineState(answer.get('Status')), this.link.arrivalOf(answer));
    } catch (err) {
      this.log('line state not read', { ext, err: (err as Error).message });
    }
  }

  /** After a (re)login: every device's state at once. */
  private async resync(): Promise<void> {
    if (this.lines.size === 0) return;
    try {
      for (const item of await this.link.list({ Action: 'DeviceStateList' })) {
        const ext = this.endpoints.extensionOf(item.get('Device') ?? '');
        if (ext !== undefined) this.set(ext, deviceLineState(item.get('State')), this.link.arrivalOf(item));
      }
    } catch (err) {
      this.log('line states not resynced', { err: (err as Error).message });
    }
  }
}
