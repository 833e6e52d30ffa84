// A camp-on whose destination another office owns, placed by that office
// (FIG. 13-14): this office forwards the camp-on request (FIG. 19) and
// mirrors the owner's replies (FIG. 21) into the local request, so the user
// sees one request with one result.
//
// Reliability: the forwarded request keeps this request's id, so re-sending
// it (after a broken stream, a peer restart or our own restart) re-attaches
// instead of making a second request. An unreachable owner is retried with
// backoff until the window ends. Cancel (FIG. 22) is retried until the owner
// confirms it, across our restarts too (`peerCancel` stays `pending`).

import { Backoff } from '../../common/backoff.js';
import { isCtiError } from './errors.js';
import type { PeerCampOn, PeerRequestState } from './peering.js';
import { FINAL_STATES, isJoinKind, type RequestRecord, type RequestState } from './request.js';
import { Runner, type RunnerContext } from './runner.js';

/** The owner has the same deadline and reports the timeout itself; this is our fallback. */
const OWNER_GRACE_MS = 5_000;

export class ForwardedRunner extends Runner {
  private readonly backoff = new Backoff(this.ctx.clock, { initialMs: 500, maxMs: 10_000 });
  private unwatch: (() => void) | undefined;
  /** Whether the owner ever answered: decides between `timeout` and `peer-unavailable` at the end. */
  private reached = false;

  protected override get deadlineGraceMs(): number {
    return OWNER_GRACE_MS;
  }

  protected async run(): Promise<void> {
    const office = this.record.office!;
    while (!this.done) {
      try {
        this.mirror(await this.ctx.peers.campOn(office, this.peerRequest()));
        if (this.done) return;
        const broke = await new Promise<Error | undefined>((resolve) => {
          this.unwatch = this.ctx.peers.watchCampOn(office, this.record.id, (s) => this.mirror(s), resolve);
        });
        this.unwatch = undefined;
        if (this.done) return;
        if (broke) this.ctx.logger('forwarded request stream broke', { id: this.record.id, office, err: broke.message });
      } catch (err) {
        if (isCtiError(err) && err.code !== 'unavailable') {
          await this.finish('failed', err.reason ?? 'peer-unavailable', err.message);
          return;
        }
        this.ctx.logger('owner unreachable', { id: this.record.id, office, err: String(err) });
      }
      await this.waitFor(() => false, this.backoff.nextDelay());
    }
  }

  protected onDeadline(): Promise<void> {
    const office = this.record.office!;
    return this.reached
      ? this.finish('failed', 'timeout', `office ${office} did not report a result within the window`)
      : this.finish('failed', 'peer-unavailable', `office ${office} could not be reached within the window`);
  }

  protected cleanup(): void {
    this.unwatch?.();
  }

  /** Cancel here at once; the owner hears of it as soon as it can be reached. */
  override async cancel(): Promise<void> {
    if (this.done) return;
    this.record.peerCancel = 'pending'; // stored with the cancelled state just below
    await super.cancel();
    void cancelAtOwner(this.ctx, this.record);
  }

  private mirror(s: PeerRequestState): void {
    this.reached = true;
    this.backoff.reset();
    if (this.done) return;
    if (FINAL_STATES.has(s.state)) {
      // In the requester's own words on success; the owner's explanation otherwise.
      const r = this.record;
      const message = s.state === 'succeeded' ? `connected ${r.source} with ${r.destination} (placed by office ${r.office})` : (s.message ?? `office ${r.office}: ${s.state}`);
      void this.finish(s.state as 'succeeded' | 'failed' | 'cancelled', s.reason, message);
      return;
    }
    const state: RequestState = s.state === 'accepted' && !isJoinKind(this.record.kind) ? 'watching' : s.state;
    const note = s.detail && s.detail !== this.record.history.at(-1)?.detail ? s.detail : undefined;
    void this.ctx.registry.update(this.record, {
      state,
      ...(note ? { detail: note, note } : {}),
      fields: { attempts: s.attempts, ringing: s.ringing },
    });
  }

  private peerRequest(): PeerCampOn {
    const r = this.record;
    return {
      id: r.id,
      destination: r.dial,
      source: r.sourceExternal ?? r.source,
      network: r.network,
      deadline: r.deadline,
      strategy: r.strategy,
      retryEveryMs: r.retryEveryMs,
      requester: r.requester,
      via: [...(r.via ?? []), this.ctx.office],
      ...(isJoinKind(r.kind) ? { kind: r.kind, ...(r.display ? { display: r.display } : {}) } : {}),
    };
  }
}

/**
 * Retries the owner's cancel with backoff until it confirms, or until long
 * after the window (the owner gives up by then anyway). Runs after our own
 * restarts too, for every request whose cancel is still `pending`.
 */
export async function cancelAtOwner(ctx: RunnerContext, record: RequestRecord): Promise<void> {
  const backoff = new Backoff(ctx.clock, { initialMs: 500, maxMs: 30_000 });
  const giveUpAt = record.deadline + 10 * 60_000;
  while (record.peerCancel === 'pending' && ctx.now() < giveUpAt) {
    try {
      await ctx.peers.cancelCampOn(record.office!, record.id);
      break;
    } catch (err) {
      if (isCtiError(err) && err.code === 'not-found') break; // the owner never got it
      ctx.logger('cancel not yet at the owner', { id: record.id, office: record.office, err: String(err) });
      await new Promise<void>((resolve) => ctx.clock.setTimer(backoff.nextDelay(), resolve));
    }
  }
  if (record.peerCancel === 'pending') await ctx.registry.amend(record, { peerCancel: undefined });
}
