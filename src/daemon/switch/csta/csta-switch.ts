// The CSTA adapter of the core's Switch port (ports.ts; csta-link.md, top):
// the services' own terms built from CSTA services over one CstaLink.
// Everything CSTA stays in this folder, so an Asterisk (AMI) adapter can
// stand behind the same interface.

import type {
  CallOutcome,
  CallView,
  ConnectParkedOptions,
  FaxOutcome,
  ConnectParkedOutcome,
  JoinedCall,
  JoinOptions,
  JoinOutcome,
  LineState,
  LineWatch,
  LinkState,
  OfferedCall,
  ParkedRelease,
  PlaceCallOptions,
  PlayMessageOptions,
  Switch,
  SwitchFeature,
} from '../../core/ports.js';
import { CallAttempt } from './call-attempt.js';
import { JoinFollower } from './follow-join.js';
import { JoinAttempt } from './join.js';
import type { CstaLink, LinkLogger } from './link.js';
import { LineWatches } from './line-watch.js';
import { DeviceMonitors } from './monitors.js';
import { playMessage, sendFax } from './media.js';
import { connectParked, releaseParked, type ParkedContext } from './parked.js';
import { activeCall } from './snapshots.js';
import { RouteRegistrations } from './routing.js';
import { undoJoin } from './undo-join.js';

export interface CstaSwitchOptions {
  /** Default: logs nothing. */
  logger?: LinkLogger;
  /** How long undoJoin waits for the link to come back before it gives up (logged). Default 60 000 ms. */
  undoLinkWaitMs?: number;
}

/**
 * The link is the caller's: start() it before or after, close() it at the
 * end (pending calls then resolve switch-unavailable; watches keep their
 * last state).
 */
export class CstaSwitch implements Switch {
  private readonly log: LinkLogger;
  private readonly monitors: DeviceMonitors;
  private readonly lines: LineWatches;
  private readonly routes: RouteRegistrations;
  private readonly undoLinkWaitMs: number;
  /** Link state listeners behind one listener of the link: a Set removes in O(1) (every pending request has one). */
  private readonly linkListeners = new Set<(state: LinkState) => void>();

  constructor(
    private readonly link: CstaLink,
    options: CstaSwitchOptions = {},
  ) {
    this.log = options.logger ?? (() => {});
    this.undoLinkWaitMs = options.undoLinkWaitMs ?? 60_000;
    this.monitors = new DeviceMonitors(link, this.log);
    this.lines = new LineWatches(link, this.monitors, this.log);
    this.routes = new RouteRegistrations(link, this.log);
    link.on('state', (state) => {
      for (const listener of [...this.linkListeners]) listener(state);
    });
  }

  readonly lacks: ReadonlyMap<SwitchFeature, string> = new Map();

  get linkState(): LinkState {
    return this.link.state;
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    const own = (state: LinkState) => listener(state); // a wrapper per call, so each unsubscribe removes only its own
    this.linkListeners.add(own);
    return () => void this.linkListeners.delete(own);
  }

  placeCall(options: PlaceCallOptions): Promise<CallOutcome> {
    return new CallAttempt(this.link, this.monitors, options, this.log).outcome;
  }

  watchLine(device: string, onChange: (state: LineState) => void): LineWatch {
    return this.lines.watch(device, onChange);
  }

  activeCall(device: string): Promise<CallView | undefined> {
    return activeCall(this.link, device);
  }

  joinCall(options: JoinOptions): Promise<JoinOutcome> {
    const ctx = { link: this.link, monitors: this.monitors, log: this.log, placeCall: (o: PlaceCallOptions) => this.placeCall(o), undo: (j: JoinedCall) => this.undoJoin(j) };
    return new JoinAttempt(ctx, options).outcome;
  }

  followJoin(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    const follower = new JoinFollower(this.link, this.monitors, joined, onEnd, this.log);
    return () => follower.stop();
  }

  routeCalls(device: string, onCall: (call: OfferedCall) => void): () => void {
    return this.routes.route(device, onCall);
  }

  connectParked(options: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
    return connectParked(this.parkedContext(), options);
  }

  releaseParked(port: string, to: ParkedRelease): Promise<boolean> {
    return releaseParked(this.parkedContext(), port, to);
  }

  playMessage(options: PlayMessageOptions): Promise<CallOutcome> {
    return playMessage({ link: this.link, placeCall: (o) => this.placeCall(o) }, options);
  }

  sendFax(device: string, document: string): Promise<FaxOutcome> {
    return sendFax(this.link, device, document);
  }

  private parkedContext(): ParkedContext {
    return { link: this.link, monitors: this.monitors, routes: this.routes, log: this.log, placeCall: (o) => this.placeCall(o) };
  }

  undoJoin(joined: JoinedCall): Promise<void> {
    return undoJoin({ link: this.link, log: this.log, linkWaitMs: this.undoLinkWaitMs }, joined);
  }
}
