// Device monitors (csta-link.md "watch a line": MonitorStart / MonitorStop),
// one per device however many follow it (line watches, call attempts),
// counted: MonitorStart for the first subscriber, MonitorStop after the last.
// A monitor lives in the switch's application session, so every time the
// link comes up each one is started again and its subscribers hear
// started() (their cue to resync).

import { isCstaServiceError } from '../../../csta/errors.js';
import { EVENT_INVOKE_ID, type CstaEvent, type MonitorStartResponse } from '../../../csta/messages.js';
import type { CstaLink, LinkLogger } from './link.js';

export interface MonitorSubscriber {
  /** The monitor runs in the current session: after subscribing (at once if it already ran) and after every reconnect. */
  started?(): void;
  /** The MonitorStart of this session failed (CstaServiceError when the switch refused it). */
  failed?(err: Error): void;
  /** An event of the device's monitor, in the order the switch sent them. */
  event(event: CstaEvent): void;
}

interface Monitor {
  device: string;
  subscribers: Set<MonitorSubscriber>;
  /** monitorCrossRefID in the current session; undefined until MonitorStart answers. */
  crossRef: string | undefined;
  /** The epoch of a MonitorStart in flight. */
  starting: number | undefined;
  /** MonitorStarts in a row that went unanswered in this session (a busy switch, a stalled event loop). */
  unanswered: number;
}

/** An unanswered MonitorStart is asked again after 1 s, 2 s, 4 s ... up to this. */
const MAX_RETRY_MS = 30_000;

/**
 * A MonitorStartResponse settles its promise a few microtasks after the
 * frame is read, while events packed into the same TCP chunk are handed on
 * at once: those wait here (bounded) until their monitor is known.
 */
const MAX_UNCLAIMED = 64;

export class DeviceMonitors {
  private readonly byDevice = new Map<string, Monitor>();
  private readonly byCrossRef = new Map<string, Monitor>();
  private unclaimed: CstaEvent[] = [];
  /** Counts link transitions: a MonitorStart answered in an older epoch belongs to a dead session. */
  private epoch = 0;

  constructor(
    private readonly link: CstaLink,
    private readonly log: LinkLogger,
  ) {
    link.on('up', () => {
      this.epoch++;
      for (const monitor of this.byDevice.values()) {
        monitor.unanswered = 0;
        void this.start(monitor);
      }
    });
    link.on('down', () => {
      this.epoch++;
      this.byCrossRef.clear();
      this.unclaimed = [];
      for (const monitor of this.byDevice.values()) monitor.crossRef = undefined;
    });
    link.on('frame', ({ invokeId, message }) => {
      if (invokeId === EVENT_INVOKE_ID && 'monitorCrossRefId' in message) this.dispatch(message as CstaEvent);
    });
  }

  /** Follows a device; returns the unsubscribe function (idempotent). */
  subscribe(device: string, subscriber: MonitorSubscriber): () => void {
    let monitor = this.byDevice.get(device);
    if (!monitor) {
      monitor = { device, subscribers: new Set([subscriber]), crossRef: undefined, starting: undefined, unanswered: 0 };
      this.byDevice.set(device, monitor);
      void this.start(monitor);
    } else {
      monitor.subscribers.add(subscriber);
      const running = monitor;
      if (running.crossRef) queueMicrotask(() => running.crossRef && running.subscribers.has(subscriber) && subscriber.started?.());
      else if (running.starting !== this.epoch) void this.start(running); // an earlier start failed: try again for the newcomer
    }
    const subscribed = monitor;
    return () => this.unsubscribe(subscribed, subscriber);
  }

  /** Whether the device's monitor runs in the current session (its events are coming). */
  running(device: string): boolean {
    return this.byDevice.get(device)?.crossRef !== undefined;
  }

  private async start(monitor: Monitor): Promise<void> {
    if (this.link.state !== 'up') return; // the next 'up' starts it
    const epoch = this.epoch;
    monitor.starting = epoch;
    let crossRef: string;
    try {
      ({ monitorCrossRefId: crossRef } = await this.link.request<MonitorStartResponse>({ type: 'MonitorStart', monitorObject: monitor.device }));
    } catch (err) {
      if (epoch !== this.epoch) return;
      monitor.starting = undefined;
      this.log('switch monitor not started', { device: monitor.device, err: (err as Error).message, refused: isCstaServiceError(err) });
      for (const s of [...monitor.subscribers]) s.failed?.(err as Error);
      if (!isCstaServiceError(err)) this.retry(monitor, epoch); // unanswered, not refused: the link is still up, so ask again
      return;
    }
    monitor.unanswered = 0;
    if (epoch !== this.epoch) return;
    monitor.starting = undefined;
    if (this.byDevice.get(monitor.device) !== monitor) return this.stop(crossRef); // everyone left meanwhile
    monitor.crossRef = crossRef;
    this.byCrossRef.set(crossRef, monitor);
    const early = this.unclaimed.filter((e) => e.monitorCrossRefId === crossRef);
    this.unclaimed = this.unclaimed.filter((e) => e.monitorCrossRefId !== crossRef);
    for (const event of early) this.dispatch(event);
    for (const s of [...monitor.subscribers]) s.started?.();
  }

  private retry(monitor: Monitor, epoch: number): void {
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** monitor.unanswered++);
    const timer = setTimeout(() => {
      const wanted = this.byDevice.get(monitor.device) === monitor && monitor.crossRef === undefined && monitor.starting === undefined;
      if (wanted && epoch === this.epoch) void this.start(monitor);
    }, delay);
    timer.unref();
  }

  private unsubscribe(monitor: Monitor, subscriber: MonitorSubscriber): void {
    if (!monitor.subscribers.delete(subscriber) || monitor.subscribers.size > 0) return;
    this.byDevice.delete(monitor.device);
    if (monitor.crossRef === undefined) return; // not running; a MonitorStart in flight is stopped when it answers
    this.byCrossRef.delete(monitor.crossRef);
    this.stop(monitor.crossRef);
  }

  private stop(crossRef: string): void {
    this.link
      .request({ type: 'MonitorStop', monitorCrossRefId: crossRef })
      .catch((err: Error) => this.log('switch monitor not stopped', { crossRef, err: err.message }));
  }

  private dispatch(event: CstaEvent): void {
    const monitor = this.byCrossRef.get(event.monitorCrossRefId);
    if (monitor) {
      for (const s of [...monitor.subscribers]) s.event(event);
      return;
    }
    this.unclaimed.push(event);
    if (this.unclaimed.length > MAX_UNCLAIMED) this.unclaimed.shift();
  }
}
