// Camp-on across offices (issue 5; FIG. 12-27) in process: offices a and b
// on one simulated world, each with its own core, link and switch; their
// cores reach each other through DirectPeers. Results are read from both
// offices' requests and from the switch's talk paths.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerFacingApi } from '../../src/daemon/core/peering.js';
import type { Route } from '../../src/daemon/core/routes.js';
import { DirectPeers } from '../helpers/direct-peers.js';
import { eventually } from '../helpers/eventually.js';
import { alice, startOffice, type TestOffice } from '../helpers/office.js';
import { startTestSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let a: TestOffice;
let b: TestOffice;
let peersOfA: DirectPeers;
let desksOf: Map<string, PeerFacingApi>;

const toB = (place: 'remote' | 'local'): Route[] => [{ prefix: '044222', office: 'b', network: 'public', place }];
const toA: Route[] = [{ prefix: '044123', office: 'a', network: 'public', place: 'remote' }];

async function offices(routesA: Route[], routesB: Route[] = toA): Promise<void> {
  sim = await startTestSim();
  const desks = new Map<string, PeerFacingApi>();
  desksOf = desks;
  peersOfA = new DirectPeers('a', desks);
  a = await startOffice({ office: 'a', sim, routes: routesA, peers: peersOfA });
  b = await startOffice({ office: 'b', sim, routes: routesB, peers: new DirectPeers('b', desks) });
  desks.set('a', a.core.peerDesk);
  desks.set('b', b.core.peerDesk);
}

test.after.each(async () => {
  await a?.close();
  await b?.close();
  await sim?.close();
});

const phones = () => sim.control;
const groups = () => phones().paths().paths.map((p) => p.devices.join(' '));
const lineOf = (name: string) => phones().status().offices.flatMap((o) => o.devices).find((d) => d.id === name)!.state;
const waitLine = (name: string, state: string) => eventually(`${name} to be ${state}`, async () => lineOf(name), (s) => s === state);
const admin = { name: 'admin', admin: true, extensions: [] };
const atB = (id: string) => eventually(`b to have ${id}`, async () => b.core.registry.get(id), (r) => r !== undefined);

/** Each phone, in this order, rings and is answered. */
async function answerInTurn(...names: string[]): Promise<void> {
  for (const name of names) {
    await waitLine(name, 'ringing');
    const [office, ext] = name.split('/') as [string, string];
    phones().answer(office, ext);
  }
}

async function busyB2000(): Promise<void> {
  phones().dial('b', '2000', '2005');
  phones().answer('b', '2005');
  await waitLine('b/2000', 'busy');
}

test('remote places the call (FIG. 13-14): b watches its line, rings 2000, then calls a/2001 back', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  assert.equal([r.office, r.place, r.dial], ['b', 'remote', '0442223333']);
  const there = await atB(r.id);
  assert.equal([there!.origin, there!.dial, there!.source], ['a', '2000', '0441234567'], 'b converts the numbers (FIG. 18)');
  await a.until(r.id, (x) => x.state === 'watching');
  phones().hangup('b', '2000');
  await answerInTurn('b/2000', 'a/2001');
  const done = await a.until(r.id, (x) => x.state === 'succeeded');
  assert.ok(done.history.some((h) => h.detail === 'ringing 2000'), 'progress from b reaches a');
  assert.equal(groups(), ['a/2001 b/2000']);
  assert.equal(phones().log('a').filter((e) => e.type === 'MakeCall').length, 0, 'a placed nothing');
  assert.equal(phones().log('b').filter((e) => e.type === 'MakeCall').length, 1);
});

test('a call to another office is tried here first; on failure, with --camp-on, the owner camps on (FIG. 12-13)', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'call', destination: '044-222-3333', campOn: true });
  await waitLine('a/2001', 'ringing'); // a's own attempt rings the requester first
  phones().answer('a', '2001');
  await atB(r.id); // busy: handed over to b
  assert.equal(phones().log('a').filter((e) => e.type === 'MakeCall').length, 1);
  await waitLine('a/2001', 'idle');
  phones().hangup('b', '2000');
  await answerInTurn('b/2000', 'a/2001');
  await a.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(groups(), ['a/2001 b/2000']);
});

test('local places the call (FIG. 15-16): b reports the line idle, a rings 2001 and calls 044-222-3333', async () => {
  await offices(toB('local'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '0442223333' });
  await a.until(r.id, (x) => x.state === 'watching' && x.history.some((h) => h.detail === 'line busy'), 'a to learn from b that the line is busy');
  phones().hangup('b', '2000');
  await answerInTurn('a/2001', 'b/2000');
  await a.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(groups(), ['a/2001 b/2000']);
  assert.equal(phones().log('b').filter((e) => e.type === 'MakeCall').length, 0, 'b placed nothing');
});

