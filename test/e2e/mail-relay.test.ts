// Mail between offices (FIG. 34 S3403', FIG. 38), with the real processes
// (test/helpers/federation.ts): offices a and b, each the mail host of its
// domain, each relaying the other's domain to it. bob of office a
// (2001 = 044-123-4567) writes to carol@b.example with swaks; office b runs
// the request as the user a vouched for, calling bob back at his external
// number, and the completion mail comes back through the relay to bob's
// mailbox at a. With b down, a keeps the mail, retries, and after the relay
// window bounces it to bob (a DSN); a peer that authenticates can deliver
// only to b's own mailboxes and vouch only for its own users.
// The tests run in order on one world.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti, USERS } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { Federation, pairSecret } from '../helpers/federation.js';
import { curlPop3, sendMail, type SendOptions } from '../helpers/mail.js';
import { closedPort } from '../helpers/ports.js';
import { killAll } from '../helpers/processes.js';

let f: Federation;
const smtp = { a: '', b: '' };
const pop3 = { a: '', b: '' };

test.after(async () => {
  await killAll();
});

const send = (office: 'a' | 'b', body: string[], opts: SendOptions = {}) => sendMail(smtp[office], body, { from: 'bob@a.example', ...opts });

/** The subjects of the mails in `user`'s mailbox at `office` (POP3, curl). */
async function subjects(office: 'a' | 'b', user: keyof typeof USERS): Promise<string[]> {
  const list = (await curlPop3(pop3[office], '/', user)).out.trim().split(/\r?\n/).filter(Boolean);
  const found: string[] = [];
  for (const line of list) found.push(/^Subject: (.*?)\r?$/m.exec((await curlPop3(pop3[office], `/${line.split(' ')[0]}`, user, ['-r', '0-4000'])).out)?.[1] ?? '');
  return found;
}

async function mailWith(office: 'a' | 'b', user: keyof typeof USERS, subject: RegExp): Promise<string> {
  const list = (await curlPop3(pop3[office], '/', user)).out.trim().split(/\r?\n/).filter(Boolean);
  for (const line of list.reverse()) {
    const mail = (await curlPop3(pop3[office], `/${line.split(' ')[0]}`, user)).out;
    if (subject.test(/^Subject: (.*?)\r?$/m.exec(mail)?.[1] ?? '')) return mail;
  }
  return '';
}

test('offices a (a.example) and b (b.example) take mail and relay each other’s domain', async () => {
  const ports = { a: await closedPort(), b: await closedPort() };
  smtp.a = `127.0.0.1:${ports.a}`;
  smtp.b = `127.0.0.1:${ports.b}`;
  f = await Federation.start({
    start: ['a', 'b'],
    configure: (office, config) => {
      if (office === 'c') return;
      const other = office === 'a' ? 'b' : 'a';
      config.mail = { domain: `${office}.example`, smtp: smtp[office], pop3: '127.0.0.1:0', relayWindow: '6s' };
      config.relay = [{ domain: `${other}.example`, office: other, smtp: smtp[other] }];
    },
  });
  for (const office of ['a', 'b'] as const) pop3[office] = /^pop3 (\S+)$/m.exec(f.ctid(office).process.lines.join('\n'))![1]!;
});

test('on receipt: bob@a’s mail to carol@b.example runs at b; b/2002 rings, then bob’s 2001 at a, and they talk; bob’s completion mail comes back to a', async () => {
  const sent = await send('a', ['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', '', 'Carol, let us talk.'], { to: 'carol@b.example', headers: ['Subject: relayed call', 'X-CTI-Requester: boss@a.example'] });
  assert.is(sent.code, 0, sent.replies);
  assert.match(sent.replies, /250 2\.0\.0 queued for carol@b\.example \(office b\)/);
  await f.phones.answerWhenRinging('b', '2002');
  await f.phones.answerWhenRinging('a', '2001');
  await eventually('a/2001 and b/2002 to talk', () => f.phones.talking('a/2001', 'b/2002'), Boolean, 20_000);
  const mail = await eventually('bob’s completion mail at a', () => mailWith('a', 'bob', /^Your request by mail succeeded/), Boolean, 30_000);
  assert.match(mail, /^Subject: Your request by mail succeeded: camp-on 2002 from 0441234567\r?$/m);
  assert.match(mail, /^To: bob@a\.example\r?$/m);
  assert.match(mail, /^Received: .* by a\.example \(ctid office a\) with ESMTPA \(relay\)/m, 'it came back through the relay');
  await f.phones.release('a', '2001');
  await f.phones.release('b', '2002');
});

