// ctid over AMI when the switch is awkward (issue 10: "Events interleave
// ... duplicate DialEnd events happen. Nothing may depend on one order"),
// and when ctid itself is killed in the middle of placing a call: the
// simulator's AMI face with its quirks on (OriginateResponse before the
// first leg's Newstate / DialEnd, every DialEnd twice), and a kill -9 of
// ctid while the destination rings, then a restart: the call is followed
// to its end, and no second Originate goes out.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCti, startCtid, startSwitchSim, untilCtidLink, untilRequest, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { killAll } from '../helpers/processes.js';

let sim: TestSwitchSim;
let ctid: TestCtid;
const config = () => ({ switch: { url: `ami://${sim.ami.a}`, user: 'ctid-a', password: 'secret-a' } });

test.before(async () => {
  sim = await startSwitchSim({
    // An Originate rings its first phone for 30 s of the switch's time (Asterisk's default): at time scale 2, 15 s, time enough for ctid to restart.
    timeScale: 2,
    world: (world) => {
      const a = world.offices.find((o) => o.id === 'a')!;
      a.ami = { listen: '127.0.0.1:0', user: 'ctid-a', secret: 'secret-a', context: 'internal', quirks: { duplicateDialEnd: true, originateResponseFirst: true } };
    },
  });
  ctid = await startCtid({ config: config() });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
  await Promise.all(['2000', '2001', '2002'].map((ext) => sim.cli.set('a', ext, { rings: 100 })));
  await sim.cli.set('a', '2005', { answer: 'auto' });
});

test.after(async () => {
  await killAll();
});

const originates = async () => (await sim.cli.log('a')).filter((e) => e.type === 'Originate').length;

test('with OriginateResponse first and every DialEnd twice: a call connects, and a busy destination reads busy', async () => {
  const call = startCti(['call', '2000', '--json'], ctiAs(ctid.address, 'bob'));
  await sim.cli.answerWhenRinging('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  assert.is((await call.exited).code, 0, call.stderr);
  assert.ok(await sim.cli.talking('a/2000', 'a/2001'));
  await sim.cli.release('a', '2000', '2001');

  await sim.cli.dial('a', '2002', '2005');
  await sim.cli.untilLine('a', '2002', 'busy');
  const busy = await runCti(['call', '2002', '--from', '2001', '--json'], ctiAs(ctid.address, 'bob'));
  assert.is(busy.code, 1, busy.stderr);
  assert.match(busy.stdout, /"reason":"busy"/);
  await sim.cli.release('a', '2002');
});

test('ctid killed (-9) while 2000 rings for a camp-on, then restarted: the call goes on, succeeds when both answer, and only one Originate went out', async () => {
  const before = await originates();
  const campOn = await runCti(['camp-on', '2000', '--no-wait'], ctiAs(ctid.address, 'bob'));
  const id = campOn.stdout.trim();
  assert.ok(id, campOn.stderr);
  await sim.cli.untilLine('a', '2000', 'ringing');
  await ctid.kill9();
  ctid = await startCtid({ config: config(), dataDir: ctid.dataDir });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');
  await sim.cli.answer('a', '2000');
  await sim.cli.answerWhenRinging('a', '2001');
  const done = await untilRequest<{ state: string; message?: string }>(ctid.address, id, (r) => r.state === 'succeeded', 'to succeed');
  assert.match(done.message ?? '', /connected 2001 with 2000/);
  assert.is((await originates()) - before, 1, 'no second Originate');
});

test.run();
