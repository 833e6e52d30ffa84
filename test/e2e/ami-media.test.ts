// Voice messages and FAX by mail over AMI (issue 10): the real ctid drives
// the simulator's AMI face (`switch-sim serve --ami`) with `switch.media`
// set, and mails whose scenarios play or fax end as over CSTA. What the phone
// heard and what the FAX device received are the simulator's media records:
// the file under switch.media that Asterisk's Playback / SendFAX was given.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCtid, startSwitchSim, untilCtidLink, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { listedRequests, mediaAttachments, requestIdOf, sendMail, type Attachment, type ListedRequest } from '../helpers/mail.js';
import { killAll } from '../helpers/processes.js';

/** Where the test's Asterisk would read ctid's media (the simulator plays whatever path it is given). */
const MEDIA = '/srv/ctid-media';

let sim: TestSwitchSim;
let ctid: TestCtid;
let smtp: string;
let voice: Attachment;
let fax: Attachment;

test.before(async () => {
  // A slower world than ctid's: the Originate's 30 s ring timeout is 15 s of real time, room for a loaded machine to answer.
  sim = await startSwitchSim({ ami: true, timeScale: 2 });
  ctid = await startCtid({
    config: {
      switch: { url: `ami://${sim.ami.a}`, user: 'ctid-a', password: 'secret-a', media: MEDIA },
      faxDevice: '2900',
      limits: { retryEvery: '1s' }, // a play that failed is tried again within a second (the core keeps real time)
      mail: { domain: 'a.example', smtp: '127.0.0.1:0', pop3: '127.0.0.1:0', maxSize: 1_000_000 },
    },
  });
  smtp = /^smtp (\S+)$/m.exec(ctid.process.lines.join('\n'))![1]!;
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
  for (const ext of ['2002', '2003']) await sim.cli.set('a', ext, { rings: 100 });
  ({ voice, fax } = mediaAttachments(join(ctid.dataDir, '..'), { name: 'memo.tif', type: 'image/tiff' })); // SendFAX sends TIFF
});

test.after(async () => {
  await killAll();
});

async function request(id: string): Promise<ListedRequest | undefined> {
  return (await listedRequests(ctid.address, 'bob')).find((r) => r.id === id);
}

/** Sends bob's mail to carol's 2002 (or `destination`) with a scenario; resolves with the request's id. */
async function scenario(steps: string, destination = '2002', attach = [voice]): Promise<string> {
  const sent = await sendMail(smtp, [`CTI-Destination: ${destination}`, 'CTI-Trigger: on-receipt', `CTI-Scenario: ${steps}`], { attach });
  const id = requestIdOf(sent);
  assert.ok(id, sent.replies);
  return id!;
}

/** Patient: each look is a cti process, slow on a loaded machine. */
const PATIENCE_MS = 60_000;

const ended = (id: string) => eventually(`request ${id} to end`, () => request(id), (r) => r?.state === 'succeeded' || r?.state === 'failed', PATIENCE_MS);

/** The media records of `device` whose file is `name` under MEDIA/HASH/. */
async function received(kind: 'voice' | 'fax', device: string, name: string) {
  const file = new RegExp(`^${MEDIA}/[0-9a-f]{24}/${name.replace('.', '\\.')}$`);
  return (await sim.cli.status()).media.filter((m) => m.kind === kind && m.device === device && file.test(m.name));
}

test('play voice 1 over AMI: 2002 rings, answers, hears greeting (Playback of MEDIA/HASH/greeting); the scenario succeeds as over CSTA', async () => {
  const id = await scenario('play voice 1');
  await sim.cli.answerWhenRinging('a', '2002');
  const done = await ended(id);
  assert.is(done?.state, 'succeeded', JSON.stringify(done));
  assert.match(done?.message ?? '', /the scenario ran: voice 1 played to 2002/);
  const [heard, ...more] = await received('voice', 'a/2002', 'greeting');
  assert.ok(heard, JSON.stringify((await sim.cli.status()).media));
  assert.equal(more, [], 'played once');
  assert.ok(heard.call, 'into a call');
  assert.is(heard.port, undefined, 'no voice board: Asterisk played it');
  const originates = (await sim.cli.log('a')).filter((e) => e.type === 'Originate' && e.message.Application === 'Playback');
  assert.is(originates.length, 1, JSON.stringify(originates));
  await sim.cli.untilLine('a', '2002', 'idle'); // the channel hung up after the playback
});

test('2003 on do-not-disturb: the play fails busy and waits, as over CSTA; once the phone takes calls again the retry plays it', async () => {
  await sim.cli.set('a', '2003', { dnd: 'on' });
  const id = await scenario('play voice 1', '2003');
  const waiting = await eventually('the play to fail busy', () => request(id), (r) => r?.history.some((h) => h.detail === 'voice 1 not played yet: 2003 is busy') === true, PATIENCE_MS);
  assert.is(waiting?.state, 'watching');
  assert.equal(await received('voice', 'a/2003', 'greeting'), []);
  await sim.cli.set('a', '2003', { dnd: 'off' });
  await sim.cli.answerWhenRinging('a', '2003');
  const done = await ended(id);
  assert.is(done?.state, 'succeeded', JSON.stringify(done));
  assert.is((await received('voice', 'a/2003', 'greeting')).length, 1);
});

test('fax 1 over AMI: the office FAX device 2900 answers and receives memo.tif (SendFAX); the step says so', async () => {
  const id = await scenario('fax 1', '2002', [fax]);
  const done = await ended(id);
  assert.is(done?.state, 'succeeded', JSON.stringify(done));
  assert.match(done?.message ?? '', /the scenario ran: fax 1 sent to FAX 2900/);
  assert.is((await received('fax', 'a/2900', 'memo.tif')).length, 1);
});

test('the FAX device out of service: fax 1 not sent, saying why; the scenario goes on as over CSTA', async () => {
  await sim.cli.set('a', '2900', { service: 'out' });
  const id = await scenario('fax 1', '2002', [fax]);
  const done = await ended(id);
  assert.is(done?.state, 'succeeded', JSON.stringify(done));
  assert.match(done?.message ?? '', /fax 1 not sent: 2900 did not take the FAX: the switch could not ring 2900/);
  await sim.cli.set('a', '2900', { service: 'in' });
});

test.run();
