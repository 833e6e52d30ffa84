// Scenarios of requests by mail (FIG. 36, 41-43), sent with swaks with real
// attachments, carried out by the real ctid on its embedded simulator: the
// voice message heard on the recipient's phone and the FAX at the office FAX
// device (`switch-sim status`), "connect now?" and texts as prompts on the
// recipient's `cti prompts`, the connection as talk paths, and each step's
// outcome in the sender's completion mail (curl, POP3).

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCtid, SwitchSimCli, type TestCtid } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { curlPop3, listedRequests, mediaAttachments, requestIdOf, sendMail, type Attachment, type ListedRequest, type SendOptions } from '../helpers/mail.js';
import { killAll } from '../helpers/processes.js';

const MAIL = { domain: 'a.example', smtp: '127.0.0.1:0', pop3: '127.0.0.1:0', maxSize: 1_000_000 };

let ctid: TestCtid;
let smtp: string;
let pop3: string;
let phones: SwitchSimCli;
let voice: Attachment;
let fax: Attachment;

const listenerOf = (c: TestCtid, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(c.process.lines.join('\n'))![1]!;

async function start(dataDir?: string): Promise<void> {
  ctid = await startCtid({ config: { mail: MAIL }, ...(dataDir ? { dataDir } : {}) });
  smtp = listenerOf(ctid, 'smtp');
  pop3 = listenerOf(ctid, 'pop3');
  phones = new SwitchSimCli(ctid.controlAddress!);
  for (const ext of ['2001', '2002', '2003']) await phones.set('a', ext, { rings: 100 });
}

test.before(async () => {
  await start();
  ({ voice, fax } = mediaAttachments(join(ctid.dataDir, '..')));
});

test.after(async () => {
  await killAll();
});

const send = (body: string[], opts: SendOptions = {}) => sendMail(smtp, body, opts);

async function request(user: 'bob' | 'carol', id: string): Promise<ListedRequest | undefined> {
  return (await listedRequests(ctid.address, user)).find((r) => r.id === id);
}

interface PromptObject {
  id: string;
  kind: string;
  extension: string;
  from: string;
  options: string[];
  text?: string;
}

/** carol's open prompt for request `id`, once it is there. */
async function carolsPrompt(id: string): Promise<PromptObject> {
  const prompts = async () => {
    const out = await runCti(['prompts', '--json'], ctiAs(ctid.address, 'carol'));
    return out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PromptObject)
      .filter((p) => p.id === id);
  };
  return (await eventually(`carol's prompt for ${id}`, prompts, (p) => p.length === 1))[0]!;
}

async function heard(kind: 'voice' | 'fax', device: string, name: string): Promise<boolean> {
  return (await phones.status()).media.some((m) => m.kind === kind && m.device === device && m.name.endsWith(`/${name}`));
}

/** bob's completion mail for request `id` (they arrive in his mailbox; the newest that names it). */
async function completionMail(id: string): Promise<string> {
  return eventually(
    `bob's completion mail for ${id}`,
    async () => {
      const list = (await curlPop3(pop3, '/', 'bob')).out.trim().split(/\r?\n/).filter(Boolean);
      for (const line of list.reverse()) {
        const mail = (await curlPop3(pop3, `/${line.split(' ')[0]}`, 'bob')).out;
        if (mail.includes(id)) return mail;
      }
      return '';
    },
    Boolean,
  );
}

