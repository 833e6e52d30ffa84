// Forwarded camp-ons that cannot work, failing with a clear reason instead of
// circling or waiting out the window (issue 5, "Tests"): a loop in the route
// tables (a -> b -> a, set at run time with `cti routes add`), a peer that
// refuses our secret, and a number its owning office neither has nor can
// route. The offices' ctids run on csta:// against one `switch-sim serve`
// (test/helpers/federation.ts). Each test checks the user-visible result
// (cti's exit status and --json result line), what the offices logged or
// report, and that the switch placed no call (talk paths, MakeCalls).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { Federation, pairSecret, type Office } from '../helpers/federation.js';
import { killAll, type RunResult } from '../helpers/processes.js';

test.after.each(async () => {
  await killAll();
});

interface Line {
  type: string;
  id: string;
  state: string;
  reason?: string;
  message?: string;
}

interface Peer {
  type: string;
  office: string;
  address: string;
  health: string;
  lastReached: string;
  lastError: string;
}

const lines = (run: RunResult) => run.stdout.trim().split('\n').filter(Boolean);
const transcript = (run: RunResult) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

/** The --json result line of a finished `cti camp-on`. */
function resultOf(run: RunResult): Line {
  const last = JSON.parse(lines(run).at(-1) ?? '{}') as Line;
  assert.is(last.type, 'result', transcript(run));
  return last;
}

/** ctid's JSON log lines (stderr) of `office` with message `msg`, so far. */
function logged(f: Federation, office: Office, msg: string): Record<string, unknown>[] {
  return f
    .log(office)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg);
}

/** The log lines of logged() once there are some (stderr reaches the test through a pipe, a little later). */
function untilLogged(f: Federation, office: Office, msg: string, match: (entry: Record<string, unknown>) => boolean = () => true) {
  return eventually(`office ${office} to log "${msg}"`, async () => logged(f, office, msg).filter(match), (found) => found.length > 0, 20_000);
}

/** Office b as `cti peers --json` at a shows it. */
async function peerB(f: Federation): Promise<Peer | undefined> {
  const peers = await runCti(['peers', '--json'], f.as('a', 'alice'));
  return lines(peers)
    .map((line) => JSON.parse(line) as Peer)
    .find((p) => p.office === 'b');
}

async function nothingPlaced(f: Federation): Promise<void> {
  for (const office of ['a', 'b', 'c'] as const) assert.equal(await f.makeCalls(office), [], `office ${office} placed no call`);
  assert.equal(await f.groups(), [], 'nobody is in a call');
}

test('a route loop (a routes 06-9 to b, b routes it back to a, set with cti routes add): exit 1, reason loop', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  const toB = await runCti(['routes', 'add', '06-9', '--office', 'b'], f.as('a', 'admin'));
  assert.is(toB.code, 0, transcript(toB));
  const toA = await runCti(['routes', 'add', '06-9', '--office', 'a'], f.as('b', 'admin'));
  assert.is(toA.code, 0, transcript(toA));
  const routes = await runCti(['routes', 'list', '--json'], f.as('a', 'alice'));
  assert.ok(
    lines(routes).some((line) => {
      const r = JSON.parse(line) as { prefix: string; office: string; origin: string };
      return r.prefix === '069' && r.office === 'b' && r.origin === 'runtime';
    }),
    transcript(routes),
  );

  const run = await runCti(['camp-on', '06-9999-0000', '--from', '2001', '--json'], f.as('a', 'alice'));
  assert.is(run.code, 1, transcript(run));
  const done = resultOf(run);
  assert.equal([done.state, done.reason], ['failed', 'loop'], transcript(run));
  assert.match(done.message ?? '', /loop/);
  // b took the request in and refused to send it back.
  assert.equal(
    (await untilLogged(f, 'b', 'forwarded request accepted', (e) => e.id === done.id)).map((e) => [e.origin, e.state, e.reason]),
    [['a', 'failed', 'loop']],
  );
  await nothingPlaced(f);
});

