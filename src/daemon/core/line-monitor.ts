// The monitor service (MISSION.md section 2): a line's state now, then each
// change, for a window. The watch (this switch's, or another office's status
// monitor) keeps itself up across outages; this only bounds it in time.

import type { Clock } from '../../common/clock.js';
import type { LineUpdate, Unsubscribe } from './api.js';
import type { LineState, LineWatch } from './ports.js';

/** Opens a watch of the line, reporting each change. */
export type WatchFactory = (onChange: (state: LineState) => void) => LineWatch;

export function monitorLine(
  watchLine: WatchFactory,
  clock: Clock,
  now: () => number,
  device: string,
  windowMs: number,
  onUpdate: (u: LineUpdate) => void,
  onEnd: (err?: Error) => void,
): Unsubscribe {
  let ended = false;
  const watch = watchLine((state) => !ended && onUpdate({ device, state, at: now() }));
  const end = () => {
    if (ended) return;
    ended = true;
    timer.cancel();
    watch.stop();
    onEnd();
  };
  const timer = clock.setTimer(windowMs, end);
  // Until the line has been reported, its first report is the current state.
  if (watch.state) onUpdate({ device, state: watch.state, at: now() });
  return end;
}
