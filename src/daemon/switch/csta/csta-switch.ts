// The CSTA adapter of the core's Switch port (ports.ts; csta-link.md, top):
// the services' own terms built from CSTA services over one CstaLink.
// Everything CSTA stays in this folder, so an Asterisk (AMI) adapter can
// stand behind the same interface.

import type { CallOutcome, LineState, LineWatch, LinkState, PlaceCallOptions, Switch } from '../../core/ports.js';
import { CallAttempt } from './call-attempt.js';
import type { CstaLink, LinkLogger } from './link.js';
import { LineWatches } from './line-watch.js';
import { DeviceMonitors } from './monitors.js';

export interface CstaSwitchOptions {
  /** Default: logs nothing. */
  logger?: LinkLogger;
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
  /** Link state listeners behind one listener of the link: a Set removes in O(1) (every pending request has one). */
  private readonly linkListeners = new Set<(state: LinkState) => void>();

  constructor(
    private readonly link: CstaLink,
    options: CstaSwitchOptions = {},
  ) {
    this.log = options.logger ?? (() => {});
    this.monitors = new DeviceMonitors(link, this.log);
    this.lines = new LineWatches(link, this.monitors, this.log);
    link.on('state', (state) => {
      for (const listener of [...this.linkListeners]) listener(state);
    });
  }

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
}
