// The AMI adapter of the core's Switch port (ports.ts): ctid driving an
// Asterisk PBX (or the simulator's AMI face) with the same services as over
// CSTA. Everything AMI stays in this folder.
//
// What works so far: the link's lifecycle, two-point calls (call, camp-on
// and its retries), line states (watch, monitor), the call a device talks
// in, joins and barge-in (ConfBridge rooms), and voice messages and FAX
// once `switch.media` says where Asterisk reads ctid's media (ami-media.ts).
// Transfer entries (FastAGI) are not served over AMI yet: `lacks` names
// them, so the core refuses such requests up front; the methods below
// answer switch-unavailable should one get here anyway.

import type {
  CallOutcome,
  CallView,
  ConnectParkedOutcome,
  FaxOutcome,
  JoinedCall,
  JoinOptions,
  JoinOutcome,
  LineState,
  LineWatch,
  LinkState,
  OfferedCall,
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

const NOT_YET = 'not served over AMI yet (issue 10 goes on)';
const NO_MEDIA = 'voice messages and FAX over AMI need switch.media: where Asterisk reads ctid\'s stored media (README, "Driving Asterisk")';

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
    /** `switch.media`: ctid's DATA/media as Asterisk sees it; without it, no voice messages or FAX. */
    mediaDir?: string,
  ) {
    this.lacks = new Map<SwitchFeature, string>([
      ['routing', `transfer entries (FastAGI routing) are ${NOT_YET}`],
      ...(mediaDir === undefined ? [['voice-board', NO_MEDIA] as const] : []),
    ]);
    this.lines = new AmiLines(link, endpoints, this.log);
    this.joins = new AmiJoinFollower(link, this.log);
    this.media = mediaDir === undefined ? undefined : new AmiMedia(link, endpoints, mediaDir, this.log);
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
    return this.lines.watch(device, onChange);
  }

  activeCall(device: string): Promise<CallView | undefined> {
    return activeCallOver(this.link, this.endpoints, device);
  }

  joinCall(options: JoinOptions): Promise<JoinOutcome> {
    return joinOverAmi({ link: this.link, endpoints: this.endpoints, undo: (joined) => this.undoJoin(joined), log: this.log }, options);
  }

  followJoin(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    return this.joins.follow(joined, onEnd);
  }

  undoJoin(joined: JoinedCall): Promise<void> {
    return this.joins.undo(joined);
  }

  routeCalls(device: string, _onCall: (call: OfferedCall) => void): () => void {
    this.log('transfer entry not routed', { device, why: `routing calls (FastAGI) is ${NOT_YET}` });
    return () => {};
  }

  connectParked(): Promise<ConnectParkedOutcome> {
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: `voice-board transfer is ${NOT_YET}` });
  }

  releaseParked(): Promise<boolean> {
    return Promise.resolve(false);
  }

  playMessage(options: PlayMessageOptions): Promise<CallOutcome> {
    return this.media?.playMessage(options) ?? Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: NO_MEDIA });
  }

  sendFax(device: string, document: string): Promise<FaxOutcome> {
    return this.media?.sendFax(device, document) ?? Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: NO_MEDIA });
  }
}
