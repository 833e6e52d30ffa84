// The model behind the screen, with batched redraws: changes apply to the
// model at once, and the screen hears about them at most once per frame, so
// a burst of 1,000 request updates is one redraw, not a thousand flickers.

import { DashboardModel } from './model.js';

/** ~30 frames a second. */
const FRAME_MS = 33;

export class DashboardStore {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  /** The model version the screen was last told about (useSyncExternalStore's snapshot). */
  private shown = 0;

  constructor(
    readonly model = new DashboardModel(),
    private readonly frameMs = FRAME_MS,
  ) {}

  /** Applies a change and schedules a redraw. */
  update(change: (model: DashboardModel) => void): void {
    change(this.model);
    this.schedule();
  }

  /** A redraw at once (a key press: the screen answers without waiting for the frame). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.notify();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly snapshot = (): number => this.shown;

  close(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.notify();
    }, this.frameMs);
  }

  private notify(): void {
    if (this.shown === this.model.version) return;
    this.shown = this.model.version;
    for (const listener of [...this.listeners]) listener();
  }
}