/** Offices a and b (or `start` of them), a's config holding a wrong secret for b (b's holds the right one for a). */
function wrongSecret(start: Office[] = ['a', 'b']): Promise<Federation> {
  return Federation.start({
    start,
    configure: (office, config) => {
      if (office === 'a') config.peers.b = { ...config.peers.b!, secret: 'not-the-secret-a-and-b-share' };
    },
  });
}

/** alice's camp-on on 044-222-3333 at a, to its end. */
function campOnAtB(f: Federation): Promise<RunResult> {
  return runCti(['camp-on', '044-222-3333', '--from', '2001', '--monitor', '30s', '--json'], f.as('a', 'alice'));
}

test('a peer with a wrong secret: b refuses office a and logs it; the request fails at once with reason not-allowed (exit 4)', async () => {
  const f = await wrongSecret();
  assert.is(f.configs.b.peers.a!.secret, pairSecret('a', 'b'));
  await f.busy('b', '2000');

  const run = await campOnAtB(f);
  const done = resultOf(run);
  assert.equal([done.state, done.reason], ['failed', 'not-allowed'], transcript(run));
  assert.match(done.message ?? '', /office b refused our credentials/);
  assert.is(run.code, 4, `a not-allowed result exits 4 (interfaces.md): ${transcript(run)}`);

  const refused = await untilLogged(f, 'b', 'peer-refused');
  assert.equal([refused[0]!.office, refused[0]!.why], ['a', 'wrong secret']);
  assert.not.match(f.log('b'), 'not-the-secret-a-and-b-share', 'the secret is never logged');
  assert.is(logged(f, 'b', 'forwarded request accepted').length, 0, 'b took nothing in');
  assert.equal(await f.makeCalls('b'), []);
  assert.equal(await f.makeCalls('a'), []);
  assert.equal(await f.groups(), ['b/2000 b/2005'], 'b/2000 is still in its own call');
});

test('cti peers at a shows b serving, and that b refuses our secret, also after the next health check', async () => {
  // b first, so that a's first health check (at its start) finds b serving.
  const f = await wrongSecret(['b']);
  await f.startOffice('a');
  const untilPeer = async (what: string, accept: (p: Peer) => boolean): Promise<Peer> =>
    (await eventually(`a's cti peers to show b ${what}`, () => peerB(f), (p) => p !== undefined && accept(p), 30_000))!;
  const before = await untilPeer('serving', (p) => p.health === 'serving' && p.lastReached !== '');
  assert.equal([before.type, before.address, before.lastError], ['peer', f.address('b'), '']);

  const run = await campOnAtB(f);
  assert.is(resultOf(run).reason, 'not-allowed', transcript(run));
  const refusedAt = Date.now();
  const refused = await peerB(f);
  assert.match(refused?.lastError ?? '', /office b refused our credentials/, JSON.stringify(refused));

  // a's periodic health check (every 10 s) asks b again; b's health check needs no secret, so it says serving.
  const after = await untilPeer('asked again', (p) => Date.parse(p.lastReached) > refusedAt);
  assert.is(after.health, 'serving', JSON.stringify(after));
  // BUG (src/daemon/peers/peer-link.ts): the health check's answer clears lastError, so `cti peers` then shows
  // b healthy with no error, though b refuses every call a makes.
  assert.match(after.lastError, /refused our credentials/, `the refusal is no longer visible in cti peers: ${JSON.stringify(after)}`);
});

test('a number its owner does not have (06-6000-9999: c owns 06-6000-10xx): forwarded to c, which fails it as unroutable: exit 1', async () => {
  const f = await Federation.start({ start: ['a', 'c'] });
  const run = await runCti(['camp-on', '06-6000-9999', '--from', '2001', '--json'], f.as('a', 'alice'));
  assert.is(run.code, 1, transcript(run));
  const done = resultOf(run);
  assert.equal([done.state, done.reason], ['failed', 'unroutable'], transcript(run));
  assert.match(done.message ?? '', /office c does not own 0660009999/);
  assert.equal(
    (await untilLogged(f, 'c', 'forwarded request accepted', (e) => e.id === done.id)).map((e) => [e.origin, e.destination, e.state, e.reason]),
    [['a', '0660009999', 'failed', 'unroutable']],
    'a forwarded it to c, and c refused it',
  );
  await nothingPlaced(f);
});

test.run();
