// Requests by mail (issue 8, first part), with real mail clients: `swaks`
// submits to the real ctid (embedded simulator) as a user with AUTH PLAIN
// over loopback (and once over STARTTLS); `curl` fetches by POP3. What is checked is what a sender sees (the SMTP
// replies) and what the office does (the request, as `cti requests` lists
// it, and the call at the switch).

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, runCtid, startCtid, SwitchSimCli, USERS, type TestCtid } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { curlPop3 as curlPop3At, requestIdOf, sendMail, type SendOptions, type Sent } from '../helpers/mail.js';
import { killAll } from '../helpers/processes.js';

let ctid: TestCtid;
let smtp: string;
let pop3: string;
let phones: SwitchSimCli;

test.before(async () => {
  ctid = await startCtid({ config: { mail: { domain: 'a.example', smtp: '127.0.0.1:0', pop3: '127.0.0.1:0', maxSize: 4096 } } });
  smtp = /^smtp (\S+)$/m.exec(ctid.process.lines.join('\n'))![1]!;
  pop3 = /^pop3 (\S+)$/m.exec(ctid.process.lines.join('\n'))![1]!;
  phones = new SwitchSimCli(ctid.controlAddress!);
});

test.after(async () => {
  await killAll();
});

/** swaks to carol@a.example (or `to`), as `user` unless `auth` is false. */
const send = (body: string[], opts: SendOptions = {}): Promise<Sent> => sendMail(smtp, body, opts);
const requestId = requestIdOf;

test('on receipt: the mail becomes bob’s call to 2000, which camps on while 2000 is busy and connects when it frees', async () => {
  for (const ext of ['2000', '2001']) await phones.set('a', ext, { rings: 100 });
  await phones.set('a', '2005', { answer: 'auto' });
  await phones.dial('a', '2000', '2005');
  await phones.untilLine('a', '2000', 'busy');
  const sent = await send(['CTI-Destination: 2000', 'CTI-Trigger: on-receipt', 'CTI-Monitor: 10m', '', 'Please call me back.']);
  assert.is(sent.code, 0, sent.replies);
  const id = requestId(sent);
  assert.ok(id, sent.replies);
  const listed = await runCti(['requests', '--json'], ctiAs(ctid.address, 'bob'));
  const request = listed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; requester: string; destination: string; source: string; state: string }).find((r) => r.id === id);
  assert.equal([request?.requester, request?.destination, request?.source], ['bob', '2000', '2001']);
  await phones.hangup('a', '2000');
  await phones.answerWhenRinging('a', '2000');
  await phones.answerWhenRinging('a', '2001');
  await eventually('2000 and 2001 to talk', () => phones.talking('a/2000', 'a/2001'), Boolean);
  await phones.release('a', '2000', '2001');
});

test('the sender finds the result in their own mailbox: a completion mail, a reply to the mail that asked', async () => {
  const mails = await eventually('bob’s completion mail', async () => (await curlPop3('/', 'bob')).out.trim(), (out) => /^1 \d+/m.test(out));
  assert.ok(mails);
  const mail = (await curlPop3('/1', 'bob')).out;
  assert.match(mail, /^Subject: Your request by mail succeeded: call 2000 from 2001\r?$/m);
  assert.match(mail, /^To: bob@a\.example\r?$/m);
  assert.match(mail, /connected 2001 with 2000/);
  assert.match(mail, /^Auto-Submitted: auto-replied\r?$/m);
});

test('the same mail twice (same Message-ID) is one request', async () => {
  const mail = ['CTI-Destination: 2003', 'CTI-Trigger: on-receipt', ''];
  const headers = ['Message-Id: <twice-0001@a.example>']; // swaks' own header name, so it replaces the one swaks makes
  const first = await send(mail, { headers });
  const second = await send(mail, { headers });
  assert.ok(requestId(first), first.replies);
  assert.is(requestId(second), requestId(first));
});

test('the requester is the authenticated user, not the From: header', async () => {
  const sent = await send(['CTI-Destination: 2004', 'CTI-Trigger: on-receipt'], { user: 'carol', from: 'boss@a.example', headers: ['From: The Boss <boss@a.example>'] });
  const id = requestId(sent);
  assert.ok(id, sent.replies);
  const listed = await runCti(['requests', '--json'], ctiAs(ctid.address, 'carol'));
  assert.match(listed.stdout, new RegExp(`"id":"${id}".*"requester":"carol".*"source":"2002"`));
});

