// Waiting for a request's result: WatchRequests by id gives the current
// state first, then every change, and ends after the final state. Each new
// history entry is one progress line. If ctid goes away meanwhile (restart,
// shutdown), the request lives on in its store, so the CLI re-attaches for a
// while before giving up (exit 3). SIGINT / SIGTERM detach: the id is
// printed (alone, on stdout) and the request goes on.

import { Backoff } from '../common/backoff.js';
import { ScaledClock } from '../common/clock.js';
import { formatDuration } from '../common/duration.js';
import type { Request, RequestUpdate } from '../gen/cti/v1/cti.js';
import type { CtiApi } from './client.js';
import { isCliError, unreachable } from './errors.js';
import { GRPC, isGrpcError } from './exit-codes.js';
import { FINAL_STATES, progressObject, progressText } from './format.js';
import { abortable, forEachMessage, untilInterrupted } from './interrupts.js';
import type { Output } from './output.js';

/** How long to keep re-attaching after ctid went away: enough for a restart. */
const REATTACH_BUDGET_MS = 60_000;

/** The request in its final state, having printed its progress on the way. */
export async function followRequest(api: CtiApi, id: string, out: Output): Promise<Request> {
  try {
    return await untilInterrupted((signal) => follow(api, id, out, signal));
  } catch (err) {
    if (isCliError(err) && err.code === 'interrupted') {
      out.endProgress();
      out.line(id); // for `cti wait ID`
    }
    throw err;
  }
}

async function follow(api: CtiApi, id: string, out: Output, signal: AbortSignal): Promise<Request> {
  let shown = 0; // history entries printed so far
  let final: Request | undefined;
  let lostSince: number | undefined;
  const backoff = new Backoff(new ScaledClock(), { initialMs: 250, maxMs: 5000 });

  const onUpdate = ({ request }: RequestUpdate): 'stop' | void => {
    if (!request) return;
    lostSince = undefined;
    backoff.reset();
    for (const change of request.history.slice(shown)) {
      if (FINAL_STATES.has(change.state)) continue; // the caller prints the result
      if (out.json) out.object(progressObject(request, change));
      else out.progress(() => progressText(request, change, Date.now(), out.style.err));
    }
    shown = request.history.length;
    if (FINAL_STATES.has(request.state)) {
      final = request;
      return 'stop';
    }
  };

  for (;;) {
    let lost: unknown = unreachable(api.server);
    try {
      await forEachMessage(api.watch({ id, all: false }), signal, onUpdate);
      if (final) return final;
      // The stream ended before the final state: ctid is going away.
    } catch (err) {
      if (signal.aborted || !isGrpcError(err) || err.code !== GRPC.UNAVAILABLE) throw err;
      lost = err;
    }
    lostSince ??= Date.now();
    const until = lostSince + REATTACH_BUDGET_MS;
    if (Date.now() >= until) throw lost;
    out.progress(() => `lost ctid; re-attaching to ${id} (${formatDuration(until - Date.now())} more)`);
    const { setTimeout: sleep } = await import('node:timers/promises'); // only once ctid is lost: not at start-up
    await sleep(Math.min(backoff.nextDelay(), until - Date.now()), undefined, { signal });
    await abortable(api.reconnect(Math.max(1, until - Date.now())), signal);
  }
}
