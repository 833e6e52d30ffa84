// The monitor service (MISSION.md section 2): a line's state now, then each
// change, for a window. The switch adapter keeps the watch across link
// outages; this only bounds it in time.

import type { Clock } from '../../common/clock.js';
import type { LineUpdate, Unsubscribe } from './api.js';
import type { Switch } from './ports.js';

export function monitorLine(
  sw: Switch,
  clock: Clock,
  now: () => number,
  device: string,
  windowMs: number,
  onUpdate: (u: LineUpdate) => void,
  onEnd: (err?: Error) => void,
): Unsubscribe {
  let ended = false;
  const watch = sw.watchLine(device, (state) => !ended && onUpdate({ device, state, at: now() }));
  const timer = clock.setTimer(windowMs, () => end());
  const end = () => {
    if (ended) return;
    ended = true;
    timer.cancel();
    watch.stop();
    onEnd();
  };
  // Until the switch has reported the line, its first report is the current state.
  if (watch.state) onUpdate({ device, state: watch.state, at: now() });
  return end;
}