test('refused with a reply naming the field: no destination, a bad monitor time, a source that is not yours', async () => {
  const missing = await send(['Hello, no fields here.']);
  assert.match(missing.replies, /554 5\.6\.0 CTI-Destination: missing/);
  const monitor = await send(['CTI-Destination: 2000', 'CTI-Trigger: on-receipt', 'CTI-Monitor: soon']);
  assert.match(monitor.replies, /554 5\.6\.0 CTI-Monitor: /);
  const header = await send(['CTI-Destination: 2000'], { headers: ['X-CTI-Trigger: sometime'] });
  assert.match(header.replies, /554 5\.6\.0 CTI-Trigger: "sometime" is not on-receipt or on-open/);
  const source = await send(['CTI-Destination: 2000', 'CTI-Trigger: on-receipt', 'CTI-Source: 2002']);
  assert.match(source.replies, /550 5\.7\.1 CTI-Source: extension 2002 is not yours/);
});

test('no AUTH: refused; mail for another domain: no relaying; a mailbox that does not exist; too large: 552; a wrong token: 535', async () => {
  const anonymous = await send(['CTI-Destination: 2000', 'CTI-Trigger: on-receipt'], { auth: false });
  assert.match(anonymous.replies, /530 5\.7\.0 authenticate first/);
  const relay = await send(['CTI-Destination: 2000'], { to: 'someone@elsewhere.example' });
  assert.match(relay.replies, /550 5\.7\.1 this office takes mail for a\.example only/);
  const nobody = await send(['CTI-Destination: 2000'], { to: 'nobody@a.example' });
  assert.match(nobody.replies, /550 5\.1\.1 no mailbox nobody@a\.example/);
  const many = await send(['No fields: refused at DATA, so nothing is stored.'], { to: Array.from({ length: 33 }, () => 'carol@a.example').join(',') });
  assert.match(many.replies, /452 4\.5\.3 at most 32 recipients per message/);
  const big = await send(['CTI-Destination: 2000', 'CTI-Trigger: on-receipt', '', 'x'.repeat(8000)]);
  assert.match(big.replies, /552/);
  const wrong = await new Promise<Sent>((resolve) =>
    execFile('swaks', ['--server', smtp, '--to', 'carol@a.example', '--auth', 'PLAIN', '--auth-user', 'bob', '--auth-password', 'not-the-token'], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, replies: `${stdout}${stderr}` }),
    ),
  );
  assert.match(wrong.replies, /535 5\.7\.8/);
  // None of these made a request.
  const listed = await runCti(['requests', '--all', '--json'], ctiAs(ctid.address, 'boss'));
  const to2000 = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { destination: string })
    .filter((r) => r.destination === '2000');
  assert.is(to2000.length, 1, `only the first test's request goes to 2000: ${listed.stdout}`);
});

/** curl speaking POP3 as `user` (RETR with `/N`, other commands with `-X`). */
const curlPop3 = (path: string, user: keyof typeof USERS, extra: string[] = [], token?: string) => curlPop3At(pop3, path, user, extra, token);

const requestsTo = async (user: keyof typeof USERS, destination: string) => {
  const listed = await runCti(['requests', '--json'], ctiAs(ctid.address, user));
  return listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; destination: string; requester: string })
    .filter((r) => r.destination === destination);
};

test('on open: the mail waits in carol’s mailbox; nothing runs until she fetches it by POP3 (curl); then bob’s request runs, once', async () => {
  const sent = await send(['CTI-Destination: 2008', '', 'Call 2008 when you read this.'], { headers: ['X-CTI-Requester: boss'] });
  assert.match(sent.replies, /250 2\.0\.0 in the mailbox of carol: the request runs when the mail is opened/);
  assert.equal(await requestsTo('bob', '2008'), [], 'nothing runs on receipt');

  const list = await curlPop3('/', 'carol');
  assert.is(list.code, 0);
  assert.match(list.out, /^1 \d+\r?$/m, `LIST: ${list.out}`);
  const uidl = await curlPop3('/', 'carol', ['-X', 'UIDL']);
  assert.match(uidl.out, /^1 \S+/m);

  const retr = await curlPop3('/1', 'carol');
  assert.match(retr.out, /^X-CTI-Requester: bob\r?$/m, 'ctid wrote who sent it (the sender’s own header dropped)');
  assert.not.match(retr.out, /X-CTI-Requester: boss/);
  assert.match(retr.out, /Call 2008 when you read this\./);
  const [request] = await eventually('the request to run on open', () => requestsTo('bob', '2008'), (r) => r.length === 1);
  assert.is(request!.requester, 'bob');

  await curlPop3('/1', 'carol'); // opened again
  assert.is((await requestsTo('bob', '2008')).length, 1, 'runs once');

  const wrong = await curlPop3('/', 'carol', [], 'not-the-token');
  assert.is.not(wrong.code, 0, 'a wrong token is refused');
  const dele = await curlPop3('/1', 'carol', ['-X', 'DELE', '-I']);
  assert.is(dele.code, 0);
  assert.equal((await curlPop3('/', 'carol')).out.trim(), '', 'the mailbox is empty after DELE and QUIT');
});

