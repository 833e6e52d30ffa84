// ctid driving a PBX over AMI (issue 10): the real ctid against the
// simulator's AMI face (`switch-sim serve --ami`), with the same CLI and
// results as over CSTA: call (connected, busy), camp-on (watch) that
// connects when the line frees, monitor, cancel; the AMI connection
// dropped and back. Joins: ami-join.test.ts; transfer entries:
// ami-transfer*.test.ts; voice messages and FAX: ami-media.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCti, startCtid, startSwitchSim, untilCtidLink, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { killAll } from '../helpers/processes.js';

let sim: TestSwitchSim;
let ctid: TestCtid;

test.before(async () => {
  // A slower world than ctid's: an Originate rings its first phone 30 s of world time, 6 s of real time, room for a loaded machine to answer.
  sim = await startSwitchSim({ ami: true, timeScale: 5 });
  ctid = await startCtid({ config: { switch: { url: `ami://${sim.ami.a}`, user: 'ctid-a', password: 'secret-a' }, voiceBoardPorts: ['7001', '7002'] } });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
  const phones = sim.cli;
  await Promise.all(['2000', '2001', '2003'].map((ext) => phones.set('a', ext, { rings: 100 })));
  await phones.set('a', '2005', { answer: 'auto' });
});

test.after(async () => {
  await killAll();
});

const bob = () => ctiAs(ctid.address, 'bob');

test('cti status: the switch is ami://, its link up', async () => {
  const status = JSON.parse((await runCti(['status', '--json'], bob())).stdout) as { switchUrl: string; switchLink: string };
  assert.equal([status.switchUrl, status.switchLink], [`ami://${sim.ami.a}`, 'up']);
});

test('call: 2000 rings first, then bob’s 2001; both answer and they talk; exit 0; the switch got one Originate', async () => {
  const call = startCti(['call', '2000', '--json'], bob());
  await sim.cli.answerWhenRinging('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  const exit = await call.exited;
  assert.is(exit.code, 0, call.stderr);
  assert.match(call.lines.join("\n"), /"type":"result".*"state":"succeeded"/);
  assert.ok(await sim.cli.talking('a/2000', 'a/2001'));
  const originates = (await sim.cli.log('a')).filter((e) => e.type === 'Originate');
  assert.is(originates.length, 1, JSON.stringify(originates));
  await sim.cli.release('a', '2000', '2001');
});

test('call to a busy line: exit 1, reason busy', async () => {
  await sim.cli.dial('a', '2000', '2005');
  await sim.cli.untilLine('a', '2000', 'busy');
  const call = await runCti(['call', '2000', '--json'], bob());
  assert.is(call.code, 1, call.stderr);
  assert.match(call.stdout, /"type":"result".*"state":"failed".*"reason":"busy"/);
});

test('camp-on (watch): waits while 2000 is busy, connects the moment it frees', async () => {
  const campOn = startCti(['camp-on', '2000', '--json'], bob());
  await campOn.waitForLine(/"state":"watching"/);
  await sim.cli.hangup('a', '2000');
  await sim.cli.answerWhenRinging('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  const exit = await campOn.exited;
  assert.is(exit.code, 0, campOn.stderr);
  assert.ok(await sim.cli.talking('a/2000', 'a/2001'));
  await sim.cli.release('a', '2000', '2001');
});

test('camp-on (retry): re-issues the call on its cycle while 2000 is busy, connects once it is free', async () => {
  await sim.cli.dial('a', '2000', '2005');
  await sim.cli.untilLine('a', '2000', 'busy');
  const before = (await sim.cli.log('a')).filter((e) => e.type === 'Originate').length;
  const campOn = startCti(['camp-on', '2000', '--strategy', 'retry', '--retry-every', '1s', '--json'], bob());
  await eventually('two tries while busy', async () => (await sim.cli.log('a')).filter((e) => e.type === 'Originate').length - before, (n) => n >= 2);
  await sim.cli.hangup('a', '2000');
  await sim.cli.answerWhenRinging('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  assert.is((await campOn.exited).code, 0, campOn.stderr);
  assert.ok(await sim.cli.talking('a/2000', 'a/2001'));
  await sim.cli.release('a', '2000', '2001');
});

test('monitor prints the line’s state now and at each change', async () => {
  const monitor = startCti(['monitor', '2003', '--for', '30s', '--json'], bob());
  await monitor.waitForLine(/"state":"idle"/);
  await sim.cli.dial('a', '2003', '2005');
  await monitor.waitForLine(/"state":"busy"/);
  await sim.cli.hangup('a', '2003');
  await monitor.waitForLine(/"state":"idle".*/);
  monitor.kill('SIGINT');
  await monitor.exited;
});

test('the AMI connection drops (link down) and comes back: ctid logs in again, and a camp-on made meanwhile connects', async () => {
  await sim.cli.dial('a', '2000', '2005');
  await sim.cli.untilLine('a', '2000', 'busy');
  await sim.cli.link('a', 'down');
  await untilCtidLink(ctid.address, (link) => link !== 'up', 'down');
  const campOn = startCti(['camp-on', '2000', '--json'], bob());
  await campOn.waitForLine(/"state":"(accepted|watching)"/);
  await sim.cli.hangup('a', '2000'); // frees while the link is down: noticed by the resync
  await sim.cli.link('a', 'up');
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');
  await sim.cli.answerWhenRinging('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  const exit = await campOn.exited;
  assert.is(exit.code, 0, campOn.stderr);
  await sim.cli.release('a', '2000', '2001');
});

test('cancel: a camp-on cancelled while it waits ends cancelled; no Originate went out for it', async () => {
  await sim.cli.dial('a', '2003', '2005');
  await sim.cli.untilLine('a', '2003', 'busy');
  const before = (await sim.cli.log('a')).filter((e) => e.type === 'Originate').length;
  const campOn = startCti(['camp-on', '2003', '--json'], bob());
  const id = (JSON.parse((await campOn.waitForLine(/"state":"watching"/)).input) as { id: string }).id;
  assert.is((await runCti(['cancel', id], bob())).code, 0);
  const exit = await campOn.exited;
  assert.is(exit.code, 1);
  assert.match(campOn.lines.join("\n"), /"state":"cancelled"/);
  assert.is((await sim.cli.log('a')).filter((e) => e.type === 'Originate').length, before);
  await sim.cli.release('a', '2003');
});

test.run();
