// Where bounces go: to the sender's mailbox here, or, for a sender of
// another office (relayed mail), back through the relay. A request the
// office took but could not run later (refused when its delivery time came,
// or when its mail was opened) bounces to its requester with the field or
// the rule to blame, once per mail and reason.

import { createHash } from 'node:crypto';
import { isCtiError } from '../core/errors.js';
import { bounceMail } from './dsn.js';
import { ExchangeInfoError } from './exchange-info.js';
import { headersOf, REQUESTER_HEADER } from './mail-headers.js';
import type { Mailboxes } from './mailboxes.js';
import type { RelayOut } from './relay-out.js';

export interface Bounces {
  /** Sends a DSN to `to` (a user here by name or address, or `name@domain` of another office). */
  send(to: string, dsn: Buffer): Promise<void>;
  /** The request of `raw` could not run: its requester is told why. */
  requestFailed(raw: Buffer, err: unknown): Promise<void>;
}

export function bounces(opts: { domain: string; mailboxes: Mailboxes; relayOut: Pick<RelayOut, 'enqueue'>; logger: (event: string, fields?: Record<string, unknown>) => void }): Bounces {
  const { domain, mailboxes } = opts;
  const send = async (to: string, dsn: Buffer): Promise<void> => {
    const [name = '', at = domain] = to.toLowerCase().split('@');
    if (at === domain) await mailboxes.deliver(name, dsn);
    else await opts.relayOut.enqueue(dsn, `mailer-daemon@${domain}`, to);
  };
  return {
    send,
    async requestFailed(raw, err) {
      const head = headersOf(raw);
      const requester = head.get(REQUESTER_HEADER.toLowerCase());
      if (!requester) return;
      const why = err instanceof Error ? err.message : String(err);
      const status = err instanceof ExchangeInfoError || (isCtiError(err) && err.code === 'invalid-argument') ? '5.6.0' : isCtiError(err) && err.code === 'permission-denied' ? '5.7.1' : '5.0.0';
      const to = requester.includes('@') ? requester : `${requester}@${domain}`;
      const key = `bounce-${createHash('sha256').update(raw).update(why).digest('hex').slice(0, 32)}`;
      await mailboxes
        .once(key, () => send(to, bounceMail({ domain, to, recipient: head.get('to') ?? `(${domain})`, status, diagnostic: `the request could not run: ${why}`, original: raw })))
        .catch((e: Error) => opts.logger('bounce not delivered', { to, err: e.message }));
    },
  };
}
