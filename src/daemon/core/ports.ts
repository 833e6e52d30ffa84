// The edges the core services talk to, in the services' own terms
// (csta-link.md, top). Adapters implement them: the CSTA link (and later
// AMI) for Switch, the journal + table store for RequestStore. The core
// imports nothing else from the outside world (test/architecture.test.ts).

import type { RequestRecord } from './request.js';
import type { Route } from './routes.js';

/** interfaces.md line states. */
export type LineState = 'idle' | 'ringing' | 'busy' | 'held' | 'out-of-service';

/** The switch link's lifecycle, as `cti status` shows it. */
export type LinkState = 'connecting' | 'up' | 'down';

/** Why a two-point connection did not come about. */
export type CallFailure =
  | 'busy' // the destination is busy, do-not-disturb or out of service
  | 'no-answer' // the destination rang past its limit
  | 'requester-no-answer' // the requester did not answer the recall
  | 'requester-busy' // the requester's own phone is busy
  | 'invalid-number' // the switch cannot reach that number at all
  | 'switch-unavailable' // the link is down (nothing was placed), or the switch failed the request
  | 'unknown' // the link dropped after MakeCall was sent: the call may go on at the switch
  | 'cancelled'; // the caller's AbortSignal fired

export type CallOutcome = { ok: true } | { ok: false; reason: CallFailure; detail: string };

export interface PlaceCallOptions {
  /** The device the switch rings first (CSTA MakeCall callingDevice): an extension of this switch. */
  first: string;
  /** What it calls once `first` answers: an extension, or national digits for an external number. */
  second: string;
  /** Which of the two is the destination (so failures read busy / no-answer vs requester-*). */
  destination: 'first' | 'second';
  /** Aborting clears the call and resolves with reason `cancelled`. */
  signal?: AbortSignal;
  /** Which party is ringing now (for progress: "ringing 2000"). */
  onRinging?: (device: string) => void;
}

export interface LineWatch {
  /** The line's state as last reported by the switch; undefined until the switch has reported it. */
  readonly state: LineState | undefined;
  stop(): void;
}

export interface Switch {
  readonly linkState: LinkState;
  /** Subscribes to link state changes; returns the unsubscribe function. */
  onLinkState(listener: (state: LinkState) => void): () => void;
  /**
   * A two-point connection: the switch rings `first`; when it answers, it
   * calls `second`. Resolves ok only once both parties answered.
   */
  placeCall(options: PlaceCallOptions): Promise<CallOutcome>;
  /**
   * Follows a line's state (CSTA MonitorStart). The watch survives link
   * outages: on reconnect the adapter re-monitors and resyncs (SnapshotDevice)
   * and reports the state if it changed meanwhile.
   */
  watchLine(device: string, onChange: (state: LineState) => void): LineWatch;
}

/**
 * Where requests live. put() resolves once the record is durable (fsynced);
 * the service acknowledges a submission only after that.
 */
export interface RequestStore {
  /** Every stored request, as of start-up. */
  load(): RequestRecord[];
  /** Inserts or replaces a request; resolves when durable. */
  put(record: RequestRecord): Promise<void>;
  /** Forgets a request (retention expiry); resolves when durable. */
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Route changes made at run time (the config's routes are the base). */
export interface RouteChanges {
  added: Route[];
  /** Prefixes of config routes an admin removed. */
  removed: string[];
}

/** Where run-time route changes live; save() resolves when durable. */
export interface RouteStore {
  load(): RouteChanges;
  save(changes: RouteChanges): Promise<void>;
}
