// Both ends of the peer API over a real gRPC server on port 0: office b's
// peer service (src/daemon/grpc/peer-service.ts) over a PeerFacingApi the
// test drives, and office a's GrpcPeers (src/daemon/peers) as the client.
// Camp-on request / reply / cancel, the status monitor, peer
// authentication, a peer that is down, health, and shutdown.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCtiError, type CtiError } from '../../src/daemon/core/errors.js';
import type { PeerCampOn, PeerRequestState, PeerStatusNotification } from '../../src/daemon/core/peering.js';
import type { RequestState } from '../../src/daemon/core/request.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/daemon/grpc/server.js';
import { GrpcPeers } from '../../src/daemon/peers/grpc-peers.js';
import { FakeCore } from '../cli/fake-core.js';
import { eventually } from '../helpers/eventually.js';
import { closedPort } from '../helpers/ports.js';
import { FakePeerApi } from './fake-peer-api.js';

const SECRET = 'a-and-b-share-this-secret';
const api = new FakePeerApi();
const logged: { event: string; fields?: Record<string, unknown> }[] = [];
const clients: GrpcPeers[] = [];
let server: RunningGrpcServer;

test.after(async () => {
  clients.forEach((c) => c.close());
  await server?.close(100);
});

/** Office `office`'s client of office b (at `address`, default the test server). */
function peersOf(office = 'a', options: { secret?: string; address?: string } = {}): GrpcPeers {
  const peers = new GrpcPeers({
    office,
    peers: { b: { address: options.address ?? server.address, secret: options.secret ?? SECRET } },
    logger: () => {},
    healthEveryMs: 0,
  });
  clients.push(peers);
  return peers;
}

const campOn = (id: string): PeerCampOn => ({
  id,
  destination: '0442223333',
  source: '0312345678',
  network: 'public',
  deadline: Date.now() + 600_000,
  strategy: 'watch',
  retryEveryMs: 30_000,
  requester: 'alice',
  via: ['a'],
});

async function rejection(promise: Promise<unknown>): Promise<CtiError> {
  try {
    await promise;
  } catch (err) {
    if (isCtiError(err)) return err;
    throw new Error(`expected a CtiError, got ${String(err)}`);
  }
  throw new Error('expected a rejection');
}

/** Collects a stream's messages; `ended` resolves with onEnd's argument. */
function collect<T>(): { messages: T[]; onMessage: (m: T) => void; onEnd: (err?: Error) => void; ended: Promise<Error | undefined> } {
  const messages: T[] = [];
  let onEnd!: (err?: Error) => void;
  const ended = new Promise<Error | undefined>((resolve) => (onEnd = resolve));
  return { messages, onMessage: (m) => messages.push(m), onEnd, ended };
}

const received = <T>(what: string, messages: T[], n: number) => eventually(what, async () => messages.length, (length) => length >= n);

// The start is a test, not a before hook: uvu 0.5 swallows errors thrown in hooks.
test('the server serves the peer API beside the client API', async () => {
  server = await startGrpcServer(new FakeCore(), {
    listen: '127.0.0.1:0',
    logger: (event, fields) => logged.push({ event, fields }),
    peer: { api, secrets: { a: SECRET, c: 'c-and-b-share-another-one' } },
  });
});

test('camp-on: the request arrives as sent, from office a; re-sending the id returns the same request', async () => {
  const peers = peersOf();
  const request = campOn('a-1');
  const state = await peers.campOn('b', request);
  assert.equal(state, { id: 'a-1', state: 'watching', attempts: 0, detail: 'line busy', reason: undefined, message: undefined, ringing: undefined });
  assert.equal(api.forwarded.get('a-1'), { origin: 'a', request, state: api.forwarded.get('a-1')!.state });
  assert.equal(await peers.campOn('b', request), state);
  assert.is(api.forwarded.size, 1);
});

test('watch: the state now, then each change, then the end after the final state', async () => {
  await peersOf().campOn('b', campOn('a-2'));
  const watch = collect<PeerRequestState>();
  peersOf().watchCampOn('b', 'a-2', watch.onMessage, watch.onEnd);
  await received('the current state', watch.messages, 1);
  api.advance('a-2', { state: 'calling', ringing: '2000', attempts: 1 });
  api.advance('a-2', { state: 'succeeded' });
  assert.is(await watch.ended, undefined, 'ended without an error');
  assert.equal(watch.messages.map((s) => [s.state, s.ringing, s.attempts]), [['watching', undefined, 0], ['calling', '2000', 1], ['succeeded', '2000', 1]]);
  assert.is(api.subscriptions, 0);
});

test('cancel: the request ends cancelled; another office cannot see or cancel it', async () => {
  await peersOf().campOn('b', campOn('a-3'));
  const notFound = await rejection(peersOf('c', { secret: 'c-and-b-share-another-one' }).cancelCampOn('b', 'a-3'));
  assert.is(notFound.code, 'not-found');
  const cancelled = await peersOf().cancelCampOn('b', 'a-3');
  assert.equal([cancelled.state, cancelled.reason, cancelled.message], ['cancelled', 'cancelled', 'cancelled by office a']);
});

test('unsubscribing ends the stream at the peer too', async () => {
  await peersOf().campOn('b', campOn('a-4'));
  const watch = collect<PeerRequestState>();
  const unsubscribe = peersOf().watchCampOn('b', 'a-4', watch.onMessage, watch.onEnd);
  await eventually('subscribed', async () => api.subscriptions, (n) => n === 1);
  unsubscribe();
  await eventually('unsubscribed at the peer', async () => api.subscriptions, (n) => n === 0);
});

