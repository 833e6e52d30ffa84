// What the running simulator offers to its control API (and so to the
// `switch-sim` CLI and to tests): look at the world, and press a phone's
// buttons. Shapes follow interfaces.md ("switch-sim", JSON shapes); fields may
// be added, never removed.

import type { ConnectionState } from '../csta/messages.js';

/** interfaces.md line states. */
export type LineState = 'idle' | 'ringing' | 'busy' | 'held' | 'out-of-service';
export type AnswerMode = 'auto' | 'manual' | 'never';
export type DeviceKind = 'station' | 'voice-board' | 'fax';

export interface DeviceStatus {
  /** `OFFICE/EXT`, e.g. `a/2001`, `pstn/0355550100`. */
  id: string;
  kind: DeviceKind;
  state: LineState;
  answer: AnswerMode;
  dnd: boolean;
  /** No-answer limit in rings. */
  rings: number;
  service: 'in' | 'out';
  /** The external number this device is reached on, if the numbering plan gives one. */
  external?: string;
}

export interface OfficeStatus {
  id: string;
  /** `HOST:PORT` of its CSTA listener; absent for `pstn`. */
  csta?: string;
  user?: string;
  password?: string;
  /** `HOST:PORT` of its AMI listener, where the world gives the PBX an AMI face. */
  ami?: string;
  /** Whether the CSTA link accepts applications (`switch-sim link`). */
  link?: 'up' | 'down';
  /** Open application sessions on the link. */
  sessions?: number;
  devices: DeviceStatus[];
}

export interface CallConnectionStatus {
  /** `OFFICE/EXT`; for a trunk connection, `OFFICE/` + the far number's digits. */
  device: string;
  state: ConnectionState;
  trunk?: boolean;
}

export interface CallStatus {
  /** `OFFICE/CALLID`, e.g. `a/12`. */
  id: string;
  office: string;
  connections: CallConnectionStatus[];
}

export interface MediaRecord {
  /** The device that heard the voice message or received the FAX. */
  device: string;
  kind: 'voice' | 'fax';
  name: string;
  /** A voice message: the voice-board port that played it, and the call it was played into. */
  port?: string;
  call?: string;
  /** ISO 8601 wall-clock time. */
  at: string;
}

export interface WorldStatus {
  offices: OfficeStatus[];
  calls: CallStatus[];
  media: MediaRecord[];
}

export interface TalkPath {
  /** Devices that all hear each other. */
  devices: string[];
  /** Silent participants: they hear the group, the group does not hear them. */
  listeners?: string[];
}

export interface TalkPaths {
  paths: TalkPath[];
}

export interface LogEntry {
  /** ISO 8601 wall-clock time. */
  at: string;
  office: string;
  /** The application session that sent it (or `-` before a session exists). */
  session: string;
  invokeId: number;
  /** The CSTA message type, e.g. `MakeCall`. */
  type: string;
  /** The decoded request, with credentials masked. */
  message: Record<string, unknown>;
  /** `ami` for an AMI action (type is the action's name, invokeId 0); absent for CSTA. */
  protocol?: 'ami';
  /** An AMI action's ActionID. */
  actionId?: string;
}

export interface DeviceSettings {
  answer?: AnswerMode;
  rings?: number;
  dnd?: boolean;
  service?: 'in' | 'out';
}

/**
 * Every method throws a SimulatorError (errors.ts) with a sentence a person
 * can act on when the office, device or state is wrong.
 */
export interface SimulatorControl {
  status(): WorldStatus;
  paths(): TalkPaths;
  log(office?: string): LogEntry[];
  /** The phone goes off-hook and dials NUMBER (an extension or an external number). */
  dial(office: string, ext: string, number: string): void;
  answer(office: string, ext: string): void;
  hangup(office: string, ext: string): void;
  hold(office: string, ext: string): void;
  retrieve(office: string, ext: string): void;
  set(office: string, ext: string, settings: DeviceSettings): void;
  link(office: string, state: 'up' | 'down'): void;
}
