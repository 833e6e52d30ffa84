// Camp-on across offices with the real processes, the owning office placing
// the call (issue 5, "Tests"; FIG. 13-14): one `switch-sim serve` with
// offices a, b and c, and a `ctid` per office on csta://, reaching each other
// over the peer API (test/helpers/federation.ts). alice (a/2001) camps on
// 044-222-3333, which office b owns (b/2000): b watches its line and places
// the call, b/2000 first, then a/2001 called back at 044-123-4567; its
// progress and result show in alice's one request at a. Each test checks
// what the user sees (cti's exit status and --json lines) and what the
// switch did (talk paths, the CSTA requests each PBX received), in a world,
// ctids and data directories of its own. FIG. 15-16 and `cti monitor`:
// federation-status.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCti } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { parseLines, resultOf, transcript } from '../helpers/cti-json.js';
import { campOnAtA, Federation } from '../helpers/federation.js';
import { killAll } from '../helpers/processes.js';

test.after.each(async () => {
  await killAll();
});


test('FIG. 13-14 (place remote): b rings 2000 once it frees, then calls a/2001 back; both answer: exit 0, one MakeCall, at b', async () => {
  const f = await Federation.start();
  const { phones } = f;
  await f.busy('b', '2000');
  const cti = await campOnAtA(f);

  await phones.hangup('b', '2000');
  await phones.untilLine('b', '2000', 'ringing'); // the destination first (S505-S508), prompted by b's MakeCall
  assert.is(await phones.lineState('a', '2001'), 'idle', 'a/2001 is called back only after b/2000 answers');
  await phones.answer('b', '2000');
  await phones.answerWhenRinging('a', '2001');

  const done = await resultOf(cti, 0);
  assert.is(done.state, 'succeeded');
  assert.equal(await f.groups(), ['a/2001 b/2000'], 'a/2001 and b/2000 hear each other');
  assert.equal(await f.makeCalls('b'), [{ callingDevice: '2000', calledDirectoryNumber: '0441234567' }], 'b placed the call: 2000, then 044-123-4567');
  assert.equal(await f.makeCalls('a'), [], 'a placed nothing');
});

test('FIG. 13-14 (place remote), the window ends with the line still busy: exit 1, reason timeout, no MakeCall', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  await f.busy('b', '2000');
  const cti = await campOnAtA(f, '--monitor', '3s');

  const done = await resultOf(cti, 1);
  assert.equal([done.state, done.reason], ['failed', 'timeout'], transcript(cti));
  assert.equal(await f.groups(), ['b/2000 b/2005'], 'b/2000 is still in its call');
  assert.equal(await f.makeCalls('b'), []);
  assert.equal(await f.makeCalls('a'), []);
});

test('ringing and answered notifications: a shows the progress b reports, and b\'s status monitor shows ringing, then busy (answered)', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  const { phones } = f;
  await f.busy('b', '2000');
  const monitor = startCti(['monitor', '044-222-3333', '--for', '60s', '--json'], f.as('a', 'alice'));
  await monitor.waitForLine(/"type":"line".*"state":"busy"/, 30_000);
  const cti = await campOnAtA(f);
  // b reports that it watches a busy line before anything rings.
  await cti.waitForLine(/"type":"progress".*"detail":"line busy"/, 30_000);

  await phones.hangup('b', '2000');
  await cti.waitForLine(/"type":"progress".*"detail":"ringing 2000"/, 30_000);
  await monitor.waitForLine(/"type":"line".*"state":"ringing"/, 30_000);
  await phones.answer('b', '2000');
  await cti.waitForLine(/"type":"progress".*"detail":"ringing 0441234567"/, 30_000);
  await phones.answerWhenRinging('a', '2001');

  assert.is((await resultOf(cti, 0)).state, 'succeeded');
  const progress = parseLines(cti).filter((l) => l.type === 'progress');
  const details = progress.map((l) => l.detail);
  const ringing = progress.filter((l) => /^ringing /.test(l.detail ?? ''));
  assert.equal(
    ringing.map((l) => [l.state, l.detail]),
    [
      ['calling', 'ringing 2000'],
      ['calling', 'ringing 0441234567'],
    ],
    `progress: ${JSON.stringify(details)}`,
  );
  assert.ok(details.indexOf('line busy') < details.indexOf('ringing 2000'), `progress: ${JSON.stringify(details)}`);
  assert.is(new Set(progress.map((l) => l.id)).size, 1, 'one request, one id');
  assert.equal(await f.groups(), ['a/2001 b/2000']);

  // The status monitor (FIG. 24-26) through b: busy, idle (disconnection), ringing (arrival), busy (answered).
  await eventually('four line states', async () => monitor.lines.length, (n) => n >= 4, 30_000);
  monitor.kill('SIGINT'); // detaches: exit 130
  assert.equal(await monitor.exited, { code: 130, signal: null }, transcript(monitor));
  assert.equal(
    parseLines(monitor).map((l) => [l.device, l.state]),
    [
      ['0442223333', 'busy'],
      ['0442223333', 'idle'],
      ['0442223333', 'ringing'],
      ['0442223333', 'busy'],
    ],
    transcript(monitor),
  );
});

test.run();
