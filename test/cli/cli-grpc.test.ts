// `cti` as a separate process against the real gRPC server over a fake core
// the test drives by hand: progress, results, --json line shapes, exit
// statuses, detach on signals, re-attach after a restart. The same commands
// against the real ctid are in e2e.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CtiError } from '../../src/daemon/core/errors.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/daemon/grpc/server.js';
import { runCti, startCti, type CtiOptions } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { closedPort } from '../helpers/ports.js';
import { killAll, type RunningBin, type RunResult } from '../helpers/processes.js';
import { FakeCore, TOKENS } from './fake-core.js';

const core = new FakeCore();
let server: RunningGrpcServer;
const bob = (): CtiOptions => ({ server: server.address, token: TOKENS.bob });

test.after(async () => {
  await killAll();
  await server?.close(100);
});

/** A failure the way people see it: the exit status and one sentence on stderr, no stack trace. */
function assertFails(result: RunResult, exitCode: number, message: RegExp): void {
  assert.is(result.code, exitCode, `exit ${result.code}; stderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
}

/** Starts a `cti` that submits a request and waits; resolves once the request is in the core. */
async function submitting(args: string[]): Promise<{ cti: RunningBin; id: string }> {
  const before = core.requests.size;
  const cti = startCti(args, bob());
  await eventually(`the request of cti ${args.join(' ')}`, async () => core.requests.size, (size) => size > before);
  return { cti, id: [...core.requests.keys()].at(-1)! };
}
const stderrShows = (cti: RunningBin, pattern: RegExp) => eventually(`stderr ${pattern}`, async () => cti.stderr, (text) => pattern.test(text));

// The start is a test, not a before hook: uvu 0.5 swallows errors thrown in hooks.
test('the server starts on a free port', async () => {
  server = await startGrpcServer(core, { listen: '127.0.0.1:0', logger: () => {} });
  assert.match(server.address, /^127\.0\.0\.1:\d+$/);
});

test('status: plain lines without a TTY, one JSON object with --json', async () => {
  const plain = await runCti(['status'], bob());
  assert.is(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^office +a$/m);
  assert.match(plain.stdout, /^switch link +up \(embedded\)$/m);
  assert.not.match(plain.stdout, /\x1b\[/, 'no colour');
  const json = await runCti(['status', '--json'], bob());
  assert.equal(JSON.parse(json.stdout), { type: 'status', office: 'a', version: '9.9.9', switchLink: 'up', switchUrl: 'embedded', user: 'bob', admin: false, extensions: ['2001'], pendingRequests: 0, peers: [], mailListeners: [] });
});

test('camp-on waits: progress on stderr, the result on stdout, exit 0', async () => {
  const { cti, id } = await submitting(['camp-on', '2000', '--monitor', '5m']);
  await stderrShows(cti, /accepted: camp-on 2000 from 2001/);
  core.advance(id, 'watching', { detail: 'busy' });
  await stderrShows(cti, /watching 2000 \(busy\) — (5m|4m\d+s) left/);
  core.advance(id, 'calling', { detail: 'ringing 2000', ringing: '2000' });
  await stderrShows(cti, /calling: ringing 2000/);
  core.advance(id, 'succeeded');
  assert.equal(await cti.exited, { code: 0, signal: null });
  assert.equal(cti.lines, ['succeeded']);
  assert.is(core.requests.get(id)!.deadline - core.requests.get(id)!.createdAt, 300_000, '--monitor 5m sent as window_ms');
});

test('--json: progress lines, then the result line; a failure exits 1', async () => {
  const { cti, id } = await submitting(['call', '2000', '--camp-on', '--json']);
  await cti.waitForLine(/"state":"accepted"/);
  core.advance(id, 'watching', { detail: 'busy' });
  await cti.waitForLine(/"state":"watching"/);
  core.advance(id, 'failed', { reason: 'busy', message: 'the line stayed busy until the window ended' });
  assert.is((await cti.exited).code, 1);
  const lines = cti.lines.map((line) => JSON.parse(line));
  assert.equal(lines.map((l) => [l.type, l.state]), [['progress', 'accepted'], ['progress', 'watching'], ['result', 'failed']]);
  for (const progress of lines.slice(0, 2)) {
    assert.is(progress.id, id);
    assert.ok(!Number.isNaN(Date.parse(progress.at)), 'at is ISO 8601');
  }
  const at = new Date(core.requests.get(id)!.endedAt!).toISOString();
  assert.equal(lines[2], { type: 'result', id, state: 'failed', reason: 'busy', message: 'the line stayed busy until the window ended', at });
  assert.is(cti.stderr, '', 'nothing for people with --json');
});

test('--no-wait prints the id alone, then `wait` re-attaches to the result', async () => {
  const submitted = await runCti(['camp-on', '2000', '--no-wait'], bob());
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.is(submitted.stdout, `${id}\n`);
  assert.ok(core.requests.has(id));
  core.advance(id, 'watching', { detail: 'busy' });
  const waiting = startCti(['wait', id], bob());
  await stderrShows(waiting, /watching 2000/);
  assert.match(waiting.stderr, /accepted[^\n]*\n[^\n]*watching/, 'the history so far, in order');
  core.advance(id, 'failed', { reason: 'timeout', message: 'the window ended' });
  assert.is((await waiting.exited).code, 1);
  assert.equal(waiting.lines, ['failed: timeout — the window ended']);
});

test('cancel: the canceller exits 0, whoever waits exits 1 with reason cancelled', async () => {
  const { cti: waiting, id } = await submitting(['camp-on', '2000', '--json']);
  await waiting.waitForLine(/"state":"accepted"/);
  const cancelled = await runCti(['cancel', id], bob());
  assert.is(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout, 'cancelled — cancelled by bob\n');
  assert.is((await waiting.exited).code, 1);
  assert.match(waiting.lines.at(-1)!, /^\{"type":"result","id":"[^"]+","state":"cancelled","reason":"cancelled"/);
  const again = await runCti(['cancel', id], bob());
  assert.is(again.code, 0, 'cancelling again changes nothing');
});

test('cancelling a request that had already ended: exit 1, its result printed', async () => {
  const id = (await runCti(['camp-on', '2000', '--no-wait'], bob())).stdout.trim();
  core.advance(id, 'succeeded');
  const result = await runCti(['cancel', id], bob());
  assert.is(result.code, 1);
  assert.is(result.stdout, 'succeeded\n');
});

for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while waiting detaches: the id on stdout, exit ${exitCode}, the request goes on`, async () => {
    const { cti, id } = await submitting(['camp-on', '2000']);
    await stderrShows(cti, /accepted/);
    const before = core.subscriptions;
    cti.kill(signal);
    assert.equal(await cti.exited, { code: exitCode, signal: null });
    assert.is(cti.lines.at(-1), id);
    assert.is(core.requests.get(id)!.state, 'accepted', 'not cancelled');
    await eventually('the watch dropped', async () => core.subscriptions, (n) => n === before - 1);
  });
}

