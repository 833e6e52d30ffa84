// Switch.followJoin over CSTA: whether a join still stands is read from the
// switch (snapshots.ts), not pieced together from events: the monitors on
// the two ports only say when to look again. Each time a monitor starts
// (the first time, and after every link outage: events were lost meanwhile)
// and on every event, the join is judged once more, one look at a time; a
// burst of events while a look is on its way costs one more look.
//
// The join stands while
//   - port 2 talks in a call with somebody else connected (the requester), and
//   - port 1 talks in a call where the target is connected (for a transfer,
//     somebody else: the caller), and
//   - for `join`, somebody else is still in that call (held parties do not
//     count as gone: for barge-in they are put aside on purpose).
// While the link is down the requests fail and nothing is decided; the
// monitors start again when it is back.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { JoinedCall } from '../../core/ports.js';
import type { CstaLink, LinkLogger } from './link.js';
import type { DeviceMonitors } from './monitors.js';
import { liveConnections, talkingConnection } from './snapshots.js';

/** A look that failed while the link stayed up (a timeout) is tried again after this. */
const RETRY_MS = 2_000;

export class JoinFollower {
  private stopped = false;
  private looking = false;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly unsubscribes: (() => void)[];

  constructor(
    private readonly link: CstaLink,
    monitors: DeviceMonitors,
    private readonly joined: JoinedCall,
    private readonly onEnd: (why: string) => void,
    private readonly log: LinkLogger,
  ) {
    const look = { started: () => this.poke(), event: () => this.poke() };
    this.unsubscribes = joined.ports.map((port) => monitors.subscribe(port, look));
  }

  /** Stops following, without calling onEnd; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retry);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private poke(): void {
    if (this.stopped) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = true;
    // One tick later: the other events of a burst arrive with the first and share its look.
    setImmediate(() => void this.lookRepeatedly());
  }

  private async lookRepeatedly(): Promise<void> {
    do {
      this.again = false;
      await this.look();
    } while (this.again && !this.stopped);
    this.looking = false;
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    let why: string | undefined;
    try {
      why = await this.whyApart();
    } catch (err) {
      this.log('switch join check failed', { target: this.joined.target, err: (err as Error).message });
      if (this.link.state === 'up' && !isCstaServiceError(err)) this.retryLater();
      return; // link down: the monitors start again when it is back, and poke
    }
    if (!why || this.stopped) return;
    this.stop();
    this.onEnd(why);
  }

  private retryLater(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.poke(), RETRY_MS);
    this.retry.unref();
  }

  /** Words for why the join came apart, or undefined while it stands. */
  private async whyApart(): Promise<string | undefined> {
    const { link, joined } = this;
    const [port1, port2] = joined.ports as [string, string];
    const requesterSide = await talkingConnection(link, port2);
    const requesterCall = requesterSide && (await liveConnections(link, requesterSide));
    const transfer = joined.mode === 'transfer';
    if (!requesterCall?.some((c) => c.device !== port2 && c.state === 'connected')) return transfer ? 'the destination hung up' : 'the requester hung up';
    const targetSide = await talkingConnection(link, port1);
    const targetCall = targetSide && (await liveConnections(link, targetSide));
    // A transfer's port 1 talks with the caller, who may be anyone; a join's with the target.
    const stillThere = (device: string) => (transfer ? device !== port1 : device === joined.target);
    if (!targetCall?.some((c) => stillThere(c.device) && c.state === 'connected')) return transfer ? 'the caller hung up' : 'the target hung up';
    if (joined.mode === 'join' && !targetCall.some((c) => c.device !== joined.target && c.device !== port1)) return 'the other party hung up';
    return undefined;
  }
}
