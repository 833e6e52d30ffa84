// The office's mail host, put together from its config `mail` and `relay`:
// mailboxes, media, the delivery-time schedule, the relay table and its
// outbound queue, SMTP in, completion mails, POP3, and the desk `cti mail`
// and `cti relay` use. daemon.ts loads this file only for an office that
// takes mail (smtp-server and mailparser cost start-up time).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledClock } from '../../common/clock.js';
import type { ResolvedConfig } from '../config.js';
import { watchRecords, type Core } from '../core/core.js';
import type { Logger } from '../logger.js';
import { openOverlayStore } from '../store/overlay-store.js';
import { sendCompletions } from './completions.js';
import { bounces } from './bounces.js';
import { bounceMail } from './dsn.js';
import { MailDesk } from './mail-desk.js';
import { Mailboxes } from './mailboxes.js';
import { MediaStore } from './media.js';
import { startPop3 } from './pop3.js';
import { RelayOut } from './relay-out.js';
import { RelayTable, type RelayRoute } from './relay-table.js';
import { MailSchedule } from './schedule.js';
import { startSmtpIn } from './smtp-in.js';

export interface MailOffice {
  desk: MailDesk;
  /** In start order: the daemon undoes them last first. */
  stops: (() => void | Promise<void>)[];
}

const isRelayRoute = (r: unknown): boolean => ['domain', 'office', 'smtp'].every((k) => typeof (r as Record<string, unknown> | null)?.[k] === 'string');

export async function startMailOffice(config: ResolvedConfig & { mail: NonNullable<ResolvedConfig['mail']> }, core: Core, ready: (line: string) => void, logger: Logger): Promise<MailOffice> {
  const stops: MailOffice['stops'] = [];
  const domain = config.mail.domain.toLowerCase();
  const mailboxes = new Mailboxes(join(config.data, 'mail'));
  const media = new MediaStore(join(config.data, 'media'));
  const users = new Map(config.users.map((u) => [u.name.toLowerCase(), u]));
  const peerSecrets = new Map(Object.entries(config.peers).map(([office, p]) => [office, p.secret]));

  const relayTable = new RelayTable(config.relay, await openOverlayStore<RelayRoute>(join(config.data, 'relay.json'), isRelayRoute, 'ctid relay table'), domain, (o) => peerSecrets.has(o));
  const relayOut = new RelayOut({
    store: new Mailboxes(join(config.data, 'mail-outbound')),
    table: relayTable,
    office: config.office,
    domain,
    secretOf: (office) => peerSecrets.get(office),
    windowMs: config.mail.relayWindow,
    clock: new ScaledClock(),
    bounce: (f) => bounced.send(f.from, bounceMail({ domain, to: f.from, recipient: f.to, status: f.status, diagnostic: f.why, original: f.raw, arrived: f.queuedAt })),
    logger,
  });
  const bounced = bounces({ domain, mailboxes, relayOut, logger });
  const run = { core, peerDesk: core.peerDesk, media, requestFailed: bounced.requestFailed };
  await relayOut.start();
  stops.push(() => relayOut.stop());

  const schedule = new MailSchedule({ ...run, mailboxes, store: new Mailboxes(join(config.data, 'mail-scheduled')), users, logger });
  await schedule.start();
  stops.push(() => schedule.stop());

  const intake = { ...run, domain, mailboxes, schedule, relay: { table: relayTable, out: relayOut }, logger };
  const tls = config.mail.tls ? { tls: { cert: readFileSync(config.mail.tls.cert), key: readFileSync(config.mail.tls.key) } } : {};
  const smtp = await startSmtpIn({
    ...intake,
    ...tls,
    listen: config.mail.smtp,
    maxBytes: config.mail.maxSize,
    users: [...users.keys()],
    office: config.office,
    peerSecrets,
  });
  stops.push(() => smtp.close());
  stops.push(
    sendCompletions({
      watchAll: (onRecord) => watchRecords(core.registry, () => true, [...core.registry.all()], false, onRecord, () => {}),
      mailboxes,
      domain,
      users: [...users.keys()],
      relay: { domainOf: (office) => relayTable.domainOf(office), out: relayOut },
      logger,
    }),
  );
  const listeners = [`smtp ${smtp.address}`];
  ready(listeners[0]!);
  if (config.mail.pop3) {
    const pop3 = await startPop3({ ...run, ...tls, listen: config.mail.pop3, domain, mailboxes, users, logger });
    stops.push(() => pop3.close());
    listeners.push(`pop3 ${pop3.address}`);
    ready(listeners[1]!);
  }
  const desk = new MailDesk(intake, mailboxes, domain, users, relayTable);
  desk.listeners = listeners;
  return { desk, stops };
}
