// The AMI adapter of the core's Switch port (ports.ts): ctid driving an
// Asterisk PBX (or the simulator's AMI face) with the same services as over
// CSTA. Everything AMI stays in this folder.
//
// What works so far: the link's lifecycle, two-point calls (call, camp-on
// and its retries), line states (watch, monitor), the call a device talks
// in, joins and barge-in (ConfBridge rooms), voice messages and FAX once
// `switch.media` says where Asterisk reads ctid's media (ami-media.ts), and,
// given ctid's FastAGI server, transfer entries (transfer/ami-transfers.ts;
// the slots' line states are their parked calls'). What is missing is named
// in `lacks`, so the core refuses such requests up front; the methods below
// answer switch-unavailable should one get here anyway.

import type {
  CallOutcome,
  CallView,
  ConnectParkedOptions,
  ConnectParkedOutcome,
  FaxOutcome,
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
import { AmiCall } from './ami-call.js';
import { joinOverAmi } from './ami-join.js';
import { AmiJoinFollower } from './ami-join-follow.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import { AmiMedia } from './ami-media.js';
import type { Endpoints } from './endpoints.js';
import { activeCallOver } from './channels-now.js';
import { AmiLines } from './line-states.js';
import type { AmiTransfers } from './transfer/ami-transfers.js';

const NO_MEDIA = 'voice messages and FAX over AMI need switch.media: where Asterisk reads ctid\'s stored media (README, "Driving Asterisk")';

export interface AmiSwitchOptions {
  /** Transfer entries (ctid's FastAGI server); without them `lacks` says routing. */
  transfers?: AmiTransfers;
  /** `switch.media`: ctid's DATA/media as Asterisk sees it; without it, no voice messages or FAX. */
  mediaDir?: string;
}

export class AmiSwitch implements Switch {
  readonly lacks: ReadonlyMap<SwitchFeature, string>;
  private readonly media: AmiMedia | undefined;
  private readonly lines: AmiLines;
  private readonly joins: AmiJoinFollower;
  private readonly linkListeners = new Set<(state: LinkState) => void>();

  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly log: LinkLogger = () => {},
    private readonly options: AmiSwitchOptions = {},
  ) {
    this.lacks = new Map<SwitchFeature, string>([
      ...(options.transfers ? [] : [['routing', 'transfer entries need ctid’s FastAGI server (switch.agi)'] as const]),
      ...(options.mediaDir === undefined ? [['voice-board', NO_MEDIA] as const] : []),
    ]);
    this.lines = new AmiLines(link, endpoints, this.log);
    this.joins = new AmiJoinFollower(link, this.log);
    this.media = options.mediaDir === undefined ? undefined : new AmiMedia(link, endpoints, options.mediaDir, this.log);
    link.on('state', (state) => {
      for (const listener of [...this.linkListeners]) listener(state);
    });
  }

  get linkState(): LinkState {
    return this.link.state;
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    const own = (state: LinkState) => listener(state);
    this.linkListeners.add(own);
    return () => void this.linkListeners.delete(own);
  }

  placeCall(options: PlaceCallOptions): Promise<CallOutcome> {
    return new AmiCall(this.link, this.endpoints, options, this.log).outcome;
  }

  watchLine(device: string, onChange: (state: LineState) => void): LineWatch {
    if (this.options.transfers?.isSlot(device)) return this.options.transfers.watchSlot(device, onChange);
    return this.lines.watch(device, onChange);
  }

  activeCall(device: string): Promise<CallView | undefined> {
    return activeCallOver(this.link, this.endpoints, device);
  }

  joinCall(options: JoinOptions): Promise<JoinOutcome> {
    return joinOverAmi({ link: this.link, endpoints: this.endpoints, undo: (joined) => this.undoJoin(joined), log: this.log }, options);
  }

  followJoin(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    if (joined.mode === 'transfer' && this.options.transfers) return this.options.transfers.follow(joined, onEnd);
    return this.joins.follow(joined, onEnd);
  }

  undoJoin(joined: JoinedCall): Promise<void> {
    if (joined.mode === 'transfer' && this.options.transfers) return this.options.transfers.undo(joined);
    return this.joins.undo(joined);
  }

  routeCalls(device: string, onCall: (call: OfferedCall) => void): () => void {
    if (this.options.transfers) return this.options.transfers.routeCalls(device, onCall);
    this.log('transfer entry not routed', { device, why: this.lacks.get('routing') });
    return () => {};
  }

  connectParked(options: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
    if (this.options.transfers) return this.options.transfers.connectParked(options);
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: this.lacks.get('routing') ?? '' });
  }

  releaseParked(port: string, to: ParkedRelease): Promise<boolean> {
    return this.options.transfers ? this.options.transfers.releaseParked(port, to) : Promise.resolve(false);
  }

  playMessage(options: PlayMessageOptions): Promise<CallOutcome> {
    return this.media?.playMessage(options) ?? Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: NO_MEDIA });
  }

  sendFax(device: string, document: string): Promise<FaxOutcome> {
    return this.media?.sendFax(device, document) ?? Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: NO_MEDIA });
  }
}
