// Join and barge-in across offices with the real processes (issue 6,
// "Tests"): one `switch-sim serve` with offices a and b, and a `ctid` per
// office on csta:// (test/helpers/federation.ts), each with the world's
// voice-board ports 7001-7004. alice (a/2001 = 044-123-4567) asks at office
// a to join or barge in on 044-222-3333 (b/2000), which is in a call with
// b/2005. Office a routes the request to b, which owns the number: bob, a
// user of office b who owns b/2000 there, answers the prompt at b; b then
// rings alice through the public network from its port 7002. The result
// reaches alice's one `cti` at a; b's ctid killed (-9) and restarted with
// the prompt open, or with the join up, loses neither. A prompt nobody
// answers at b (2 s there) and b with a single port fail cleanly at a. A
// join whose owner b drives Asterisk (AMI) rings alice into b's room.
// Each test has a world, ctids and data directories of its own.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti, startCti, USERS } from '../helpers/ctid.js';
import { parseLines, resultOf, transcript } from '../helpers/cti-json.js';
import { eventually } from '../helpers/eventually.js';
import { Federation, type Office } from '../helpers/federation.js';
import { cstaActions, jsonLines, peopleTalking, untilPortsIdle, type PromptLine } from '../helpers/join-office.js';
import { killAll, type RunningBin } from '../helpers/processes.js';

const PORTS = ['7001', '7002', '7003', '7004'];

test.after.each(async () => {
  await killAll();
});

/**
 * Offices a and b, every ctid with its voice-board ports; at b, bob owns
 * b/2000 (044-222-3333). `b` changes b's config further (after those).
 */
function start(b?: (config: Record<string, unknown>) => void, ami?: readonly Office[]): Promise<Federation> {
  return Federation.start({
    start: ['a', 'b'],
    ...(ami ? { ami } : {}),
    configure: (office, config) => {
      config.voiceBoardPorts = PORTS;
      if (office === 'b') {
        config.users = (config.users as { name: string }[]).map((u) => (u.name === USERS.bob.name ? { ...USERS.bob, extensions: ['2000'] } : u));
        b?.(config);
      }
    },
  });
}

async function promptsAt(f: Federation, office: Office, user: 'alice' | keyof typeof USERS): Promise<PromptLine[]> {
  const result = await runCti(['prompts', '--json'], f.as(office, user));
  assert.is(result.code, 0, `cti prompts: ${result.stdout}\n${result.stderr}`);
  return jsonLines<PromptLine>(result.stdout);
}

/** alice asks at a (`cti KIND 044-222-3333 --from 2001 --as Alice --json`); resolves once b's prompt is out. */
async function aliceAsks(f: Federation, kind: 'join' | 'barge-in'): Promise<{ cti: RunningBin; id: string }> {
  const cti = startCti([kind, '044-222-3333', '--from', '2001', '--as', 'Alice', '--json'], f.as('a', 'alice'));
  const [line] = await cti.waitForLine(/^.*"type":"progress".*"state":"waiting-consent".*$/, 30_000);
  return { cti, id: (JSON.parse(line) as { id: string }).id };
}

/** The talk groups without the voice-board ports: only the people (`a/2001 b/2000`). */
const people = (f: Federation) => peopleTalking(f.phones, PORTS);
const bPortsIdle = (f: Federation) => untilPortsIdle(f.phones, 'b', PORTS);

/** bob accepts at b; alice's phone rings through the public network and she answers: exit 0 at a. */
async function bobAccepts(f: Federation, cti: RunningBin, id: string): Promise<void> {
  const accepted = await runCti(['accept', id, '--json'], f.as('b', 'bob'));
  assert.is(accepted.code, 0, `cti accept at b: ${accepted.stdout}\n${accepted.stderr}`);
  await f.phones.answerWhenRinging('a', '2001', 30_000);
  const result = await resultOf(cti, 0);
  assert.is(result.state, 'succeeded', transcript(cti));
}

