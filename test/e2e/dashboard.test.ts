// `cti dashboard` end to end (issue 9, "Tests"): the real bin in a tmux
// terminal, typed at and read as a person would, against a real ctid.
// With the embedded simulator: a camp-on started from the form on a busy
// line ends in success once the line frees; a join prompt arrives, is
// accepted with its key, and the talk paths show the join. With the
// simulator as its own process: ctid killed and restarted under the open
// dashboard, which says so, keeps the last state, reconnects and shows the
// same requests. Without a terminal the command exits 2.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, ctiEnv, runCti, startCti, startCtid, SwitchSimCli } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { Federation } from '../helpers/federation.js';
import { binPath, killAll } from '../helpers/processes.js';
import { TmuxScreen } from '../helpers/tmux.js';

let screen: TmuxScreen | undefined;

test.after.each(async () => {
  screen?.kill();
  screen = undefined;
  await killAll();
});

const dashboard = (options: Parameters<typeof ctiEnv>[0]) => TmuxScreen.start(['node', binPath('cti'), 'dashboard'], ctiEnv(options));

test('a camp-on from the form on a busy line ends in success when it frees; a join prompt is accepted with its key and the three talk', async () => {
  const ctid = await startCtid();
  const phones = new SwitchSimCli(ctid.controlAddress!);
  for (const ext of ['2000', '2001', '2002']) await phones.set('a', ext, { rings: 100 });
  await phones.set('a', '2005', { answer: 'auto' });
  await phones.dial('a', '2000', '2005');
  await phones.untilLine('a', '2000', 'busy');

  screen = dashboard(ctiAs(ctid.address, 'bob'));
  await screen.until('the dashboard, connected', (s) => s.includes('ctid up') && s.includes('switch up'));
  screen.keys('c');
  await screen.until('the camp-on form', (s) => s.includes('New camp-on'));
  screen.type('2000');
  screen.keys('Enter', 'Enter', 'Enter');
  await screen.until('the camp-on watching', (s) => /watching\s+camp-on 2000 from 2001/.test(s));

  await phones.hangup('a', '2000'); // the line frees: the camp-on rings 2000, then 2001
  await phones.answerWhenRinging('a', '2000');
  await phones.answerWhenRinging('a', '2001');
  await screen.until('the camp-on succeeded', (s) => /✓ succeeded\s+camp-on 2000 from 2001/.test(s));
  await eventually('2000 and 2001 to talk', () => phones.talking('a/2000', 'a/2001'), Boolean);

  // carol asks to join bob's call: the prompt shows at once; bob accepts it with `a`.
  const join = startCti(['join', '2001', '--from', '2002', '--as', 'Carol', '--json'], ctiAs(ctid.address, 'carol'));
  await screen.until('the join prompt', (s) => s.includes('join 2001 from Carol (2002)'));
  screen.keys('a');
  await screen.until('the answer in words', (s) => s.includes('accepted: join 2001 from Carol (2002)'));
  await phones.answerWhenRinging('a', '2002');
  assert.equal(await join.exited, { code: 0, signal: null }, join.lines.join('\n'));
  const groups = (await phones.paths()).paths.map((p) => p.devices.filter((d) => !/\/70\d\d$/.test(d)).sort().join(' '));
  assert.ok(groups.includes('a/2000 a/2001 a/2002'), `the three talk: ${JSON.stringify(groups)}`);

  screen.keys('q');
  await screen.until('the dashboard to quit cleanly', (s) => s.includes('[exit 0]'));
});

test('ctid killed (-9) and restarted under an open dashboard (switch-sim its own process): it says so, keeps the last state, and reconnects to the same requests', async () => {
  const f = await Federation.start({ start: ['a'] });
  await f.busy('a', '2000');
  const bob = f.as('a', 'bob');
  const submitted = await runCti(['camp-on', '2000', '--from', '2001', '--no-wait'], bob);
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();

  screen = dashboard(bob);
  await screen.until('the camp-on', (s) => s.includes('ctid up') && /watching\s+camp-on 2000 from 2001/.test(s));
  await f.kill9('a');
  await screen.until('the outage, with the last state kept', (s) => s.includes('ctid DOWN') && /camp-on 2000 from 2001/.test(s), 30_000);
  await f.startOffice('a');
  await screen.until('the reconnection', (s) => s.includes('ctid up') && /watching\s+camp-on 2000 from 2001/.test(s), 30_000);
  const listed = await runCti(['requests', '--json'], bob);
  assert.ok(listed.stdout.includes(id), 'the same request');
});

test('without a terminal: exit 2 and a sentence pointing at the streams', async () => {
  const ctid = await startCtid();
  const result = await runCti(['dashboard'], ctiAs(ctid.address, 'bob'));
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, /needs a terminal.*requests --watch/);
});

test.run();
