// First come, first served on a freed line. Every camp-on that watches a
// line would otherwise place its call the moment the line turns idle: with
// a hundred camp-ons on one busy line, a hundred MakeCalls (or Originates)
// reach the switch at once, one connects and the rest are refused busy,
// and with --recall-first a hundred requesters' phones ring for nothing.
// So the camp-ons of a line take turns: the one that has waited longest
// (oldest submission) tries first; the others wait while it tries. A try
// that fails sends its camp-on to the back of the line's queue, so the
// next one gets the still-idle line at once; one that ends (connected,
// failed, cancelled) leaves the queue. Only the first of a queue is woken
// when the turn passes, so the others may wait as plain data (camp-on.ts).

/** A camp-on in a line's queue. */
export interface TurnTaker {
  /** When it was submitted: the queue's order (a restart keeps it). */
  readonly since: number;
  /** It became first in its line's queue. */
  wake(): void;
}

/** The camp-ons of one line, oldest first. */
export class LineQueue {
  private readonly members: TurnTaker[] = [];

  constructor(private readonly onEmpty: () => void) {}

  /** Whether `member` heads the queue: its turn. */
  isFirst(member: TurnTaker): boolean {
    return this.members[0] === member;
  }

  /** After a failed try: behind every other camp-on of the line. */
  toBack(member: TurnTaker): void {
    if (this.members.length > 1 && this.remove(member)) this.members.push(member);
  }

  /** The camp-on ended (or stopped): it leaves the queue. */
  leave(member: TurnTaker): void {
    if (this.remove(member) && this.members.length === 0) this.onEmpty();
  }

  /** Places `member` by its `since`; the common case, the youngest so far, goes to the end at once. */
  add(member: TurnTaker): void {
    const m = this.members;
    let at = m.length;
    if (at > 0 && m[at - 1]!.since > member.since) at = m.findIndex((p) => p.since > member.since);
    m.splice(at, 0, member);
    if (at === 0) m[1]?.wake(); // displaced from the head (a restart resuming out of order): let it look again
  }

  clear(): void {
    this.members.length = 0;
  }

  private remove(member: TurnTaker): boolean {
    const i = this.members.indexOf(member);
    if (i < 0) return false;
    this.members.splice(i, 1);
    if (i === 0) this.members[0]?.wake();
    return true;
  }
}

export class LineTurns {
  private readonly queues = new Map<string, LineQueue>();

  /**
   * Joins the queue of `line` (a number of this switch, or OFFICE/NUMBER), in
   * order of `since`; returns the queue to ask and leave.
   */
  join(line: string, member: TurnTaker): LineQueue {
    let queue = this.queues.get(line);
    if (!queue) {
      const created = new LineQueue(() => {
        if (this.queues.get(line) === created) this.queues.delete(line);
      });
      this.queues.set(line, (queue = created));
    }
    queue.add(member);
    return queue;
  }

  /** Empties every queue without waking anyone (the daemon stops: nobody should start a turn). */
  clear(): void {
    for (const queue of this.queues.values()) queue.clear();
    this.queues.clear();
  }
}
