// `switch-sim serve --ami` as a process of its own: the readiness lines name
// each office's AMI listener, a manager logs in with the defaults, `switch-sim
// log` lists its Originates, and `switch-sim link OFFICE down` drops it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killAll } from '../helpers/processes.js';
import { startSwitchSim, type TestSwitchSim } from '../helpers/ctid.js';
import type { LogEntry } from '../../src/switch-sim/control.js';
import { AmiTestClient } from '../helpers/ami-client.js';

let sim: TestSwitchSim | undefined;

test.after.each(async () => {
  await sim?.stop();
  sim = undefined;
  await killAll();
});

test('serve --ami: `office OFFICE ami HOST:PORT` lines, Login with ctid-OFFICE / secret-OFFICE, Originates in the log, link down', async () => {
  sim = await startSwitchSim({ ami: true });
  const lines = sim.process.lines;
  assert.equal(Object.keys(sim.ami).sort(), ['a', 'b']);
  assert.ok(lines.indexOf(`office a ami ${sim.ami.a}`) > lines.indexOf(`office a csta ${sim.csta.a}`), 'the ami line follows the csta line');
  assert.ok(lines.indexOf(`office b ami ${sim.ami.b}`) < lines.indexOf(`control ${sim.control}`), 'before the control line');
  assert.match(sim.ami.a!, /^127\.0\.0\.1:\d+$/);
  assert.not.match(sim.ami.a!, /:0$/);

  const m = await AmiTestClient.login(sim.ami.a!, 'ctid-a', 'secret-a');
  await m.action({ Action: 'Originate', ActionID: 'x1', Channel: 'PJSIP/2001', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' });
  await sim.cli.answer('a', '2001');
  await m.event('DialBegin', { DestCallerIDNum: '2002' });
  const log = JSON.parse(await sim.cli.ok(['log', '--office', 'a', '--json'])) as { entries: LogEntry[] };
  const originates = log.entries.filter((e) => e.type === 'Originate');
  assert.is(originates.length, 1);
  assert.equal([originates[0]!.protocol, originates[0]!.actionId, originates[0]!.message.Channel], ['ami', 'x1', 'PJSIP/2001']);
  const login = log.entries.find((e) => e.type === 'Login')!;
  assert.is(login.message.Secret, '***', 'the secret never appears in the log');
  const text = await sim.cli.ok(['log', '--office', 'a']);
  assert.match(text, /ami x1\s+Originate/);

  await sim.cli.ok(['link', 'a', 'down']);
  await m.closed;
  await sim.cli.ok(['link', 'a', 'up']);
  const again = await AmiTestClient.login(sim.ami.a!, 'ctid-a', 'secret-a');
  assert.is((await again.action({ Action: 'Ping' })).get('Ping'), 'Pong');
  again.close();
});

test('without --ami the default world serves CSTA only', async () => {
  sim = await startSwitchSim();
  assert.equal(sim.ami, {});
  assert.not.ok(sim.process.lines.some((l) => / ami /.test(l)));
});

test.run();