test('cti mail: send composes the mail and puts it through the mail path as me; list shows the mailbox; open runs its request, once', async () => {
  const bob = ctiAs(ctid.address, 'bob');
  const carol = ctiAs(ctid.address, 'carol');
  const sent = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2009', '--text', 'please call 2009'], bob);
  assert.is(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /in the mailbox of carol/);

  const listed = await runCti(['mail', 'list', '--json'], carol);
  const mails = listed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; from: string; trigger: string; destination: string });
  const mine = mails.find((m) => m.destination === '2009');
  assert.equal([mine?.from, mine?.trigger], ['bob@a.example', 'on-open'], listed.stdout);
  assert.equal(await requestsTo('bob', '2009'), [], 'nothing ran yet');

  const opened = await runCti(['mail', 'open', mine!.id], carol);
  assert.is(opened.code, 0, opened.stderr);
  assert.match(opened.stdout, /please call 2009/);
  assert.match(opened.stderr, /ran its request a-/);
  assert.is((await requestsTo('bob', '2009')).length, 1);
  await runCti(['mail', 'open', mine!.id], carol);
  assert.is((await requestsTo('bob', '2009')).length, 1, 'opened twice, ran once');

  const receipt = await runCti(['mail', 'send', '--to', 'bob@a.example', '--call', '2007', '--trigger', 'on-receipt'], bob);
  assert.match(receipt.stdout, /accepted as request a-/);
  const elsewhere = await runCti(['mail', 'send', '--to', 'dave@b.example', '--call', '2000'], bob);
  assert.is(elsewhere.code, 1, elsewhere.stderr);
  assert.match(elsewhere.stderr, /neither a mailbox of this office \(a\.example\) nor of a domain in the relay table/);
  const bad = await runCti(['mail', 'send', '--to', 'carol', '--call', '2000'], bob);
  assert.is(bad.code, 2, bad.stderr);
});

test('a delivery time to come: the mail waits (durably) and its request runs at that time, once', async () => {
  const at = new Date(Date.now() + 3_000).toISOString();
  const sent = await send(['CTI-Destination: 03-5555-0100', 'CTI-Trigger: on-receipt', `CTI-Deliver-At: ${at}`]);
  assert.match(sent.replies, /250 2\.0\.0 scheduled: the request runs at /);
  assert.equal(await requestsTo('bob', '03-5555-0100'), [], 'not before its time');
  const [request] = await eventually('the request at its time', () => requestsTo('bob', '03-5555-0100'), (r) => r.length > 0, 20_000);
  assert.ok(request);
  assert.is((await requestsTo('bob', '03-5555-0100')).length, 1);
});

test('on open with a delivery time to come: the mail reaches carol’s mailbox at that time, not before', async () => {
  const at = new Date(Date.now() + 3_000).toISOString();
  const sent = await send(['CTI-Destination: 2006', `CTI-Deliver-At: ${at}`, '', 'For the morning.'], { headers: ['Subject: for the morning', 'X-CTI-Deliver-To: bob'] });
  assert.match(sent.replies, /250 2\.0\.0 scheduled: the mail reaches carol at /);
  const carol = ctiAs(ctid.address, 'carol');
  const mailbox = async () => (await runCti(['mail', 'list', '--json'], carol)).stdout.split('\n').filter((l) => l.includes('for the morning'));
  assert.equal(await mailbox(), [], 'not before its time');
  const [arrived] = await eventually('the mail at its time', mailbox, (m) => m.length > 0, 20_000);
  assert.ok(Date.now() >= Date.parse(at), 'not early');
  assert.match(arrived!, /"trigger":"on-open","destination":"2006"/);
  const bobs = (await runCti(['mail', 'list', '--json'], ctiAs(ctid.address, 'bob'))).stdout;
  assert.not.match(bobs, /for the morning/, 'a sender’s X-CTI-Deliver-To is not obeyed');
});

test('a delivery time to come, and ctid killed (-9) and restarted before it: it runs once, after the restart', async () => {
  const config = { mail: { domain: 'a.example', smtp: '127.0.0.1:0' } };
  const first = await startCtid({ config });
  const address = /^smtp (\S+)$/m.exec(first.process.lines.join('\n'))![1]!;
  const at = new Date(Date.now() + 4_000).toISOString();
  const out = execFileSync('swaks', ['--server', address, '--to', 'carol@a.example', '--auth', 'PLAIN', '--auth-user', 'bob', '--auth-password', USERS.bob.token, '--body', `CTI-Destination: 2009\nCTI-Trigger: on-receipt\nCTI-Deliver-At: ${at}`], { encoding: 'utf8' });
  assert.match(out, /scheduled: the request runs at/);
  await first.kill9();
  const second = await startCtid({ config, dataDir: first.dataDir });
  const listed = async () => {
    const r = await runCti(['requests', '--json'], ctiAs(second.address, 'bob'));
    return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { destination: string }).filter((x) => x.destination === '2009');
  };
  await eventually('the request after the restart', listed, (r) => r.length > 0, 20_000);
  assert.is((await listed()).length, 1, 'once');
});

