// The edges the core services talk to, in the services' own terms
// (csta-link.md, top). Adapters implement them: the CSTA link (and later
// AMI) for Switch, the journal + table store for RequestStore. The core
// imports nothing else from the outside world (test/architecture.test.ts).

import type { Overlay, OverlayStore } from '../../common/overlay-table.js';
import type { RequestRecord } from './request.js';
import type { Route } from './routes.js';
import type { TransferEntry } from './transfers.js';

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

/** A call a device is talking in, as a consent prompt shows it (FIG. 49-50). */
export interface CallView {
  /** The other parties: extensions of this switch, or external numbers (national digits) for trunk parties. */
  parties: string[];
}

/** join: all three talk (FIG. 47); barge-in: the target's other parties are held, so requester and target talk alone (FIG. 53). */
export type JoinMode = 'join' | 'barge-in';

/** Why a join or barge-in did not come about. */
export type JoinFailure =
  | 'not-in-call' // the target is not talking in a call
  | 'call-ended' // the target's call ended before it could be joined
  | 'requester-no-answer'
  | 'requester-busy'
  | 'invalid-number' // the requester's number cannot be reached
  | 'switch-unavailable'
  | 'cancelled';

/**
 * What a join (or a transfer through the voice board) holds at the switch,
 * enough to undo it later, after a restart too: it is stored with the
 * request (JSON). `ports` are the voice-board ports the core lent it; `refs`
 * are the adapter's own references (for CSTA, the connections it put on
 * hold), opaque to the core. For `transfer`, the caller waits on port 1 and
 * `requester` is the destination port 2 calls (FIG. 56).
 */
export interface JoinedCall {
  mode: JoinMode | 'transfer';
  target: string;
  requester: string;
  ports: string[];
  refs: string[];
}

export interface JoinOptions {
  mode: JoinMode;
  /** The extension whose call is joined. */
  target: string;
  /** Who is added: an extension, or national digits for a requester in another office. */
  requester: string;
  /** Whether `requester` is national digits (a requester in another office): an adapter that rings by device reaches it through the dialplan instead. */
  requesterOutside?: boolean;
  /** Voice-board ports lent by the core's pool (two for the CSTA adapter). */
  ports: string[];
  /**
   * Write-ahead: called (and awaited) with what the join holds before each
   * step that needs undoing, so a crash at any point leaves enough on disk
   * to undo it (undoJoin).
   */
  persist: (joined: JoinedCall) => Promise<void>;
  /** Aborting undoes what was done and resolves with reason `cancelled`. */
  signal?: AbortSignal;
  onRinging?: (device: string) => void;
}

export type JoinOutcome = { ok: true; joined: JoinedCall } | { ok: false; reason: JoinFailure; detail: string };

/** Why a call parked on a voice-board port could not be connected to a destination. */
export type ParkedFailure =
  | 'busy'
  | 'no-answer'
  | 'invalid-number'
  | 'caller-gone' // the caller hung up: nothing waits on port 1 any more
  | 'switch-unavailable'
  | 'cancelled';

export interface ConnectParkedOptions {
  /** The routed extension the call was for. */
  extension: string;
  /** Port 1, where the call waits (alerting), and port 2, which calls the destination. */
  ports: string[];
  /** An extension, or national digits. */
  destination: string;
  /** Aborting stops the destination's ringing and resolves with reason `cancelled`; the call stays parked. */
  signal?: AbortSignal;
  onRinging?: (device: string) => void;
}

export type ConnectParkedOutcome = { ok: true; joined: JoinedCall } | { ok: false; reason: ParkedFailure; detail: string };

/** Where a parked call goes when no destination takes it: the extension itself rings, or the call is refused (cleared). */
export type ParkedRelease = { ring: string } | 'refuse';

/** A call the switch holds back until its router says where it goes (CSTA RouteRequest). */
export interface OfferedCall {
  /** The routed extension the call is for. */
  device: string;
  /** Who calls, as the switch names it (an extension or a number). */
  caller: string;
  /** Sends the call to a number (an extension or national digits). */
  routeTo(destination: string): void;
  /** Offers the call to the extension itself, as if it were not routed. */
  ringHere(): void;
}

export interface PlayMessageOptions {
  /** The phone that hears the message: an extension of this switch. */
  phone: string;
  /** The voice-board port that plays it (lent by the core's pool). */
  port: string;
  /** What the board plays: the name of a stored voice message. */
  message: string;
  /** Aborting clears the call and resolves with reason `cancelled`. */
  signal?: AbortSignal;
  onRinging?: (device: string) => void;
}

