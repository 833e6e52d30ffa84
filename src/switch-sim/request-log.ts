// The CSTA requests (and AMI actions) each PBX received, in order (`switch-sim
// log`): how tests count MakeCalls and Originates. Bounded, and credentials never appear in it.
//
// Each office keeps a ring buffer of its last maxEntriesPerOffice requests, so
// recording stays O(1) once the log is full (no shifting of a 50,000-entry
// array per request). Times are kept as epoch milliseconds; an entry (its time
// in ISO 8601) is made the first time list() returns it and reused after.

import type { CstaMessage } from '../csta/messages.js';
import type { LogEntry } from './control.js';

const MAX_ENTRIES_PER_OFFICE = 50_000;

export interface RequestLogOptions {
  /** The most requests kept per office; older ones are forgotten. Default 50,000. */
  maxEntriesPerOffice?: number;
  /** Wall-clock time in epoch milliseconds. Default Date.now. */
  now?: () => number;
}

interface LoggedRequest {
  /** Epoch milliseconds. */
  at: number;
  office: string;
  session: string;
  invokeId: number;
  type: string;
  message: Record<string, unknown>;
  /** AMI actions only (CSTA requests leave both out). */
  protocol?: 'ami';
  actionId?: string;
  /** Made by the first list() that returns it, and returned by the next ones too. */
  entry?: LogEntry;
}

/** The last `capacity` records of one office, oldest first from `start` once full. */
class Ring {
  private readonly items: LoggedRequest[] = [];
  /** Where the oldest record is, once the ring is full; 0 until then. */
  private start = 0;

  constructor(private readonly capacity: number) {}

  push(record: LoggedRequest): void {
    if (this.items.length < this.capacity) {
      this.items.push(record);
      return;
    }
    this.items[this.start] = record;
    this.start = this.start + 1 === this.capacity ? 0 : this.start + 1;
  }

  /** Oldest first. */
  toArray(): LoggedRequest[] {
    if (this.start === 0) return this.items.slice();
    return this.items.slice(this.start).concat(this.items.slice(0, this.start));
  }
}

export class RequestLog {
  private readonly rings = new Map<string, Ring>();
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(opts: RequestLogOptions = {}) {
    const capacity = opts.maxEntriesPerOffice ?? MAX_ENTRIES_PER_OFFICE;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`maxEntriesPerOffice must be a positive integer, not ${capacity}`);
    this.capacity = capacity;
    this.now = opts.now ?? Date.now;
  }

  record(office: string, session: string, invokeId: number, message: CstaMessage): void {
    const body: Record<string, unknown> = { ...message };
    if ('password' in body) body.password = '***';
    this.ringOf(office).push({ at: this.now(), office, session, invokeId, type: message.type, message: body });
  }

  /**
   * An AMI action (the simulator's AMI face): its type is the action's name
   * (`Originate`), its message the other fields, the secret masked; invokeId
   * is 0 (AMI has none), the ActionID is kept beside it.
   */
  recordAmi(office: string, session: string, action: string, fields: Record<string, string>): void {
    const message: Record<string, unknown> = {};
    let actionId: string | undefined;
    for (const [key, value] of Object.entries(fields)) {
      const k = key.toLowerCase();
      if (k === 'action') continue;
      if (k === 'actionid') actionId = value;
      else message[key] = k === 'secret' || k === 'key' ? '***' : value;
    }
    this.ringOf(office).push({ at: this.now(), office, session, invokeId: 0, type: action, message, protocol: 'ami', ...(actionId !== undefined ? { actionId } : {}) });
  }

  private ringOf(office: string): Ring {
    let ring = this.rings.get(office);
    if (!ring) this.rings.set(office, (ring = new Ring(this.capacity)));
    return ring;
  }

  /** One office's requests in the order it received them, or every office's ordered by time (ties in office order). */
  list(office?: string): LogEntry[] {
    if (office !== undefined) return (this.rings.get(office)?.toArray() ?? []).map(entryOf);
    const all: LoggedRequest[] = [];
    for (const ring of this.rings.values()) for (const r of ring.toArray()) all.push(r);
    all.sort((a, b) => a.at - b.at); // stable: equal times keep office, then arrival, order (as the ISO strings sorted before)
    return all.map(entryOf);
  }
}

function entryOf(r: LoggedRequest): LogEntry {
  return (r.entry ??= {
    at: isoTime(r.at),
    office: r.office,
    session: r.session,
    invokeId: r.invokeId,
    type: r.type,
    message: r.message,
    ...(r.protocol ? { protocol: r.protocol } : {}),
    ...(r.actionId !== undefined ? { actionId: r.actionId } : {}),
  });
}

// Requests logged in the same millisecond are common: format each millisecond once.
let lastMs = NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
