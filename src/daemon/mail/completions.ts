// Completion mail (FIG. 35): when a request that came by mail ends, its
// sender finds the result in their own mailbox, as a reply to the mail that
// asked; a sender of another office (relayed mail) gets it through the
// relay, back to their office's domain. One watch over the office's
// requests (current state first, so the requests that ended while ctid was
// down are reported after a restart); each result is sent once
// (Mailboxes.once).

import type { Unsubscribe } from '../core/api.js';
import { isFinal, type RequestRecord, type ScenarioAction } from '../core/request.js';
import type { Mailboxes } from './mailboxes.js';
import { MAIL_KEY_PREFIX } from './mail-request.js';
import type { RelayOut } from './relay-out.js';

export interface CompletionOptions {
  /** Every request of the office (those relayed from other offices too): the current ones first, then each change. */
  watchAll: (onRecord: (record: RequestRecord) => void) => Unsubscribe;
  mailboxes: Mailboxes;
  domain: string;
  /** The users with mailboxes (lower-case names). */
  users: readonly string[];
  /** For senders of other offices: their office's mail domain, and the relay's queue. */
  relay: { domainOf(office: string): string | undefined; out: Pick<RelayOut, 'enqueue'> };
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export function sendCompletions(opts: CompletionOptions): Unsubscribe {
  /** Where a request's completion goes: the requester's mailbox here, or through the relay to their office. */
  const sender = (r: RequestRecord): (((mail: Buffer) => Promise<void>) & { to: string }) | undefined => {
    if (!r.origin) {
      const user = r.requester.toLowerCase();
      if (!opts.users.includes(user)) return undefined;
      return Object.assign(async (mail: Buffer) => void (await opts.mailboxes.deliver(user, mail)), { to: `${user}@${opts.domain}` });
    }
    // A relayed mail's request: its requester is `ORIGIN/name@domain`, as the origin vouched.
    const to = r.requester.slice(r.origin.length + 1);
    if (!to.includes('@')) return undefined; // a request forwarded by the peer API, not by mail
    return Object.assign((mail: Buffer) => opts.relay.out.enqueue(mail, `ctid@${opts.domain}`, to), { to });
  };
  return opts.watchAll((record) => {
    const key = record.idempotencyKey;
    if (!key?.startsWith(MAIL_KEY_PREFIX) || !isFinal(record)) return;
    const send = sender(record);
    if (!send) return;
    void opts.mailboxes
      .once(`completion-${record.id}`, () => send(completionMail(record, send.to, opts.domain)))
      .catch((err: Error) => opts.logger('completion mail not delivered', { id: record.id, err: err.message }));
  });
}

/** The result as a plain-text mail (RFC 5322), a reply to the mail that asked. */
export function completionMail(r: RequestRecord, to: string, domain: string): Buffer {
  const asked = r.idempotencyKey!.slice(MAIL_KEY_PREFIX.length);
  const what = `${r.kind} ${r.destination} from ${r.source}`;
  const lines = [
    `From: ctid <ctid@${domain}>`,
    `To: ${to}`,
    `Subject: Your request by mail ${r.state}: ${what}`,
    `Date: ${new Date(r.endedAt ?? Date.now()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <completion.${r.id}@${domain}>`,
    ...(asked.startsWith('<') ? [`In-Reply-To: ${asked}`, `References: ${asked}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Request ${r.id} (${what}): ${r.state}${r.reason ? ` (${r.reason})` : ''}.`,
    r.message ?? '',
    '',
    ...scenarioLines(r),
    'What happened:',
    ...r.history.map((h) => `  ${new Date(h.at).toISOString()}  ${h.state}${h.detail ? `  ${h.detail}` : ''}`),
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** `Scenario:` and each step with what it did (FIG. 36 S3622: the sender learns how far it got). */
function scenarioLines(r: RequestRecord): string[] {
  if (!r.scenario) return [];
  const { steps, outcomes } = r.scenario;
  const lines = steps.map((step, i) => {
    const did = outcomes[i]?.join('; ') ?? (step[0]?.do === 'connect' && r.state === 'succeeded' ? (r.message ?? 'connected') : 'not done');
    return `  ${i + 1}. ${step.map(actionWords).join(' & ')}: ${did}`;
  });
  return ['Scenario:', ...lines, ''];
}

function actionWords(a: ScenarioAction): string {
  return a.do === 'play' ? `play ${a.part}` : a.do === 'fax' ? a.part : a.do === 'show' ? `show ${a.part}` : a.do;
}