test('FIG. 42 on receipt: the voice message plays on 2002, carol is asked "connect now?", accepts, and 2002 and 2001 talk', async () => {
  const sent = await send(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Scenario: play voice 1; ask; connect', '', 'Listen to this, then we talk.'], { attach: [voice] });
  const id = requestIdOf(sent);
  assert.ok(id, sent.replies);
  await phones.answerWhenRinging('a', '2002');
  await eventually('2002 to hear greeting.wav', () => heard('voice', 'a/2002', 'greeting.wav'), Boolean);
  const played = (await phones.status()).media.find((m) => m.kind === 'voice' && m.device === 'a/2002' && m.name.endsWith('/greeting.wav'));
  assert.match(played?.port ?? '', /^a\/700[1-4]$/, 'played by a voice-board port');
  assert.ok(played?.call, 'into a call');
  await phones.untilLine('a', '2002', 'idle'); // the voice board hung up after playing
  assert.is(await phones.lineState('a', '7001'), 'idle');

  const prompt = await carolsPrompt(id);
  assert.is(prompt.kind, 'connect');
  assert.is(prompt.extension, '2002');
  assert.is(prompt.from, 'bob (2001)');
  const shown = await runCti(['prompts'], ctiAs(ctid.address, 'carol'));
  assert.match(shown.stdout, /connect 2002 from bob \(2001\)[^\n]*\n\s+connect now\?/);
  const accepted = await runCti(['accept', id], ctiAs(ctid.address, 'carol'));
  assert.is(accepted.code, 0, accepted.stderr);

  await phones.answerWhenRinging('a', '2002');
  await phones.answerWhenRinging('a', '2001');
  await eventually('2001 and 2002 to talk', () => phones.talking('a/2001', 'a/2002'), Boolean);
  assert.is((await request('bob', id))?.state, 'succeeded');
  const mail = await completionMail(id);
  assert.match(mail, /^Subject: Your request by mail succeeded: call 2002 from 2001\r?$/m);
  assert.match(mail, /^ {2}1\. play voice 1: voice 1 played to 2002\r?$/m);
  assert.match(mail, /^ {2}2\. ask: carol agreed to connect\r?$/m);
  assert.match(mail, /^ {2}3\. connect: connected 2001 with 2002\r?$/m);
  await phones.release('a', '2001', '2002');
});

test('FIG. 43 on open: when carol opens the mail, voice 2 plays and FAX 1 goes to 2900 at once; she declines, so nothing connects', async () => {
  const sent = await send(['CTI-Destination: 2002', 'CTI-Scenario: play voice 2 & fax 1; ask; connect', '', 'Two messages and a memo.'], {
    attach: [voice, fax, { ...voice, name: 'second.wav' }],
  });
  assert.match(sent.replies, /250 2\.0\.0 in the mailbox of carol/);
  const list = (await curlPop3(pop3, '/', 'carol')).out.trim().split(/\r?\n/);
  const opened = await curlPop3(pop3, `/${list.at(-1)!.split(' ')[0]}`, 'carol');
  assert.is(opened.code, 0);
  const mine = await listedRequests(ctid.address, 'bob');
  const id = mine.find((r) => r.destination === '2002' && r.state !== 'succeeded')?.id;
  assert.ok(id, JSON.stringify(mine));

  await phones.answerWhenRinging('a', '2002');
  await eventually('2002 to hear second.wav', () => heard('voice', 'a/2002', 'second.wav'), Boolean);
  assert.ok(await heard('fax', 'a/2900', 'memo.pdf'), 'the FAX went to the office FAX device');
  await carolsPrompt(id);
  const rejected = await runCti(['reject', id], ctiAs(ctid.address, 'carol'));
  assert.is(rejected.code, 0, rejected.stderr);
  const ended = await eventually('the request to end', () => request('bob', id), (r) => r?.state === 'failed');
  assert.is(ended?.reason, 'rejected');
  assert.match(ended?.message ?? '', /carol declined to connect/);
  assert.is(await phones.lineState('a', '2001'), 'idle', 'bob’s phone never rang');
  const mail = await completionMail(id);
  assert.match(mail, /^ {2}1\. play voice 2 & fax 1: voice 2 played to 2002; fax 1 sent to FAX 2900\r?$/m);
  assert.match(mail, /^ {2}3\. connect: not done\r?$/m);
});

test('a voice message waits while the phone is busy and plays once it is free; a scenario without connect ends when its steps are done', async () => {
  await phones.set('a', '2005', { answer: 'auto' });
  await phones.dial('a', '2003', '2005');
  await phones.untilLine('a', '2003', 'busy');
  const sent = await send(['CTI-Destination: 2003', 'CTI-Trigger: on-receipt', 'CTI-Scenario: play voice 1'], { attach: [voice] });
  const id = requestIdOf(sent)!;
  assert.ok(id, sent.replies);
  await eventually('the request to wait for the line', () => request('bob', id), (r) => r?.state === 'watching');
  assert.not.ok(await heard('voice', 'a/2003', 'greeting.wav'));
  await phones.hangup('a', '2003');
  await phones.answerWhenRinging('a', '2003');
  const done = await eventually('the scenario to end', () => request('bob', id), (r) => r?.state === 'succeeded');
  assert.match(done?.message ?? '', /the scenario ran: voice 1 played to 2003/);
  assert.ok(await heard('voice', 'a/2003', 'greeting.wav'));
});

test('show text 1: carol reads the text among her prompts and acknowledges it', async () => {
  const sent = await send(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Scenario: show text 1', '', 'The meeting moved to 3 pm.', 'Room 4.']);
  const id = requestIdOf(sent)!;
  assert.ok(id, sent.replies);
  const prompt = await carolsPrompt(id);
  assert.is(prompt.kind, 'text');
  assert.match(prompt.text ?? '', /^The meeting moved to 3 pm\.\nRoom 4\./);
  const shown = await runCti(['prompts'], ctiAs(ctid.address, 'carol'));
  assert.match(shown.stdout, /text 2002 from bob \(2001\)[^\n]*\n {4}The meeting moved to 3 pm\.\n {4}Room 4\./);
  assert.is((await runCti(['accept', id], ctiAs(ctid.address, 'carol'))).code, 0);
  const done = await eventually('the scenario to end', () => request('bob', id), (r) => r?.state === 'succeeded');
  assert.match(done?.message ?? '', /text 1 read by carol/);
});

test('refused at DATA, naming CTI-Scenario: a part the mail lacks, connect not last, a destination outside the office', async () => {
  const missing = await send(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Scenario: play voice 2; connect'], { attach: [voice] });
  assert.match(missing.replies, /554 5\.6\.0 CTI-Scenario: voice 2: the mail has 1 voice part\b/);
  const order = await send(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Scenario: connect; ask']);
  assert.match(order.replies, /554 5\.6\.0 CTI-Scenario: connect is the last step, alone/);
  const outside = await send(['CTI-Destination: 03-5555-0100', 'CTI-Trigger: on-receipt', 'CTI-Scenario: ask; connect']);
  assert.match(outside.replies, /554 5\.6\.0 CTI-Scenario: 03-5555-0100 is not an extension of this office/);
});

test('cti mail send --voice --fax --scenario composes the mail with its parts; bad files and times are usage errors (exit 2)', async () => {
  const bob = ctiAs(ctid.address, 'bob');
  const sent = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2003', '--trigger', 'on-receipt', '--voice', voice.file, '--fax', fax.file, '--scenario', 'play voice 1 & fax 1'], bob);
  assert.is(sent.code, 0, sent.stderr);
  const id = /accepted as request (\S+)/.exec(sent.stdout)?.[1];
  assert.ok(id, sent.stdout);
  await phones.answerWhenRinging('a', '2003');
  await eventually('the scenario to end', () => request('bob', id), (r) => r?.state === 'succeeded');
  assert.ok(await heard('voice', 'a/2003', 'greeting.wav'));
  assert.ok(await heard('fax', 'a/2900', 'memo.pdf'));

  const wrongKind = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2003', '--voice', fax.file], bob);
  assert.is(wrongKind.code, 2, wrongKind.stderr);
  assert.match(wrongKind.stderr, /--voice .*memo\.pdf: give an audio file/);
  const missing = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2003', '--fax', '/nonexistent/x.pdf'], bob);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  const time = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2003', '--at', 'tomorrow'], bob);
  assert.is(time.code, 2);
  assert.match(time.stderr, /not an ISO 8601 time with an offset/);
  const part = await runCti(['mail', 'send', '--to', 'carol@a.example', '--call', '2003', '--trigger', 'on-receipt', '--voice', voice.file, '--scenario', 'play voice 2'], bob);
  assert.is(part.code, 2, part.stderr);
  assert.match(part.stderr, /CTI-Scenario: voice 2: the mail has 1 voice part/);
});

test('an on-open mail whose request could not run is refused at DATA already, naming the field (not bounced when opened)', async () => {
  const sent = await send(['CTI-Destination: 03-5555-0100', 'CTI-Scenario: ask; connect'], { headers: ['Subject: cannot run'] });
  assert.match(sent.replies, /554 5\.6\.0 CTI-Scenario: 03-5555-0100 is not an extension of this office/);
  const other = await send(['CTI-Destination: 2002', 'CTI-Source: 2002']);
  assert.match(other.replies, /550 5\.7\.1 CTI-Source: extension 2002 is not yours/);
  const list = await runCti(['mail', 'list', '--json'], ctiAs(ctid.address, 'carol'));
  assert.not.match(list.stdout, /cannot run/, 'nothing stored');
});

test('ctid killed (-9) while carol is being asked: after the restart the same prompt is open (not asked again), and her accept connects', async () => {
  const sent = await send(['CTI-Destination: 2002', 'CTI-Trigger: on-receipt', 'CTI-Scenario: ask; connect']);
  const id = requestIdOf(sent)!;
  assert.ok(id, sent.replies);
  await carolsPrompt(id);
  await ctid.kill9();
  await start(ctid.dataDir);
  const prompt = await carolsPrompt(id);
  assert.is(prompt.kind, 'connect');
  assert.is((await runCti(['accept', id], ctiAs(ctid.address, 'carol'))).code, 0);
  await phones.answerWhenRinging('a', '2002');
  await phones.answerWhenRinging('a', '2001');
  await eventually('2001 and 2002 to talk', () => phones.talking('a/2001', 'a/2002'), Boolean);
  const history = await runCti(['wait', id, '--json'], ctiAs(ctid.address, 'bob'));
  assert.is(history.code, 0, history.stderr);
  const asked = history.stdout.split('\n').filter((l) => l.includes('asking 2002 whether to connect now'));
  assert.is(asked.length, 1, `asked once: ${history.stdout}`);
});

test.run();