test('join across offices: bob accepts at b, b rings alice through the public network from its port; all three talk; alice hangs up: ports released', async () => {
  const f = await start();
  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'join');

  const prompts = await promptsAt(f, 'b', 'bob');
  assert.equal(prompts.map((p) => [p.type, p.id, p.kind, p.extension, p.state]), [['prompt', id, 'join', '2000', 'open']], 'bob sees the prompt at b, its id the request id');
  assert.match(prompts[0]!.from, /Alice/, `who asks: ${prompts[0]!.from}`);
  assert.ok(prompts[0]!.call.some((p) => p.includes('2005')), `the call: ${JSON.stringify(prompts[0]!.call)}`);
  // alice is a user of b too, with her own extension 2001 there: not b/2000's owner.
  const refused = await runCti(['accept', id], f.as('b', 'alice'));
  assert.is(refused.code, 4, `alice accepts her own request at b: ${refused.stdout}\n${refused.stderr}`);

  await bobAccepts(f, cti, id);
  assert.equal(await people(f), ['a/2001 b/2000 b/2005'], 'the requester, the target and its other party hear each other');
  // FIG. 47 at b: port 1 into b/2000's call, alice rung at her external number from port 2, the ports bridged.
  assert.equal(cstaActions(await f.phones.log('b')), ["conference 7001 into 2000's call", 'MakeCall 7002 -> 0441234567', 'bridge 7001 7002']);
  assert.equal(cstaActions(await f.phones.log('a')), [], 'a asked its PBX for nothing');

  await f.phones.hangup('a', '2001');
  await bPortsIdle(f);
  await eventually('b/2000 and b/2005 talk on', () => people(f), (g) => g.length === 1 && g[0] === 'b/2000 b/2005', 20_000);
});

test('join across offices, b on Asterisk (AMI): b rings alice into its ConfBridge room through a Local channel; all three talk; alice hangs up: b/2000 and b/2005 talk on', async () => {
  const f = await start(undefined, ['b']);
  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'join');
  await bobAccepts(f, cti, id);
  assert.equal(await people(f), ['a/2001 b/2000 b/2005'], 'the requester, the target and its other party hear each other');
  const originates = (await f.phones.log('b')).filter((e) => e.type === 'Originate').map((e) => `${String(e.message.Channel)} -> ${String(e.message.Context)}`);
  assert.equal(originates, ['Local/0441234567@internal -> ctid-rooms'], "alice's external number, dialled through b's dialplan into the room");

  await f.phones.hangup('a', '2001');
  await eventually('b/2000 and b/2005 talk on', () => people(f), (g) => g.length === 1 && g[0] === 'b/2000 b/2005', 20_000);
});

test('barge-in across offices: b/2005 is held while alice and b/2000 talk; the target hangs up: ports released', async () => {
  const f = await start();
  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'barge-in');
  assert.equal((await promptsAt(f, 'b', 'bob')).map((p) => [p.id, p.kind]), [[id, 'barge-in']]);

  await bobAccepts(f, cti, id);
  assert.equal(await people(f), ['a/2001 b/2000'], 'alice and b/2000 talk alone');
  assert.is(await f.phones.lineState('b', '2005'), 'held', 'the other party is on hold');
  assert.equal(cstaActions(await f.phones.log('b')), ["conference 7001 into 2000's call", 'MakeCall 7002 -> 0441234567', 'hold 2005', 'bridge 7001 7002']);

  await f.phones.hangup('b', '2000');
  await bPortsIdle(f);
  await eventually('nobody talks', () => people(f), (g) => g.length === 0, 20_000);
  await f.phones.untilLine('a', '2001', 'idle');
});

test('barge-in across offices, alice hangs up: the held party is retrieved, b/2000 and b/2005 talk again', async () => {
  const f = await start();
  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'barge-in');
  await bobAccepts(f, cti, id);
  assert.is(await f.phones.lineState('b', '2005'), 'held');

  await f.phones.hangup('a', '2001');
  await eventually('b/2000 and b/2005 talk again', () => people(f), (g) => g.length === 1 && g[0] === 'b/2000 b/2005', 20_000);
  await bPortsIdle(f);
});