test('status monitor: the status now, each change, and a clean end with the window', async () => {
  const monitor = collect<PeerStatusNotification>();
  peersOf().monitorStatus('b', '0442223333', 1500, ['a'], monitor.onMessage, monitor.onEnd);
  await received('the status now', monitor.messages, 1);
  const [opened] = api.monitors;
  assert.equal([opened!.origin, opened!.number, opened!.windowMs, opened!.via], ['a', '0442223333', 1500, ['a']]);
  api.notify('0442223333', { status: 'busy', lineState: 'busy' });
  api.notify('0442223333', { status: 'idle', lineState: 'idle' });
  assert.is(await monitor.ended, undefined);
  assert.equal(monitor.messages, [{ status: 'idle', lineState: 'idle' }, { status: 'busy', lineState: 'busy' }, { status: 'idle', lineState: 'idle' }]);
});

test('bad input is refused at the edge: invalid-argument, nothing reaches the core', async () => {
  const before = api.forwarded.size;
  const refused = await rejection(peersOf().campOn('b', { ...campOn('a-5'), destination: '044-222-3333' }));
  assert.is(refused.code, 'invalid-argument');
  assert.match(refused.message, /destination must be national digits/);
  assert.is(api.forwarded.size, before);
});

test('a word the client does not know is the peer’s fault: internal, not invalid-argument', async () => {
  await peersOf().campOn('b', campOn('a-6'));
  api.advance('a-6', { state: 'dancing' as RequestState });
  const refused = await rejection(peersOf().campOn('b', campOn('a-6')));
  assert.is(refused.code, 'internal');
  assert.match(refused.message, /office b sent a message this ctid cannot read: state must be one of/);
});

test('a wrong secret is refused and logged with office and address, never the secret', async () => {
  logged.length = 0;
  const refused = await rejection(peersOf('a', { secret: 'not-the-secret-we-share' }).campOn('b', campOn('a-7')));
  assert.equal([refused.code, refused.reason, refused.message], ['permission-denied', 'not-allowed', 'office b refused our credentials']);
  const entry = logged.find((l) => l.event === 'peer-refused');
  assert.equal(entry?.fields && { office: entry.fields.office, why: entry.fields.why }, { office: 'a', why: 'wrong secret' });
  assert.match(String(entry!.fields!.peer), /127\.0\.0\.1:\d+/);
  assert.not.match(JSON.stringify(logged), /not-the-secret|a-and-b-share/);
  assert.not.ok(api.forwarded.has('a-7'));
});

test('an unknown office is refused, streams too', async () => {
  logged.length = 0;
  const stranger = peersOf('z');
  assert.is((await rejection(stranger.campOn('b', campOn('z-1')))).code, 'permission-denied');
  const watch = collect<PeerRequestState>();
  stranger.watchCampOn('b', 'a-1', watch.onMessage, watch.onEnd);
  const ended = await watch.ended;
  assert.ok(ended && isCtiError(ended) && ended.reason === 'not-allowed', String(ended));
  assert.equal(logged.filter((l) => l.event === 'peer-refused').map((l) => [l.fields!.office, l.fields!.why]), [['z', 'unknown office'], ['z', 'unknown office']]);
});

test('a peer that is down: unavailable / peer-unavailable at once, and the health list says so', async () => {
  const address = `127.0.0.1:${await closedPort()}`;
  const peers = peersOf('a', { address });
  const started = Date.now();
  const refused = await rejection(peers.campOn('b', campOn('a-8')));
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.equal([refused.code, refused.reason], ['unavailable', 'peer-unavailable']);
  assert.match(refused.message, new RegExp(`^office b is unreachable at ${address}: `));
  const [health] = peers.list();
  assert.equal([health!.office, health!.address, health!.health, health!.lastReached], ['b', address, 'unreachable', undefined]);
  assert.match(health!.lastError!, /unreachable/);
});

test('health: unknown before asking, serving once asked, every call sets lastReached', async () => {
  const peers = peersOf();
  assert.is(peers.list()[0]!.health, 'unknown');
  server.setServing(true);
  const [checked] = await peers.checkHealth();
  assert.is(checked!.health, 'serving');
  assert.ok(checked!.lastReached! <= Date.now() && checked!.lastReached! > Date.now() - 5000);
  server.setServing(false);
  assert.is((await peers.checkHealth())[0]!.health, 'not-serving');
});

test('an office that is not a peer, or a closed client: calls reject, streams end through onEnd', async () => {
  const peers = peersOf();
  assert.is((await rejection(peers.campOn('x', campOn('a-10')))).code, 'internal');
  peers.close();
  assert.is((await rejection(peers.cancelCampOn('b', 'a-1'))).code, 'unavailable');
  const monitor = collect<PeerStatusNotification>();
  peers.monitorStatus('b', '0442223333', 1000, ['a'], monitor.onMessage, monitor.onEnd);
  const ended = await monitor.ended;
  assert.ok(ended && isCtiError(ended) && ended.code === 'unavailable', String(ended));
  peers.close(); // idempotent
});

test('shutdown ends open peer streams (unavailable), then the peer reads as unreachable', async () => {
  const peers = peersOf();
  await peers.campOn('b', campOn('a-9'));
  const watch = collect<PeerRequestState>();
  peers.watchCampOn('b', 'a-9', watch.onMessage, watch.onEnd);
  await received('the current state', watch.messages, 1);
  await server.close(2000);
  const ended = await watch.ended;
  assert.ok(ended && isCtiError(ended) && ended.code === 'unavailable' && ended.reason === 'peer-unavailable', String(ended));
  const [health] = await peers.checkHealth();
  assert.is(health!.health, 'unreachable');
  assert.ok(health!.lastReached !== undefined, 'last reached before the shutdown');
});

test.run();
