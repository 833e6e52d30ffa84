// A line another office owns, watched through that office's status monitor
// (FIG. 24-26): a LineWatch like the switch's own. The stream is re-opened
// with backoff whenever it ends or breaks, until stop(); while the owner is
// unreachable the state is unknown (undefined), so nobody acts on a stale one.

import { Backoff } from '../../common/backoff.js';
import type { Timer } from '../../common/clock.js';
import type { LineState, LineWatch } from './ports.js';
import type { RunnerContext } from './runner.js';

/** How long each status monitor asks for; re-opened when it ends. */
const WINDOW_MS = 10 * 60_000;

export function peerLineWatch(
  ctx: Pick<RunnerContext, 'peers' | 'clock' | 'logger'>,
  office: string,
  number: string,
  via: string[],
  onChange: (state: LineState) => void,
): LineWatch {
  let state: LineState | undefined;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let retry: Timer | undefined;
  const backoff = new Backoff(ctx.clock, { initialMs: 500, maxMs: 10_000 });
  const open = () => {
    unsubscribe = ctx.peers.monitorStatus(
      office,
      number,
      WINDOW_MS,
      via,
      (n) => {
        backoff.reset();
        if (n.lineState === state) return;
        state = n.lineState;
        onChange(state);
      },
      (err) => {
        unsubscribe = undefined;
        if (stopped) return;
        if (err) {
          ctx.logger('status monitor broke', { office, number, err: err.message });
          state = undefined;
        }
        retry = backoff.schedule(open);
      },
    );
  };
  open();
  return {
    get state() {
      return state;
    },
    stop: () => {
      stopped = true;
      retry?.cancel();
      unsubscribe?.();
    },
  };
}
