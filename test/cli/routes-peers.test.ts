// `cti routes list|add|rm`, `cti peers` and `--place` as separate processes
// against the real gRPC server over the fake core: tables for people, one
// JSON object per line for scripts, and the exit statuses of interfaces.md
// (not an admin 4, unknown prefix 1, bad input 2).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startGrpcServer, type RunningGrpcServer } from '../../src/daemon/grpc/server.js';
import { runCti, type CtiOptions } from '../helpers/ctid.js';
import { killAll, type RunResult } from '../helpers/processes.js';
import { FakeCore, TOKENS } from './fake-core.js';

const core = new FakeCore();
let server: RunningGrpcServer;
const as = (user: keyof typeof TOKENS): CtiOptions => ({ server: server.address, token: TOKENS[user] });

test.after(async () => {
  await killAll();
  await server?.close(100);
});

function assertExit(result: RunResult, code: number, stderr?: RegExp): void {
  assert.is(result.code, code, `exit ${result.code}; stderr: ${result.stderr}`);
  if (stderr) assert.match(result.stderr, stderr);
}

const jsonLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));

// The start is a test, not a before hook: uvu 0.5 swallows errors thrown in hooks.
test('the server starts on a free port', async () => {
  server = await startGrpcServer(core, { listen: '127.0.0.1:0', logger: () => {} });
});

test('routes list: a table for people, one {"type":"route"} object per line with --json', async () => {
  const plain = await runCti(['routes', 'list'], as('bob'));
  assertExit(plain, 0);
  assert.equal(plain.stdout.split('\n'), ['PREFIX  OFFICE  NETWORK  PLACE   ORIGIN', '044222  b       public   remote  config', '']);
  const json = await runCti(['routes', 'list', '--json'], as('bob'));
  assert.equal(jsonLines(json.stdout), [{ type: 'route', prefix: '044222', office: 'b', network: 'public', place: 'remote', origin: 'config' }]);
});

test('routes add: admins only (exit 4); the prefix loses its formatting, network and place default to public and remote', async () => {
  assertExit(await runCti(['routes', 'add', '03-1234', '--office', 'c'], as('bob')), 4, /only admins may change routes/);
  const added = await runCti(['routes', 'add', '03-1234', '--office', 'c', '--json'], as('boss'));
  assertExit(added, 0);
  assert.equal(jsonLines(added.stdout), [{ type: 'route', prefix: '031234', office: 'c', network: 'public', place: 'remote', origin: 'runtime' }]);
  const local = await runCti(['routes', 'add', '0312', '--office', 'c', '--network', 'toll', '--place', 'local'], as('boss'));
  assertExit(local, 0);
  assert.match(local.stdout, /^0312 +c +toll +local +runtime$/m);
  const listed = jsonLines((await runCti(['routes', 'list', '--json'], as('bob'))).stdout);
  assert.equal(listed.map((r) => r.prefix), ['031234', '044222', '0312'], 'longest prefix first');
});

test('routes: bad input exits 2 before anything is sent; an office without a peer entry exits 2 from ctid', async () => {
  const before = core.routes.length;
  assertExit(await runCti(['routes', 'add', '04a', '--office', 'b'], as('boss')), 2, /"04a" is not a number prefix/);
  assertExit(await runCti(['routes', 'add', '044'], as('boss')), 2, /--office/);
  assertExit(await runCti(['routes', 'add', '044', '--office', 'B!'], as('boss')), 2, /not an office id/);
  assertExit(await runCti(['routes', 'add', '044', '--office', 'b', '--network', 'pigeon'], as('boss')), 2, /pigeon/);
  assertExit(await runCti(['routes', 'add', '044', '--office', 'x'], as('boss')), 2, /no peer office "x"/);
  assertExit(await runCti(['routes'], as('boss')), 2);
  assert.is(core.routes.length, before);
});

test('routes rm: an unknown prefix exits 1; a known one is gone afterwards', async () => {
  assertExit(await runCti(['routes', 'rm', '999'], as('boss')), 1, /no route for prefix 999/);
  assertExit(await runCti(['routes', 'rm', '0312'], as('bob')), 4);
  const removed = await runCti(['routes', 'rm', '03-12', '--json'], as('boss'));
  assertExit(removed, 0);
  assert.equal(jsonLines(removed.stdout), [{ type: 'route-removed', prefix: '0312' }]);
  assert.not.ok(core.routes.some((r) => r.prefix === '0312'));
});

test('peers: a table with health and when last reached; {"type":"peer"} lines with --json', async () => {
  const empty = await runCti(['peers'], as('bob'));
  assertExit(empty, 0, /no peers/);
  assert.is(empty.stdout, '');
  const reached = Date.now() - 12_000;
  core.peers = [
    { office: 'b', address: '127.0.0.1:50052', health: 'serving', lastReached: reached },
    { office: 'c', address: '127.0.0.1:50053', health: 'unreachable', lastError: 'office c is unreachable at 127.0.0.1:50053: connection refused' },
  ];
  const plain = await runCti(['peers'], as('bob'));
  assertExit(plain, 0);
  const lines = plain.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^OFFICE +ADDRESS +HEALTH +LAST REACHED +LAST ERROR$/);
  assert.match(lines[1]!, /^b +127\.0\.0\.1:50052 +serving +1[2-9]s ago$/);
  assert.match(lines[2]!, /^c +127\.0\.0\.1:50053 +unreachable +never +office c is unreachable/);
  const json = jsonLines((await runCti(['peers', '--json'], as('bob'))).stdout);
  assert.equal(json[0], { type: 'peer', office: 'b', address: '127.0.0.1:50052', health: 'serving', lastReached: new Date(reached).toISOString(), lastError: '' });
  assert.is(json[1].lastReached, '');
});

test('call and camp-on pass --place through; a bad value exits 2', async () => {
  assertExit(await runCti(['camp-on', '044-222-3333', '--place', 'local', '--no-wait'], as('bob')), 0);
  assert.is(core.lastSubmit?.place, 'local');
  assertExit(await runCti(['call', '044-222-3333', '--camp-on', '--place', 'remote', '--no-wait'], as('bob')), 0);
  assert.is(core.lastSubmit?.place, 'remote');
  assertExit(await runCti(['camp-on', '2000', '--no-wait'], as('bob')), 0);
  assert.is(core.lastSubmit?.place, undefined, 'not given: the route decides');
  assertExit(await runCti(['camp-on', '2000', '--place', 'moon'], as('bob')), 2, /moon/);
});

test('--help of each new command shows an example', async () => {
  for (const args of [['routes'], ['routes', 'list'], ['routes', 'add'], ['routes', 'rm'], ['peers']]) {
    const help = await runCti([...args, '--help']);
    assertExit(help, 0);
    assert.match(help.stdout, /Examples:\n {2}\$ cti /, args.join(' '));
  }
});

test.run();