test('the window ends at b: a sees failed with reason timeout', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333', windowMs: 1500 });
  const done = await a.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'timeout');
  assert.equal(b.core.registry.get(r.id)!.reason, 'timeout');
});

test('cancel at the origin reaches b, also when b was unreachable at first', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  await atB(r.id);
  peersOfA.cut('b');
  const cancelled = await a.core.cancel(alice, r.id);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal(b.core.registry.get(r.id)!.state, 'watching', 'b did not hear it yet');
  peersOfA.down.delete('b');
  await eventually('b to cancel', async () => b.core.registry.get(r.id)!.state, (s) => s === 'cancelled');
  phones().hangup('b', '2000');
  await waitLine('b/2000', 'idle');
  assert.equal(phones().log('b').filter((e) => e.type === 'MakeCall').length, 0);
});

test('b unreachable at first: a keeps the request and forwards it once b answers', async () => {
  await offices(toB('remote'));
  peersOfA.cut('b');
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  assert.equal(r.state, 'accepted', 'accepted while its owner is unreachable');
  assert.equal(b.core.registry.get(r.id), undefined);
  peersOfA.down.delete('b');
  await atB(r.id);
  await a.until(r.id, (x) => x.state === 'watching');
});

test('b restarts mid-request: it resumes its side, a re-attaches, the call is placed once', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  await atB(r.id);
  peersOfA.cut('b'); // b's process goes away: a's streams to it break
  await b.restart();
  desksOf.set('b', b.core.peerDesk);
  peersOfA.down.delete('b');
  phones().hangup('b', '2000');
  await answerInTurn('b/2000', 'a/2001');
  await a.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(phones().log('b').filter((e) => e.type === 'MakeCall').length, 1);
});

test('a restarts mid-request: it re-attaches to what it forwarded', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  await a.until(r.id, (x) => x.state === 'watching');
  await a.restart();
  phones().hangup('b', '2000');
  await answerInTurn('b/2000', 'a/2001');
  await a.until(r.id, (x) => x.state === 'succeeded');
  assert.equal([...b.core.registry.all()].length, 1, 'still one request at b');
});

test('a peer that stays unreachable: failed with reason peer-unavailable when the window ends', async () => {
  await offices(toB('remote'));
  peersOfA.cut('b');
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333', windowMs: 1000 });
  const done = await a.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'peer-unavailable');
});

test('a loop in the route tables fails with reason loop', async () => {
  const loop: Route[] = [{ prefix: '06', office: 'a', network: 'public', place: 'remote' }];
  await offices([{ prefix: '06', office: 'b', network: 'public', place: 'remote' }], loop);
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '06-1234-5678' });
  const done = await a.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'loop');
  assert.match(done.message ?? '', /loop/);
});

test('a number the owner neither has nor can route: failed with reason unroutable', async () => {
  await offices([{ prefix: '06', office: 'b', network: 'public', place: 'remote' }], []);
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '06-1234-5678' });
  const done = await a.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'unroutable');
});

test('re-sending a forwarded request never makes a second one; only its origin may read it', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const r = await a.core.submit(alice, { kind: 'camp-on', destination: '044-222-3333' });
  await atB(r.id);
  const desk = b.core.peerDesk;
  const again = await desk.peerCampOn('a', { id: r.id, destination: '0442223333', source: '0441234567', network: 'public', deadline: r.deadline, strategy: 'watch', retryEveryMs: 30_000, requester: 'alice', via: ['a'] });
  assert.equal(again.id, r.id);
  assert.equal([...b.core.registry.all()].length, 1);
  const stranger = await desk.peerCancel('c', r.id).catch((e: Error) => e.message);
  assert.match(String(stranger), /no request/);
  assert.equal(b.core.list(admin, { all: true }).length, 0, "b's users do not see a's requests among theirs");
});

test('cti monitor of a number b owns streams its states through b', async () => {
  await offices(toB('remote'));
  await busyB2000();
  const states: string[] = [];
  const ended = new Promise<void>((resolve) => a.core.monitorLine(alice, '044-222-3333', 1500, (u) => states.push(u.state), () => resolve()));
  await eventually('the first report', async () => states.length, (n) => n >= 1);
  phones().hangup('b', '2000');
  await ended;
  assert.equal(states, ['busy', 'idle']);
});

test.run();
