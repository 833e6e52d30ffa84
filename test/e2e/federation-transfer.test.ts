// Transfer entry and release of another office's extension (issue 7: "Transfer
// set from office a for an office-b extension routes to office b"), with the
// real processes (test/helpers/federation.ts): offices a and b, b routing
// calls straight to the destination (`transfer.mode` direct). At office a,
// `cti transfer set 044-222-3333 ...` goes over the peer API to b, which owns
// that number (b/2000) and applies it as if its own user of that name had
// asked: b's owner rule (bob owns b/2000 at b, alice does not), b's dial
// policy and numbering (`--to 2003` is b/2003), b's table and b's routing
// registration. A call to 044-222-3333 is then routed by b; clear from a
// releases it; with b's ctid down, a says peer-unavailable (exit 1).
// The tests run in order on one world.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti, USERS } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { Federation, type Office } from '../helpers/federation.js';
import { killAll, type RunResult } from '../helpers/processes.js';

let f: Federation;

test.after(async () => {
  await killAll();
});

type Who = 'alice' | 'admin' | keyof typeof USERS;

const cti = (office: Office, who: Who, ...args: string[]) => runCti(args, f.as(office, who));
const ok = (r: RunResult, what: string) => assert.is(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
const objects = (r: RunResult) => r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

async function listAt(office: Office, who: Who): Promise<Record<string, unknown>[]> {
  const r = await cti(office, who, '--json', 'transfer', 'list');
  ok(r, `transfer list at ${office}`);
  return objects(r);
}

/** The RouteRegister (or RouteRegisterCancel) requests b's PBX received so far. */
async function routeRequests(type: 'RouteRegister' | 'RouteRegisterCancel'): Promise<number> {
  return (await f.phones.log('b')).filter((e) => e.type === type).length;
}

test('offices a and b; at b, bob owns b/2000 (044-222-3333) and calls are routed straight to the destination', async () => {
  f = await Federation.start({
    start: ['a', 'b'],
    configure: (office, config) => {
      if (office !== 'b') return;
      config.transfer = { mode: 'direct' };
      config.users = (config.users as { name: string }[]).map((u) => (u.name === USERS.bob.name ? { ...USERS.bob, extensions: ['2000'] } : u));
    },
  });
});

test("someone who does not own b/2000 at b is refused with exit 4: alice (b's alice has 2001), a's local admin (nobody another office knows)", async () => {
  const alice = await cti('a', 'alice', 'transfer', 'set', '044-222-3333', '--to', '2003');
  assert.is(alice.code, 4, `alice: ${alice.stderr}`);
  assert.match(alice.stderr, /office b: extension 2000 is not yours/);
  const admin = await cti('a', 'admin', 'transfer', 'set', '044-222-3333', '--to', '2003');
  assert.is(admin.code, 4, `a's admin: ${admin.stderr}`);
  assert.match(admin.stderr, /the local admin token acts in this office only/);
  assert.is((await cti('a', 'alice', 'transfer', 'clear', '044-222-3333')).code, 4, 'nor may alice clear it');
  assert.equal(await listAt('b', 'boss'), [], 'nothing set at b');
  const outside = await cti('a', 'bob', 'transfer', 'set', '03-5555-0100', '--to', '2003');
  assert.is(outside.code, 1, `a number no office owns: ${outside.stderr}`);
  assert.match(outside.stderr, /unroutable/);
});

test("b's dial policy and numbering decide the destinations: barred exit 4 with b's rule, b/2000 itself exit 2", async () => {
  const barred = await cti('a', 'bob', 'transfer', 'set', '044-222-3333', '--to', '0990-123-456');
  assert.is(barred.code, 4, barred.stderr);
  assert.match(barred.stderr, /barred by the dial policy \(rule "premium-rate"\)/);
  const itself = await cti('a', 'bob', 'transfer', 'set', '+81 44 222 3333', '--to', '2000');
  assert.is(itself.code, 2, `--to 2000 is b/2000 itself: ${itself.stderr}`);
  assert.equal(await listAt('b', 'boss'), []);
});

test('bob sets it at a: b stores it (list at b, set by bob), registers as its router, and a keeps nothing', async () => {
  const set = await cti('a', 'bob', '--json', 'transfer', 'set', '044-222-3333', '--to', '2003', '--to', '2004');
  ok(set, 'bob sets 044-222-3333 at a');
  const [answered] = objects(set);
  assert.equal([answered?.type, answered?.extension, answered?.setBy, answered?.mode], ['transfer', '2000', 'bob', 'auto']);

  const [entry, ...more] = await listAt('b', 'bob');
  assert.equal(more, []);
  assert.equal([entry?.extension, entry?.setBy, entry?.mode], ['2000', 'bob', 'auto']);
  assert.equal(entry?.destinations, [
    { number: '2003', dial: '2003', network: 'station' },
    { number: '2004', dial: '2004', network: 'station' },
  ]);
  assert.equal(await listAt('a', 'admin'), [], "a's own table is untouched");
  const fromA = await cti('a', 'bob', '--json', 'transfer', 'list', '--office', 'b');
  ok(fromA, 'bob lists his entries at b from a');
  assert.equal(
    objects(fromA).map((t) => [t.extension, t.setBy]),
    [['2000', 'bob']],
  );
  const alices = await cti('a', 'alice', '--json', 'transfer', 'list', '--office', 'b');
  ok(alices, 'alice lists hers at b');
  assert.equal(objects(alices), [], "alice owns no extension with an entry at b");
  const adminAt = await cti('a', 'admin', 'transfer', 'list', '--office', 'b');
  assert.is(adminAt.code, 4, "a's local admin is nobody at b");
  await eventually("b's ctid to register as b/2000's router", () => routeRequests('RouteRegister'), (n) => n > 0);
});

test('an admin of b may set it from a too (boss is an admin at b)', async () => {
  ok(await cti('a', 'boss', 'transfer', 'set', '044-222-3333', '--to', '2003'), 'boss sets it at a');
  const [entry] = await listAt('b', 'bob');
  assert.equal([entry?.setBy, (entry?.destinations as unknown[]).length], ['boss', 1]);
});

test('alice at a/2001 calls 044-222-3333: b routes it to b/2003, which rings while b/2000 stays idle; they talk', async () => {
  await f.phones.dial('a', '2001', '0442223333');
  await f.phones.untilLine('b', '2003', 'ringing', 30_000);
  assert.is(await f.phones.lineState('b', '2000'), 'idle', 'b/2000 itself does not ring');
  await f.phones.answer('b', '2003');
  await eventually('a/2001 and b/2003 to talk', () => f.phones.talking('a/2001', 'b/2003'), Boolean, 20_000);
  await f.phones.release('a', '2001');
  await f.phones.untilLine('b', '2003', 'idle');
});

test('bob clears it from a: gone at b, clearing again is exit 1, and calls ring b/2000 again', async () => {
  const cleared = await cti('a', 'bob', 'transfer', 'clear', '044-222-3333');
  ok(cleared, 'bob clears it at a');
  assert.match(cleared.stdout, /cleared the transfer of 2000/);
  assert.equal(await listAt('b', 'boss'), []);
  const again = await cti('a', 'bob', 'transfer', 'clear', '0442223333');
  assert.is(again.code, 1, again.stderr);
  assert.match(again.stderr, /no transfer is set for 2000/);
  await eventually("b's ctid to cancel the registration", () => routeRequests('RouteRegisterCancel'), (n) => n > 0);
  await f.phones.dial('a', '2001', '0442223333');
  await f.phones.untilLine('b', '2000', 'ringing', 30_000);
  await f.phones.release('a', '2001');
});

test("b's ctid down: set and clear from a fail at once with peer-unavailable (exit 1)", async () => {
  await f.kill9('b');
  const set = await cti('a', 'bob', 'transfer', 'set', '044-222-3333', '--to', '2003');
  assert.is(set.code, 1, set.stderr);
  assert.match(set.stderr, /office b is unreachable.*\(peer-unavailable\)/);
  const clear = await cti('a', 'bob', 'transfer', 'clear', '044-222-3333');
  assert.is(clear.code, 1, clear.stderr);
  assert.match(clear.stderr, /peer-unavailable/);
});

test.run();
