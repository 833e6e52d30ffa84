// `switch-sim` end to end: the real bin serves a world, and its other
// commands drive the phones through --control as separate processes, the way
// people and scripts use them (interfaces.md, "switch-sim"). State changes are
// awaited by polling `status --json` / `paths --json` with backoff.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallStatus, DeviceStatus, TalkPaths, WorldStatus } from '../../src/switch-sim/control.js';
import { defaultWorldInput } from '../../src/switch-sim/world-file.js';
import { eventually } from '../helpers/eventually.js';
import { closedPort } from '../helpers/ports.js';
import { binPath, killAll, runBin, startBin, type RunningBin, type RunResult } from '../helpers/processes.js';

const BIN = binPath('switch-sim');
const dir = mkdtempSync(join(tmpdir(), 'switch-sim-cli-'));
/** The children must not pick up a developer's SWITCH_SIM_CONTROL. */
const env = { SWITCH_SIM_CONTROL: undefined };
let serve: RunningBin;
let control: string;

test.after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<RunResult> {
  return runBin(BIN, [...args, '--control', control], { env });
}

/** Runs a command that must succeed; returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args);
  assert.is(result.code, 0, `switch-sim ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  assert.is(result.stderr, '', 'nothing on stderr');
  return result.stdout;
}

const status = async (): Promise<WorldStatus> => JSON.parse(await ok('status', '--json'));
const paths = async (): Promise<TalkPaths> => JSON.parse(await ok('paths', '--json'));
const device = (s: WorldStatus, id: string): DeviceStatus | undefined => s.offices.flatMap((o) => o.devices).find((d) => d.id === id);
const callOf = (s: WorldStatus, id: string): CallStatus | undefined => s.calls.find((c) => c.connections.some((k) => k.device === id));
const connection = (s: WorldStatus, id: string): string | undefined => callOf(s, id)?.connections.find((k) => k.device === id)?.state;
const talking = (p: TalkPaths, a: string, b: string): boolean => p.paths.some((path) => path.devices.includes(a) && path.devices.includes(b));

/** A failure the way people see it: exit status, and one sentence on stderr, no stack trace. */
function assertRefused(result: RunResult, exitCodes: number[], message: RegExp): void {
  assert.ok(exitCodes.includes(result.code!), `exit ${result.code}, stderr: ${result.stderr}`);
  assert.is(result.stdout, '');
  assert.match(result.stderr, message);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
}

// The start is a test, not a before hook: uvu 0.5 swallows errors thrown in hooks.
test('serve starts: a line per office once listening, then the control address', async () => {
  const world = defaultWorldInput();
  for (const office of world.offices) office.csta.listen = '127.0.0.1:0';
  // Slow rings, so a call rings for 15 s of real time at --time-scale 20 (5 rings
  // of 60 s): time enough for a loaded machine to run `answer` before no-answer.
  world.ringMs = 60_000;
  writeFileSync(join(dir, 'world.json'), JSON.stringify(world));
  serve = startBin(BIN, ['serve', '--world', join(dir, 'world.json'), '--control', '127.0.0.1:0', '--time-scale', '20'], { env });
  control = (await serve.waitForLine(/^control (\S+)$/))[1]!;
  assert.match(control, /^127\.0\.0\.1:\d+$/);
  const officeLines = serve.lines.filter((line) => /^office \S+ csta 127\.0\.0\.1:\d+$/.test(line));
  assert.equal(officeLines.map((line) => line.split(' ')[1]), ['a', 'b']);
  assert.is(serve.lines.at(-1), `control ${control}`, 'control comes last');
});

test('dial: a/2001 calls 2000, which rings', async () => {
  await ok('set', 'a', '2000', '--rings', '100'); // and more rings still: 5 minutes
  assert.is(device(await status(), 'a/2000')?.rings, 100);
  assert.is(await ok('dial', 'a', '2001', '2000'), '');
  const s = await eventually('a/2000 alerting', status, (s) => connection(s, 'a/2000') === 'alerting');
  assert.is(device(s, 'a/2000')?.state, 'ringing');
  assert.ok(callOf(s, 'a/2000') === callOf(s, 'a/2001'), 'one call with both');
});

test('status prints tables naming the devices and the call', async () => {
  const text = await ok('status');
  assert.match(text, /^DEVICE +KIND +STATE +ANSWER +DND/m);
  assert.match(text, /^a\/2000 +station +ringing +manual +off/m);
  assert.match(text, /^b\/7001 +voice-board/m);
  assert.match(text, /a\/2000 alerting/);
});

test('answer: a/2001 and a/2000 hear each other', async () => {
  await ok('answer', 'a', '2000');
  await eventually('a talk path a/2001 <-> a/2000', paths, (p) => talking(p, 'a/2001', 'a/2000'));
  assert.match(await ok('paths'), /^(a\/2001 <-> a\/2000|a\/2000 <-> a\/2001)$/m);
});