test('cti status names the mail listeners', async () => {
  const status = await runCti(['status', '--json'], ctiAs(ctid.address, 'bob'));
  assert.equal((JSON.parse(status.stdout) as { mailListeners: string[] }).mailListeners, [`smtp ${smtp}`, `pop3 ${pop3}`]);
});

/** A raw POP3 session: each command's first reply line (multi-line replies are not used here). */
async function pop3Session(address = pop3): Promise<{ greeting: string; say: (line: string) => Promise<string>; close: () => void }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect(port, host);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    for (let at = buffer.indexOf('\r\n'); at >= 0; at = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift()!) : waiters.push(resolve)));
  const greeting = await next();
  return {
    greeting,
    say: (line) => {
      socket.write(`${line}\r\n`);
      return next();
    },
    close: () => socket.destroy(),
  };
}

test('POP3: APOP with the digest of the greeting’s stamp and the token; one session per mailbox', async () => {
  const first = await pop3Session();
  const stamp = /<[^>]+>/.exec(first.greeting)![0];
  assert.match(await first.say(`APOP carol ${createHash('md5').update(`${stamp}wrong`).digest('hex')}`), /^-ERR/);
  assert.match(await first.say(`APOP carol ${createHash('md5').update(`${stamp}${USERS.carol.token}`).digest('hex')}`), /^\+OK carol has \d+ messages$/);
  const second = await pop3Session();
  await second.say('USER carol');
  assert.match(await second.say(`PASS ${USERS.carol.token}`), /^-ERR the mailbox is open in another session/);
  assert.match(await first.say('STAT'), /^\+OK \d+ \d+$/);
  assert.match(await first.say('QUIT'), /^\+OK bye/);
  second.close();
  first.close();
});

test('STARTTLS with mail.tls: AUTH and the request travel encrypted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctid-mail-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'mail.key', '-out', 'mail.crt', '-days', '1', '-subj', '/CN=a.example'], { cwd: dir, stdio: 'ignore' });
  const tls = await startCtid({ config: { mail: { domain: 'a.example', smtp: '127.0.0.1:0', tls: { cert: join(dir, 'mail.crt'), key: join(dir, 'mail.key') } } } });
  const address = /^smtp (\S+)$/m.exec(tls.process.lines.join('\n'))![1]!;
  const out = execFileSync('swaks', ['--server', address, '--tls', '--to', 'carol@a.example', '--auth', 'PLAIN', '--auth-user', 'bob', '--auth-password', USERS.bob.token, '--body', 'CTI-Destination: 2006\nCTI-Trigger: on-receipt'], { encoding: 'utf8' });
  assert.match(out, /<-  220 .*Ready to start TLS|STARTTLS/);
  assert.match(out, /<~  250 2\.0\.0 accepted as request/, 'the reply came over TLS');
  rmSync(dir, { recursive: true, force: true });
});

test('POP3 beyond loopback with mail.tls: logins wait for STLS (RFC 2595); curl --ssl-reqd reads the mailbox over TLS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctid-pop3-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'mail.key', '-out', 'mail.crt', '-days', '1', '-subj', '/CN=a.example'], { cwd: dir, stdio: 'ignore' });
  const tls = await startCtid({ config: { mail: { domain: 'a.example', smtp: '127.0.0.1:0', pop3: '0.0.0.0:0', tls: { cert: join(dir, 'mail.crt'), key: join(dir, 'mail.key') } } } });
  const port = /^pop3 \S+:(\d+)$/m.exec(tls.process.lines.join('\n'))![1]!;
  const session = await pop3Session(`127.0.0.1:${port}`);
  assert.match(await session.say('USER carol'), /^-ERR STLS first/);
  session.close();
  const plain = await curlPop3At(`127.0.0.1:${port}`, '/', 'carol');
  assert.is.not(plain.code, 0, 'no login in the clear');
  const secure = await curlPop3At(`127.0.0.1:${port}`, '/', 'carol', ['--ssl-reqd', '-k']);
  assert.is(secure.code, 0, `curl over STLS exited ${secure.code}`);
  rmSync(dir, { recursive: true, force: true });
});

test('SMTP beyond loopback without mail.tls: ctid refuses to start, naming mail.tls', async () => {
  const run = await runCtid({ config: { mail: { domain: 'a.example', smtp: '0.0.0.0:0' } } });
  assert.is(run.started, false);
  assert.match(run.stderr, /mail\.tls/);
});

test.run();
