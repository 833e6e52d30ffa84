// Camp-on across offices with the real processes, the requester's office
// placing the call (issue 5, "Tests"; FIG. 15-16), and `cti monitor` of
// another office's number: both ride on the owning office's status monitor
// (FIG. 24-26). One `switch-sim serve` with offices a, b and c, and a `ctid`
// per office on csta:// (test/helpers/federation.ts). alice (a/2001) camps
// on 044-222-3333 (b/2000) with `--place local`: b streams the line's
// status, and a rings a/2001 first, then calls 044-222-3333 through its own
// switch. Each test checks what the user sees (cti's exit status and --json
// lines) and what the switch did (talk paths, the CSTA requests each PBX
// received), in a world, ctids and data directories of its own.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCti } from '../helpers/ctid.js';
import { parseLines, resultOf, transcript } from '../helpers/cti-json.js';
import { campOnAtA, Federation } from '../helpers/federation.js';
import { killAll } from '../helpers/processes.js';

test.after.each(async () => {
  await killAll();
});


test('FIG. 15-16 (--place local): a rings 2001 first, then calls 044-222-3333; both answer: exit 0, b placed no MakeCall', async () => {
  const f = await Federation.start();
  const { phones } = f;
  await f.busy('b', '2000');
  const cti = await campOnAtA(f, '--place', 'local');
  // a learns the line's state from b's status monitor (FIG. 24-26).
  await cti.waitForLine(/"type":"progress".*"detail":"line busy"/, 30_000);

  await phones.hangup('b', '2000');
  await phones.untilLine('a', '2001', 'ringing'); // the requester first
  assert.is(await phones.lineState('b', '2000'), 'idle', 'b/2000 rings only after a/2001 answers');
  await phones.answer('a', '2001');
  await phones.answerWhenRinging('b', '2000');

  const done = await resultOf(cti, 0);
  assert.is(done.state, 'succeeded');
  assert.equal(await f.groups(), ['a/2001 b/2000'], 'a/2001 and b/2000 hear each other');
  assert.equal(await f.makeCalls('a'), [{ callingDevice: '2001', calledDirectoryNumber: '0442223333' }], 'a placed the call: 2001, then 044-222-3333');
  assert.equal(await f.makeCalls('b'), [], 'b placed nothing');
});

test('FIG. 15-16 (--place local), the window ends with the line still busy: exit 1, reason timeout, no MakeCall', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  await f.busy('b', '2000');
  const cti = await campOnAtA(f, '--place', 'local', '--monitor', '3s');

  const done = await resultOf(cti, 1);
  assert.equal([done.state, done.reason], ['failed', 'timeout'], transcript(cti));
  assert.equal(await f.groups(), ['b/2000 b/2005'], 'b/2000 is still in its call');
  assert.equal(await f.makeCalls('a'), []);
  assert.equal(await f.makeCalls('b'), []);
});

test('cti monitor 044-222-3333 at a streams the states of b/2000 through b: busy, then idle after the hang-up', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  const { phones } = f;
  await f.busy('b', '2000');
  const monitor = startCti(['monitor', '044-222-3333', '--for', '15s', '--json'], f.as('a', 'alice'));
  await monitor.waitForLine(/"type":"line".*"state":"busy"/, 30_000);
  await phones.hangup('b', '2000');
  await monitor.waitForLine(/"type":"line".*"state":"idle"/, 30_000);

  assert.equal(await monitor.exited, { code: 0, signal: null }, transcript(monitor));
  const lines = parseLines(monitor);
  assert.equal(
    lines.map((l) => [l.type, l.device, l.state]),
    [
      ['line', '0442223333', 'busy'],
      ['line', '0442223333', 'idle'],
    ],
    transcript(monitor),
  );
  assert.equal(await f.groups(), [], 'nobody is in a call');
  assert.equal(await f.makeCalls('a'), []);
  assert.equal(await f.makeCalls('b'), []);
});

test.run();