test('on open: the relayed mail waits in carol’s mailbox at b, marked as bob@a.example’s; when she opens it, the call runs', async () => {
  const sent = await send('a', ['CTI-Destination: 2002', '', 'When you read this.'], { to: 'carol@b.example', headers: ['Subject: read me'] });
  assert.match(sent.replies, /queued for carol@b\.example/);
  const mine = await eventually('the mail in carol’s mailbox at b', () => runCti(['mail', 'list', '--json'], f.as('b', 'carol')), (r) => r.stdout.includes('read me'));
  const mail = JSON.parse(mine.stdout.split('\n').find((l) => l.includes('read me'))!) as { id: string; trigger: string; destination: string };
  assert.equal([mail.trigger, mail.destination], ['on-open', '2002']);
  const opened = await runCti(['mail', 'open', mail.id], f.as('b', 'carol'));
  assert.is(opened.code, 0, opened.stderr);
  assert.match(opened.stdout, /^X-CTI-Requester: bob@a\.example$/m);
  assert.match(opened.stdout, /^X-CTI-Origin: a$/m);
  await f.phones.answerWhenRinging('b', '2002');
  await f.phones.answerWhenRinging('a', '2001');
  await eventually('a/2001 and b/2002 to talk', () => f.phones.talking('a/2001', 'b/2002'), Boolean, 20_000);
  await f.phones.release('a', '2001');
  await f.phones.release('b', '2002');
});

test('relayed on-open mail that cannot run when carol opens it at b: she is told, and bob’s bounce comes back through the relay to a', async () => {
  const sent = await send('a', ['CTI-Destination: 03-5555-0100', 'CTI-Scenario: ask; connect'], { to: 'carol@b.example', headers: ['Subject: cannot run at b'] });
  assert.match(sent.replies, /queued for carol@b\.example/);
  const mine = await eventually('the mail at b', () => runCti(['mail', 'list', '--json'], f.as('b', 'carol')), (r) => r.stdout.includes('cannot run at b'));
  const id = (JSON.parse(mine.stdout.split('\n').find((l) => l.includes('cannot run at b'))!) as { id: string }).id;
  const opened = await runCti(['mail', 'open', id], f.as('b', 'carol'));
  assert.is(opened.code, 1, opened.stderr);
  assert.match(opened.stderr, /not an extension of office b/);
  const dsn = await eventually('bob’s bounce at a', () => mailWith('a', 'bob', /^Undelivered mail: cannot run at b/), Boolean, 30_000);
  assert.match(dsn, /^Final-Recipient: rfc822; carol@b\.example\r?$/m);
  assert.match(dsn, /the request could not run: .*not an extension of office b/);
});

