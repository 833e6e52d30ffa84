// The AMI adapter of the core's Switch port (ports.ts): ctid driving an
// Asterisk PBX (or the simulator's AMI face) with the same services as over
// CSTA. Everything AMI stays in this folder.
//
// What works so far: the link's lifecycle, two-point calls (call, camp-on
// and its retries), line states (watch, monitor) and, given ctid's FastAGI
// server, transfer entries (transfer/ami-transfers.ts; the slots' line
// states are their parked calls'). Joins, barge-in and the voice board are
// not served over AMI yet: `lacks` names them, so the core refuses such
// requests up front; the methods below answer switch-unavailable should one
// get here anyway.

import type {
  CallOutcome,
  CallView,
  ConnectParkedOptions,
  ConnectParkedOutcome,
  FaxOutcome,
  JoinedCall,
  JoinOutcome,
  LineState,
  LineWatch,
  LinkState,
  OfferedCall,
  ParkedRelease,
  PlaceCallOptions,
  Switch,
  SwitchFeature,
} from '../../core/ports.js';
import { AmiCall } from './ami-call.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';
import { AmiLines } from './line-states.js';
import type { AmiTransfers } from './transfer/ami-transfers.js';

const NOT_YET = 'not served over AMI yet (issue 10 goes on)';

export class AmiSwitch implements Switch {
  readonly lacks: ReadonlyMap<SwitchFeature, string> = new Map([
    ['joins', `join and barge-in are ${NOT_YET}`],
    ['voice-board', `voice messages and FAX are ${NOT_YET}`],
  ]);
  private readonly lines: AmiLines;
  private readonly linkListeners = new Set<(state: LinkState) => void>();

  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    private readonly log: LinkLogger = () => {},
    /** Transfer entries (FastAGI); without them `lacks` says routing. */
    private readonly transfers?: AmiTransfers,
  ) {
    if (!transfers) this.lacks = new Map([...this.lacks, ['routing', 'transfer entries need ctid’s FastAGI server (switch.agi)']]);
    this.lines = new AmiLines(link, endpoints, this.log);
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
    if (this.transfers?.isSlot(device)) return this.transfers.watchSlot(device, onChange);
    return this.lines.watch(device, onChange);
  }

  activeCall(): Promise<CallView | undefined> {
    return Promise.reject(new Error(`reading a call is ${NOT_YET}`));
  }

  joinCall(): Promise<JoinOutcome> {
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: `join and barge-in are ${NOT_YET}` });
  }

  followJoin(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    if (joined.mode === 'transfer' && this.transfers) return this.transfers.follow(joined, onEnd);
    onEnd(`joins are ${NOT_YET}`);
    return () => {};
  }

  undoJoin(joined: JoinedCall): Promise<void> {
    if (joined.mode === 'transfer' && this.transfers) return this.transfers.undo(joined);
    return Promise.resolve();
  }

  routeCalls(device: string, onCall: (call: OfferedCall) => void): () => void {
    if (this.transfers) return this.transfers.routeCalls(device, onCall);
    this.log('transfer entry not routed', { device, why: this.lacks.get('routing') });
    return () => {};
  }

  connectParked(options: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
    if (this.transfers) return this.transfers.connectParked(options);
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: this.lacks.get('routing') ?? '' });
  }

  releaseParked(port: string, to: ParkedRelease): Promise<boolean> {
    return this.transfers ? this.transfers.releaseParked(port, to) : Promise.resolve(false);
  }

  playMessage(): Promise<CallOutcome> {
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: `voice messages are ${NOT_YET}` });
  }

  sendFax(): Promise<FaxOutcome> {
    return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: `FAX is ${NOT_YET}` });
  }
}