test('requests --watch: the current requests first, then each change', async () => {
  const cti = startCti(['requests', '--watch', '--json'], bob());
  const count = core.list({ name: 'bob', admin: false, extensions: [] }, {}).length;
  await eventually('the current requests', async () => cti.lines.length, (n) => n === count);
  const id = (await runCti(['camp-on', '2000', '--no-wait'], bob())).stdout.trim();
  await cti.waitForLine(new RegExp(`"id":"${id}".*"state":"accepted"`));
  core.advance(id, 'watching');
  await cti.waitForLine(new RegExp(`"id":"${id}".*"state":"watching"`));
  assert.ok(cti.lines.every((line) => JSON.parse(line).type === 'request'));
  cti.kill('SIGINT');
  assert.is((await cti.exited).code, 130);
  const plain = await runCti(['requests'], bob());
  assert.match(plain.stdout.split('\n')[0]!, new RegExp(`^${id} +watching +camp-on 2000 from 2001`), 'newest first');
});

test('monitor: the state now, then each change, until --for ends (exit 0)', async () => {
  const cti = startCti(['monitor', '2000', '--for', '3s', '--json'], bob());
  await cti.waitForLine(/"state":"idle"/);
  core.line('2000', 'busy');
  await cti.waitForLine(/"state":"busy"/);
  assert.is((await cti.exited).code, 0);
  assert.equal(JSON.parse(cti.lines[1]!), { type: 'line', device: '2000', state: 'busy', at: JSON.parse(cti.lines[1]!).at });
});

test('refusals: wrong token 4, someone else\'s extension 4, a cap 1 with its reason, unknown id 1', async () => {
  assertFails(await runCti(['status'], { ...bob(), token: 'nope' }), 4, /token is not known.*--token/);
  assertFails(await runCti(['camp-on', '2000', '--from', '2002'], bob()), 4, /extension 2002 is not yours/);
  core.failNextSubmit = new CtiError('resource-exhausted', 'you have 5 pending requests', 'limit');
  assertFails(await runCti(['camp-on', '2000'], bob()), 1, /^cti: you have 5 pending requests \(limit\)\n$/);
  assertFails(await runCti(['wait', 'r999'], bob()), 1, /no request r999/);
  core.failNextSubmit = new CtiError('invalid-argument', '"2000" is not a number of this office');
  assertFails(await runCti(['call', '2000'], bob()), 2, /not a number of this office/);
});

test('an internal failure reads as one sentence; its cause stays in the daemon\'s log', async () => {
  core.failNextSubmit = new Error('ENOSPC: /var/lib/ctid/journal');
  const result = await runCti(['camp-on', '2000'], bob());
  assertFails(result, 1, /ctid failed internally/);
  assert.not.match(result.stderr, /ENOSPC|journal/);
});

test('bad input is refused before anything is sent (exit 2)', async () => {
  const before = core.requests.size;
  assertFails(await runCti(['camp-on', '20a0'], bob()), 2, /"20a0" is not a phone number/);
  assertFails(await runCti(['camp-on', '2000', '--monitor', '90'], bob()), 2, /"90" is not a duration/);
  assertFails(await runCti(['camp-on', '2000', '--strategy', 'hope'], bob()), 2, /hope/);
  assertFails(await runCti(['frobnicate'], bob()), 2, /unknown command/);
  assert.is(core.requests.size, before);
});

test('no token anywhere: exit 4 naming where to put one; ctid down: exit 3 with a hint', async () => {
  assertFails(await runCti(['status'], { server: server.address }), 4, /no token: give --token, set CTI_TOKEN/);
  const down = `127.0.0.1:${await closedPort()}`;
  assertFails(await runCti(['status'], { server: down, token: TOKENS.bob }), 3, new RegExp(`cannot reach ctid at ${down} \\(is it running\\? set --server or CTI_SERVER\\)`));
});

test('ctid restarting while a client waits: the client re-attaches and gets the result', async () => {
  const { cti, id } = await submitting(['camp-on', '2000']);
  await stderrShows(cti, /accepted/);
  const address = server.address;
  await server.close(1000);
  await stderrShows(cti, /lost ctid; re-attaching/);
  server = await startGrpcServer(core, { listen: address, logger: () => {} });
  core.advance(id, 'succeeded');
  assert.equal(await cti.exited, { code: 0, signal: null }, cti.stderr);
  assert.equal(cti.lines, ['succeeded']);
});

test.run();