test('a vouches only for its own: someone else’s extension is refused at a; at b, a peer login reaches b’s mailboxes only and vouches only for a.example', async () => {
  const other = await send('a', ['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Source: 2002'], { to: 'carol@b.example' });
  assert.match(other.replies, /550 5\.7\.1 CTI-Source: extension 2002 is not yours/);

  const asPeer = (body: string[], opts: { secret?: string; to?: string; headers?: string[] } = {}) =>
    sendMail(smtp.b, body, { auth: false, to: opts.to ?? 'carol@b.example', from: 'bob@a.example', headers: opts.headers ?? [] }, ['--auth', 'PLAIN', '--auth-user', 'office:a', '--auth-password', opts.secret ?? pairSecret('a', 'b')]);
  const wrong = await asPeer(['CTI-Destination: 2002'], { secret: 'not-the-secret-0123456789' });
  assert.match(wrong.replies, /535 5\.7\.8/);
  const onward = await asPeer(['CTI-Destination: 2002'], { to: 'dave@c.example' });
  assert.match(onward.replies, /550 5\.7\.1 this office takes mail for b\.example only/);
  const stranger = await asPeer(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt'], { headers: ['X-CTI-Requester: eve@c.example', 'X-CTI-Source-External: 0660001001'] });
  assert.match(stranger.replies, /550 5\.7\.1 office a may not vouch for "eve@c\.example"/);
});

test('a mail that has passed too many hosts is refused: a loop', async () => {
  const headers = Array.from({ length: 25 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Thu, 26 Nov 2026 10:00:00 +0000`);
  const looped = await send('a', ['CTI-Destination: 2002'], { to: 'carol@b.example', headers });
  assert.match(looped.replies, /554 5\.4\.6 .*mail loop/);
});

test('b down: a keeps the mail and retries; after the relay window bob gets a bounce (DSN) naming carol@b.example', async () => {
  await f.kill9('b');
  const sent = await send('a', ['CTI-Destination: 2003', 'CTI-Trigger: on-receipt'], { to: 'carol@b.example', headers: ['Subject: while b is down'] });
  assert.match(sent.replies, /queued for carol@b\.example/);
  const dsn = await eventually('bob’s bounce', () => mailWith('a', 'bob', /^Undelivered mail: while b is down/), Boolean, 40_000);
  assert.match(dsn, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
  assert.match(dsn, /^Final-Recipient: rfc822; carol@b\.example\r?$/m);
  assert.match(dsn, /^Status: 4\.4\.7\r?$/m);
  assert.match(dsn, /^Action: failed\r?$/m);
  assert.match(dsn, /gave up after \d+ s/);
});

test('queued mail survives a kill -9 of a: b comes back, a restarts, and the mail goes through (b/2004 rings)', async () => {
  const sent = await send('a', ['CTI-Destination: 2004', 'CTI-Trigger: on-receipt'], { to: 'carol@b.example', headers: ['Subject: across a restart'] });
  assert.match(sent.replies, /queued for carol@b\.example/);
  await f.kill9('a');
  await f.startOffice('b');
  await f.startOffice('a');
  await f.phones.untilLine('b', '2004', 'ringing', 30_000);
  assert.not.ok((await subjects('a', 'bob')).some((s) => /across a restart/.test(s)), 'no bounce');
});

test('cti relay: anyone lists; admins add (persisted across a restart) and remove; others are refused (exit 4)', async () => {
  const listed = await runCti(['relay', 'list', '--json'], f.as('a', 'bob'));
  assert.is(listed.code, 0, listed.stderr);
  assert.equal(
    listed.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string>),
    [{ type: 'relay', domain: 'b.example', office: 'b', smtp: smtp.b, origin: 'config' }],
  );
  const denied = await runCti(['relay', 'add', 'c.example', '--office', 'c', '--smtp', '127.0.0.1:2599'], f.as('a', 'bob'));
  assert.is(denied.code, 4, denied.stderr);
  const added = await runCti(['relay', 'add', 'C.Example', '--office', 'c', '--smtp', '127.0.0.1:2599'], f.as('a', 'admin'));
  assert.is(added.code, 0, added.stderr);
  assert.match(added.stdout, /^c\.example\s+c\s+127\.0\.0\.1:2599\s+runtime$/m);
  const unknown = await runCti(['relay', 'add', 'd.example', '--office', 'd', '--smtp', '127.0.0.1:2599'], f.as('a', 'admin'));
  assert.is(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /no peer office "d"/);
  const bad = await runCti(['relay', 'add', 'c.example', '--office', 'c', '--smtp', 'nowhere'], f.as('a', 'admin'));
  assert.is(bad.code, 2);
  await f.kill9('a');
  await f.startOffice('a');
  const after = await runCti(['relay', 'list'], f.as('a', 'bob'));
  assert.match(after.stdout, /^c\.example\s+c\s+127\.0\.0\.1:2599\s+runtime$/m);
  assert.is((await runCti(['relay', 'rm', 'c.example'], f.as('a', 'admin'))).code, 0);
  const gone = await runCti(['relay', 'rm', 'c.example'], f.as('a', 'admin'));
  assert.is(gone.code, 1, gone.stderr);
});

test.run();