test('hold and retrieve: the path breaks and comes back', async () => {
  await ok('hold', 'a', '2001');
  await eventually('a/2001 holding', status, (s) => connection(s, 'a/2001') === 'hold');
  assert.not.ok(talking(await paths(), 'a/2001', 'a/2000'), 'held parties are in no group');
  await ok('retrieve', 'a', '2001');
  await eventually('a/2001 <-> a/2000 again', paths, (p) => talking(p, 'a/2001', 'a/2000'));
});

test('hangup: the call ends and both lines go idle', async () => {
  await ok('hangup', 'a', '2001');
  await eventually('both idle', status, (s) => !callOf(s, 'a/2001') && device(s, 'a/2000')?.state === 'idle' && device(s, 'a/2001')?.state === 'idle');
});

test('set --dnd on: calls to a/2000 fail without ringing it', async () => {
  await ok('set', 'a', '2000', '--dnd', 'on');
  assert.is(device(await status(), 'a/2000')?.dnd, true);
  const dialled = await cli('dial', 'a', '2001', '2000');
  if (dialled.code === 0) {
    const s = await eventually('the call to a/2000 failed', status, (s) => connection(s, 'a/2000') === 'fail' || !callOf(s, 'a/2001'));
    assert.is.not(device(s, 'a/2000')?.state, 'ringing');
    await cli('hangup', 'a', '2001'); // a/2001 may still hear the busy tone; exit 1 if it is already idle
  } else {
    assertRefused(dialled, [1], /2000/);
  }
  await ok('set', 'a', '2000', '--dnd', 'off');
  assert.is(device(await status(), 'a/2000')?.dnd, false);
});

test('log: --json is one document with the entries; --office filters', async () => {
  const { entries } = JSON.parse(await ok('log', '--json'));
  assert.ok(Array.isArray(entries));
  await ok('log', '--office', 'a');
  assertRefused(await cli('log', '--office', 'zz'), [1], /^switch-sim: no office "zz"/);
});

test('link down and up', async () => {
  await ok('link', 'a', 'down');
  assert.is((await status()).offices.find((o) => o.id === 'a')?.link, 'down');
  await ok('link', 'a', 'up');
  assert.is((await status()).offices.find((o) => o.id === 'a')?.link, 'up');
});

test('the simulator refuses: unknown office, a button that does not apply', async () => {
  assertRefused(await cli('dial', 'zz', '2001', '2000'), [1], /^switch-sim: no office "zz"/);
  assertRefused(await cli('answer', 'a', '2005'), [1], /^switch-sim: .*2005 is not ringing/);
  assertRefused(await cli('answer', 'A', '2005'), [2], /^switch-sim: path\.office: /);
});

test('usage errors exit 2', async () => {
  assertRefused(await cli('status', '--bogus'), [2], /unknown option '--bogus'/);
  assertRefused(await cli('set', 'a', '2000'), [2], /give at least one of --answer/);
  assertRefused(await cli('set', 'a', '2000', '--rings', 'many'), [2], /--rings/);
  assertRefused(await cli('link', 'a', 'sideways'), [2], /down, up/);
  assertRefused(await cli('frobnicate'), [2], /unknown command/);
});

test('an unreachable control address exits 3 with a hint', async () => {
  const result = await runBin(BIN, ['status', '--control', `127.0.0.1:${await closedPort()}`], { env });
  assertRefused(result, [3], /^switch-sim: cannot reach the simulator's control API at 127\.0\.0\.1:\d+.*switch-sim serve/);
});

test('SWITCH_SIM_CONTROL is the default --control', async () => {
  const result = await runBin(BIN, ['status', '--json'], { env: { SWITCH_SIM_CONTROL: control } });
  assert.is(result.code, 0, result.stderr);
});

test('--help shows an example', async () => {
  const result = await runBin(BIN, ['set', '--help'], { env });
  assert.is(result.code, 0);
  assert.match(result.stdout, /Examples:\n +\$ switch-sim set a 2000/);
});

test('serve: a bad world file exits 2 naming the field', async () => {
  const world = defaultWorldInput();
  world.offices[0]!.csta.user = '';
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(world));
  const result = await runBin(BIN, ['serve', '--world', join(dir, 'bad.json'), '--control', '127.0.0.1:0'], { env });
  assertRefused(result, [2], /offices\.0\.csta\.user/);
});

test('serve: SIGTERM shuts down and exits 0', async () => {
  serve.kill('SIGTERM');
  assert.equal(await serve.exited, { code: 0, signal: null });
  assert.is((await cli('status')).code, 3, 'the control API is gone');
});

test.run();
