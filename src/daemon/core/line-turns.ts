// First come, first served on a freed line. Every camp-on that watches a
// line would otherwise place its call the moment the line turns idle: with
// a hundred camp-ons on one busy line, a hundred MakeCalls (or Originates)
// reach the switch at once, one connects and the rest are refused busy,
// and with --recall-first a hundred requesters' phones ring for nothing.
// So the camp-ons of a line take turns: the one that has waited longest
// (oldest submission) tries first; the others wait while it tries. A try
// that fails sends its camp-on to the back of the line's queue, so the
// next one gets the still-idle line at once; one that ends (connected,
// failed, cancelled) leaves the queue.

/** One camp-on's place in its line's queue. */
export interface Turn {
  /** Whether it is this camp-on's turn (it heads the queue). */
  readonly first: boolean;
  /** After a failed try: behind every other camp-on of the line. */
  toBack(): void;
  /** The camp-on ended (or stopped): it leaves the queue. */
  leave(): void;
}

interface Place {
  since: number;
  /** Wakes the camp-on so it looks again whether it is its turn. */
  wake: () => void;
}

export class LineTurns {
  private readonly queues = new Map<string, Place[]>();

  /** Joins the queue of `line`, in order of `since` (the submission time: a restart keeps the order). */
  join(line: string, since: number, wake: () => void): Turn {
    let queue = this.queues.get(line);
    if (!queue) this.queues.set(line, (queue = []));
    const place: Place = { since, wake };
    const at = queue.findIndex((p) => p.since > since);
    queue.splice(at < 0 ? queue.length : at, 0, place);
    const q = queue;
    const remove = () => {
      const i = q.indexOf(place);
      if (i < 0) return false;
      q.splice(i, 1);
      if (i === 0) q[0]?.wake();
      return true;
    };
    return {
      get first() {
        return q[0] === place;
      },
      toBack: () => {
        if (q.length > 1 && remove()) q.push(place);
      },
      leave: () => {
        if (remove() && q.length === 0) this.queues.delete(line);
      },
    };
  }
}
