// What the dashboard hears from ctid: one session of streams that each give
// the current state first and then every change (WatchRequests and
// WatchPrompts, the streams `requests --watch` and `prompts --watch` use;
// MonitorLine per line), plus the status, transfer entries and peers polled
// every few seconds. When ctid goes away the model says so and keeps its
// last state, and the feed dials again with backoff; the new session's
// first updates bring the screen up to date.

import type { CtiApi } from '../client.js';
import type { RpcStream } from '../rpc/stream.js';
import type { DashboardStore } from './store.js';

export interface FeedOptions {
  /** Reconnect backoff, doubled after each failure up to maxMs. */
  retry: { initialMs: number; maxMs: number };
  /** How often status, transfers and peers are read again. */
  pollMs: number;
}

const DEFAULTS: FeedOptions = { retry: { initialMs: 500, maxMs: 10_000 }, pollMs: 5_000 };

export class DashboardFeed {
  private stopped = false;
  private session: AbortController | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly api: CtiApi,
    private readonly store: DashboardStore,
    private readonly options: FeedOptions = DEFAULTS,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.session?.abort();
    this.wake?.();
  }

  /** Reads status, transfers and peers again now (after an action that changes them). */
  async refresh(): Promise<void> {
    const [status, transfers, peers] = await Promise.all([this.api.status(), this.api.transfers(), this.api.peers()]);
    this.store.update((m) => {
      m.status({ office: status.office, user: status.user, admin: status.admin, switchLink: status.switchLink, extensions: status.extensions });
      m.lists(transfers, peers);
    });
  }

  private async loop(): Promise<void> {
    let delay = this.options.retry.initialMs;
    while (!this.stopped) {
      const session = new AbortController();
      this.session = session;
      let why: string;
      try {
        await this.run(session.signal, () => (delay = this.options.retry.initialMs));
        why = 'the streams ended';
      } catch (err) {
        why = describe(err);
      } finally {
        session.abort();
      }
      if (this.stopped) return;
      this.store.update((m) => m.connectionIs('down', `ctid at ${this.api.server}: ${why}; trying again in ${formatSeconds(delay)} (showing the last state)`));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, this.options.retry.maxMs);
    }
  }

  /** One session: resolves or rejects when any stream breaks, or when the session is aborted. */
  private async run(signal: AbortSignal, onUp: () => void): Promise<void> {
    await this.refresh();
    if (signal.aborted) return;
    this.store.update((m) => m.connectionIs('up'));
    onUp();
    const { admin, extensions } = this.store.model;
    await new Promise<void>((resolve, reject) => {
      const streams: RpcStream<unknown>[] = [];
      const follow = <T>(stream: RpcStream<T>, each: (message: T) => void, onEnd: () => void = () => reject(new Error('ctid ended a stream'))): void => {
        streams.push(stream as RpcStream<unknown>);
        stream.on('data', each);
        stream.on('error', (err) => reject(err));
        stream.on('end', onEnd);
      };
      follow(this.api.watch({ id: '', all: admin }), ({ request }) => request && this.store.update((m) => m.request(request)));
      follow(this.api.watchPrompts(), ({ prompt, initial }) => prompt && this.store.update((m) => m.prompt(prompt, initial)));
      const monitor = (ext: string): void =>
        // A monitor's window may end (the daemon's maximum): start another.
        follow(
          this.api.monitor({ number: ext, windowMs: 0 }),
          (u) => this.store.update((m) => m.line(ext, u.state, Date.parse(u.at) || Date.now())),
          () => !signal.aborted && monitor(ext),
        );
      extensions.forEach(monitor);
      const poll = setInterval(() => this.refresh().catch(reject), this.options.pollMs);
      signal.addEventListener(
        'abort',
        () => {
          clearInterval(poll);
          for (const stream of streams) {
            stream.removeAllListeners();
            stream.on('error', () => {}); // the cancel's own CANCELLED
            stream.cancel();
          }
          resolve();
        },
        { once: true },
      );
    });
  }
}

function describe(err: unknown): string {
  const e = err as { code?: number; details?: string; message?: string };
  if (e.code === 14) return 'unreachable';
  if (e.code === 16) return 'the token was refused';
  return e.details || e.message || String(err);
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
