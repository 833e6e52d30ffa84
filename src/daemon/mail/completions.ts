// Completion mail (FIG. 35): when a request that came by mail ends, its
// sender finds the result in their own mailbox, as a reply to the mail that
// asked. One watch over the office's requests (current state first, so the
// requests that ended while ctid was down are reported after a restart);
// each result is delivered once (Mailboxes.once).

import type { CoreApi, Principal, Unsubscribe } from '../core/api.js';
import { isFinal, type RequestRecord, type ScenarioAction } from '../core/request.js';
import type { Mailboxes } from './mailboxes.js';
import { MAIL_KEY_PREFIX } from './mail-request.js';

export interface CompletionOptions {
  core: Pick<CoreApi, 'watch'>;
  mailboxes: Mailboxes;
  domain: string;
  /** An admin of the office: the watch covers everyone's requests. */
  admin: Principal;
  /** The users with mailboxes (lower-case names). */
  users: readonly string[];
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export function sendCompletions(opts: CompletionOptions): Unsubscribe {
  return opts.core.watch(
    opts.admin,
    { all: true },
    (record) => {
      const key = record.idempotencyKey;
      if (!key?.startsWith(MAIL_KEY_PREFIX) || !isFinal(record)) return;
      const user = record.requester.toLowerCase();
      if (!opts.users.includes(user)) return;
      void opts.mailboxes
        .once(`completion-${record.id}`, async () => void (await opts.mailboxes.deliver(user, completionMail(record, user, opts.domain))))
        .catch((err: Error) => opts.logger('completion mail not delivered', { id: record.id, err: err.message }));
    },
    () => {},
  );
}

/** The result as a plain-text mail (RFC 5322), a reply to the mail that asked. */
export function completionMail(r: RequestRecord, user: string, domain: string): Buffer {
  const asked = r.idempotencyKey!.slice(MAIL_KEY_PREFIX.length);
  const what = `${r.kind} ${r.destination} from ${r.source}`;
  const lines = [
    `From: ctid <ctid@${domain}>`,
    `To: ${user}@${domain}`,
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
