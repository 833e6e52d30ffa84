// Delivery times (CTI-Deliver-At; FIG. 37): a mail with a time to come
// waits, stored durably (one file per mail, as a mailbox holds them). At
// that time an on-receipt mail's request runs, as its sender; an on-open
// mail reaches the recipients' mailboxes (then runs when opened). After a
// restart the waiting mails are read back; one whose time passed while
// ctid was down goes at once, and the log says how late.

import type { Principal } from '../core/api.js';
import type { Mailboxes } from './mailboxes.js';
import { MAILBOXES_HEADER, withHeaders } from './mail-headers.js';
import { readMailRequest, requesterOf, submitMailRequest, type MailRunContext } from './mail-request.js';

/** setTimeout's longest wait (~24.8 days); longer waits wait again. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The one "mailbox" of the schedule's own Mailboxes directory. */
const BOX = 'due';

export interface ScheduleOptions extends MailRunContext {
  /** The users' mailboxes, where on-open mail goes at its time. */
  mailboxes: Pick<Mailboxes, 'deliver'>;
  /** A Mailboxes of the schedule's own (not the users'). */
  store: Mailboxes;
  users: ReadonlyMap<string, Principal>;
  logger: (event: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

export class MailSchedule {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(private readonly opts: ScheduleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Reads back what waits (after a restart) and arms it. */
  async start(): Promise<void> {
    for (const { uidl } of await this.opts.store.list(BOX)) {
      const raw = await this.opts.store.read(BOX, uidl);
      const at = (await readMailRequest(raw)).info.deliverAt ?? 0;
      this.arm(uidl, at);
    }
  }

  /** Stores a mail (marked with its sender) durably, then arms it. */
  async add(raw: Buffer, at: number): Promise<void> {
    this.arm(await this.opts.store.deliver(BOX, raw), at);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private arm(uidl: string, at: number): void {
    const wait = at - this.now();
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (at - this.now() > 0) return this.arm(uidl, at); // a wait longer than one timer
        void this.run(uidl, at);
      },
      Math.min(Math.max(0, wait), MAX_TIMER_MS),
    );
    this.timers.add(timer);
  }

  private async run(uidl: string, at: number): Promise<void> {
    let raw: Buffer | undefined;
    try {
      raw = await this.opts.store.read(BOX, uidl);
      const mail = await readMailRequest(raw);
      const who = requesterOf(mail, this.opts.users);
      const lateMs = this.now() - at;
      const late = lateMs > 5_000 ? { lateMs } : {};
      if (mail.info.trigger === 'on-open') {
        const stored = withHeaders(raw, { [MAILBOXES_HEADER]: undefined });
        for (const box of mail.mailboxes ?? []) await this.opts.mailboxes.deliver(box, stored);
        this.opts.logger('mail delivered at its delivery time', { to: mail.mailboxes, requester: mail.requester, ...late });
      } else {
        const request = await submitMailRequest(this.opts, who, mail, `scheduled:${uidl}`);
        this.opts.logger('mail request ran at its delivery time', { id: request.id, requester: mail.requester, ...late });
      }
    } catch (err) {
      this.opts.logger('scheduled mail request not run', { uidl, err: (err as Error).message });
      if (raw) await this.opts.requestFailed(raw, err);
    }
    await this.opts.store.remove(BOX, uidl);
  }
}