/** Why a FAX did not go out. */
export type FaxFailure = 'fax-unavailable' | 'switch-unavailable';

export type FaxOutcome = { ok: true } | { ok: false; reason: FaxFailure; detail: string };

/** What a switch adapter may not serve (yet): the core refuses such requests up front, with the adapter's words. */
export type SwitchFeature = 'joins' | 'routing' | 'voice-board';

export interface Switch {
  readonly linkState: LinkState;
  /** The features this adapter does not serve, each with why (empty: it serves all). */
  readonly lacks: ReadonlyMap<SwitchFeature, string>;
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
  /** The call `device` is talking in now, or undefined when it is in none. Rejects when the link is down. */
  activeCall(device: string): Promise<CallView | undefined>;
  /**
   * Adds `requester` to the call `target` is talking in (barge-in: holding
   * the target's other parties first). Resolves ok once they talk; on any
   * failure, what was done is undone first.
   */
  joinCall(options: JoinOptions): Promise<JoinOutcome>;
  /**
   * Follows a join until it comes apart (the requester, the target or, for
   * join, the last other party hangs up; a link outage waits for the link
   * and looks again), then calls onEnd with words for why. Does not undo.
   */
  followJoin(joined: JoinedCall, onEnd: (why: string) => void): () => void;
  /** Undoes a join: clears the ports' calls and retrieves held parties. Best effort, idempotent; waits for the link. */
  undoJoin(joined: JoinedCall): Promise<void>;
  /**
   * Becomes the router of `device` (CSTA RouteRegister): the switch asks
   * before offering it any call, and onCall says where the call goes (no
   * answer within the switch's route timeout rings the device). Registered
   * again after every reconnect. Returns the stop function.
   */
  routeCalls(device: string, onCall: (call: OfferedCall) => void): () => void;
  /**
   * Voice-board transfer (FIG. 56): the call routed to port 1 waits there,
   * alerting (the caller hears ringing), while port 2 calls the destination;
   * when it answers, port 1 answers and the ports are bridged. On failure
   * port 2's call is cleared and the call stays parked on port 1.
   */
  connectParked(options: ConnectParkedOptions): Promise<ConnectParkedOutcome>;
  /**
   * Sends the call parked on `port` on: to ring an extension (which is not
   * asked to route it again), or refused. Resolves false when no call waits
   * there; rejects when the switch refused or the link is down.
   */
  releaseParked(port: string, to: ParkedRelease): Promise<boolean>;
  /**
   * A voice message (FIG. 36 S3607-S3609): a two-point call between `port`
   * and `phone`; once the phone answers, the board plays the message into
   * the call and then hangs up. Resolves ok once it was played; failures
   * read as placeCall's, the phone being the destination. Whatever the port
   * still held (a play a restart interrupted) is cleared first.
   */
  playMessage(options: PlayMessageOptions): Promise<CallOutcome>;
  /** Sends a document to a FAX device (the voice board's FAX function, FIG. 43). */
  sendFax(device: string, document: string): Promise<FaxOutcome>;
}

/**
 * Where requests live. put() resolves once the record is durable (fsynced);
 * the service acknowledges a submission only after a durable put.
 */
export interface RequestStore {
  /** Every stored request, as of start-up. */
  load(): RequestRecord[];
  /** Inserts or replaces a request; resolves when durable. */
  put(record: RequestRecord): Promise<void>;
  /**
   * Inserts or replaces a request, handed to the operating system before it
   * returns: a crash or kill of ctid can no longer lose it (the machine
   * going down still can), and it becomes durable with the group commit
   * that follows at once. For a state the switch must not act on before it
   * is stored, without waiting a fsync (camp-on.ts `calling`). Throws if it
   * cannot be written.
   */
  write(record: RequestRecord): void;
  /** Forgets a request (retention expiry); resolves when durable. */
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Route changes made at run time (the config's routes are the base; `removed` holds prefixes). */
export type RouteChanges = Overlay<Route>;

/** Where run-time route changes live; save() resolves when durable. */
export type RouteStore = OverlayStore<Route>;

/** Where the transfer table lives; save() replaces it and resolves when durable. */
export interface TransferStore {
  load(): TransferEntry[];
  save(entries: TransferEntry[]): Promise<void>;
}