test("b's ctid is killed (-9) and restarts while its prompt is open, and again once the join is up: nothing is lost, the ports come back", async () => {
  const f = await start();
  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'join');

  await f.kill9('b');
  await f.startOffice('b');
  assert.equal((await promptsAt(f, 'b', 'bob')).map((p) => [p.id, p.state]), [[id, 'open']], 'the prompt survived the restart');
  await bobAccepts(f, cti, id); // alice's one cti at a gets the result
  assert.equal(await people(f), ['a/2001 b/2000 b/2005']);

  // Restarted with the join up, b follows it again: alice hangs up, the ports are released.
  await f.kill9('b');
  await f.startOffice('b');
  assert.equal(await people(f), ['a/2001 b/2000 b/2005'], 'the restart did not touch the call');
  await f.phones.hangup('a', '2001');
  await bPortsIdle(f);
  await eventually('b/2000 and b/2005 talk on', () => people(f), (g) => g.length === 1 && g[0] === 'b/2000 b/2005', 20_000);
});

test('across offices: bob rejects at b: exit 1 at a, reason rejected; a target not in a call: not-in-call', async () => {
  const f = await start();
  const idle = await runCti(['join', '044-222-3333', '--from', '2001', '--json'], f.as('a', 'alice'));
  assert.is(idle.code, 1, `${idle.stdout}\n${idle.stderr}`);
  const idleLast = JSON.parse(idle.stdout.trim().split('\n').at(-1)!) as { type: string; reason: string };
  assert.equal([idleLast.type, idleLast.reason], ['result', 'not-in-call'], idle.stdout);

  await f.busy('b', '2000');
  const { cti, id } = await aliceAsks(f, 'join');
  const rejected = await runCti(['reject', id], f.as('b', 'bob'));
  assert.is(rejected.code, 0, `${rejected.stdout}\n${rejected.stderr}`);
  const result = await resultOf(cti, 1);
  assert.equal([result.state, result.reason], ['failed', 'rejected'], transcript(cti));
  assert.ok(result.message, 'the message says it in words');
  assert.not.ok(parseLines(cti).some((l) => l.state === 'calling'), 'alice was never rung');
  assert.is(await f.phones.lineState('a', '2001'), 'idle');
  assert.equal(await people(f), ['b/2000 b/2005'], "b/2000's call goes on");
  assert.equal(await promptsAt(f, 'b', 'bob'), [], 'no prompt left open');
});

test('across offices, prompt timeout (b waits 2 s): nobody answers at b: exit 1 at a, reason rejected, nobody rung', async () => {
  const f = await start((config) => {
    config.limits = { ...(config.limits as object | undefined), promptTimeout: '2s' };
  });
  await f.busy('b', '2000');
  for (const kind of ['join', 'barge-in'] as const) {
    const { cti } = await aliceAsks(f, kind);
    const result = await resultOf(cti, 1);
    assert.equal([result.state, result.reason], ['failed', 'rejected'], transcript(cti));
    assert.match(result.message ?? '', /in time/, `the message says nobody answered in time: ${result.message}`);
    assert.not.ok(parseLines(cti).some((l) => l.state === 'calling'), `${kind}: alice was never rung`);
  }
  assert.equal(await promptsAt(f, 'b', 'bob'), [], 'no prompt left open at b');
  assert.is(await f.phones.lineState('a', '2001'), 'idle');
  assert.equal(await people(f), ['b/2000 b/2005'], "b/2000's call goes on, untouched");
  assert.equal(cstaActions(await f.phones.log('b')), [], "b's PBX was asked for nothing");
});

test('across offices, no free port (b has one voice-board port): join and barge-in fail at once with no-free-port, no prompt', async () => {
  const f = await start((config) => {
    config.voiceBoardPorts = ['7001'];
  });
  await f.busy('b', '2000');
  for (const kind of ['join', 'barge-in']) {
    const result = await runCti([kind, '044-222-3333', '--from', '2001', '--json'], f.as('a', 'alice'));
    assert.is(result.code, 1, `${kind}: ${result.stdout}\n${result.stderr}`);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; state?: string; reason?: string });
    const last = lines.at(-1)!;
    assert.equal([last.type, last.state, last.reason], ['result', 'failed', 'no-free-port'], result.stdout);
    assert.not.ok(lines.some((l) => l.state === 'waiting-consent'), `${kind}: no prompt went out`);
  }
  assert.equal(await promptsAt(f, 'b', 'bob'), [], 'no prompt for bob');
  assert.equal(await people(f), ['b/2000 b/2005'], "b/2000's call goes on, untouched");
});

test.run();
