// Switch.watchLine over CSTA: one WatchedLine per device, shared by all its
// watchers, over the device's shared monitor. Each time the monitor starts
// (the first time and after every link outage) the line is read again with
// SnapshotDevice (csta-link.md "current state": resync after an outage), so a
// line that freed while the link was down is reported. While the link is
// down the last state stays.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { CstaEvent, SnapshotDeviceResponse } from '../../../csta/messages.js';
import type { LineState, LineWatch } from '../../core/ports.js';
import type { CstaLink, LinkLogger } from './link.js';
import { LineTracker } from './line-state.js';
import type { DeviceMonitors, MonitorSubscriber } from './monitors.js';

/** One watchLine() call: its listener and what it was last told. */
interface Watcher {
  onChange: (state: LineState) => void;
  told: LineState | undefined;
}

class WatchedLine implements MonitorSubscriber {
  readonly watchers = new Set<Watcher>();
  unsubscribe: () => void = () => {};
  private readonly tracker: LineTracker;
  /** Whether the state is known: after the first snapshot (or a refused monitor). */
  private reported = false;
  /** The switch refused to monitor the device (an unknown extension): it reads as out of service. */
  private refused = false;
  /** Events that arrive while a snapshot is in flight: replayed on top of it, since the snapshot may predate them. */
  private sinceSnapshot: CstaEvent[] | undefined;

  constructor(
    private readonly device: string,
    private readonly link: CstaLink,
    private readonly log: LinkLogger,
  ) {
    this.tracker = new LineTracker(device);
  }

  get state(): LineState {
    return this.refused ? 'out-of-service' : this.tracker.state;
  }

  get known(): boolean {
    return this.reported;
  }

  started(): void {
    this.refused = false;
    void this.resync();
  }

  failed(err: Error): void {
    if (!isCstaServiceError(err)) return; // a link problem: the next 'up' starts the monitor again
    this.refused = true;
    this.report();
  }

  event(event: CstaEvent): void {
    this.tracker.apply(event);
    this.sinceSnapshot?.push(event);
    if (this.known && !this.sinceSnapshot) this.report();
  }

  private async resync(): Promise<void> {
    const events: CstaEvent[] = [];
    this.sinceSnapshot = events;
    let snapshot: SnapshotDeviceResponse;
    try {
      snapshot = await this.link.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: this.device });
    } catch (err) {
      if (this.sinceSnapshot === events) this.sinceSnapshot = undefined;
      this.log('switch snapshot failed', { device: this.device, err: (err as Error).message });
      return;
    }
    if (this.sinceSnapshot !== events) return; // a newer resync (after another reconnect) owns the line now
    this.sinceSnapshot = undefined;
    this.tracker.resync(snapshot.calls);
    for (const event of events) this.tracker.apply(event);
    this.report();
  }

  /** Tells each watcher the state, unless that is what it heard last. */
  report(): void {
    this.reported = true;
    const state = this.state;
    for (const w of [...this.watchers]) {
      if (w.told === state || !this.watchers.has(w)) continue;
      w.told = state;
      w.onChange(state);
    }
  }
}

export class LineWatches {
  private readonly lines = new Map<string, WatchedLine>();

  constructor(
    private readonly link: CstaLink,
    private readonly monitors: DeviceMonitors,
    private readonly log: LinkLogger,
  ) {}

  /**
   * onChange hears the line's state once it is known (after the first
   * snapshot, or at once when another watcher already knows it), then every
   * change. `state` is undefined until then.
   */
  watch(device: string, onChange: (state: LineState) => void): LineWatch {
    let line = this.lines.get(device);
    if (!line) {
      const created = new WatchedLine(device, this.link, this.log);
      this.lines.set(device, created);
      created.unsubscribe = this.monitors.subscribe(device, created);
      line = created;
    }
    const shared = line;
    const watcher: Watcher = { onChange, told: undefined };
    shared.watchers.add(watcher);
    if (shared.known) queueMicrotask(() => shared.report());
    return {
      get state() {
        return shared.known ? shared.state : undefined;
      },
      stop: () => {
        if (!shared.watchers.delete(watcher) || shared.watchers.size > 0) return;
        this.lines.delete(device);
        shared.unsubscribe();
      },
    };
  }
}
