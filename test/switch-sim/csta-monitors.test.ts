// Monitors of one CSTA session against the simulator over TCP: several
// monitors on one device, on both parties of a call, and MonitorStop among
// them. Events reach each monitor once, in the order the monitors were
// started, with the monitored device's own connection state.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CstaEvent, MakeCallResponse } from '../../src/csta/messages.js';
import { eventOf, openApp, type TestApp } from '../helpers/csta-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTestSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
const apps: TestApp[] = [];

async function app(): Promise<TestApp> {
  const a = await openApp(sim.csta('a'), sim.credentials('a'));
  apps.push(a);
  return a;
}

test.before.each(async () => {
  sim = await startTestSim();
});
test.after.each(async () => {
  for (const a of apps.splice(0)) a.close();
  await sim.close();
});

/** [monitor, localConnectionInfo] of each event of one type, in arrival order. */
function deliveries(a: TestApp, type: CstaEvent['type']): [string, string | undefined][] {
  return a.frames.filter((f) => f.message.type === type).map((f) => [(f.message as CstaEvent).monitorCrossRefId, (f.message as { localConnectionInfo?: string }).localConnectionInfo]);
}

test('several monitors on both parties: each gets every event once, in the order the monitors were started', async () => {
  const a = await app();
  const caller1 = await a.monitor('2001');
  const called = await a.monitor('2000');
  const caller2 = await a.monitor('2001');
  const other = await a.monitor('2005'); // not in the call
  await a.request<MakeCallResponse>({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000', autoOriginate: 'doNotPrompt' });
  await a.waitFor(eventOf('DeliveredEvent', caller2));
  assert.equal(deliveries(a, 'DeliveredEvent'), [
    [caller1, 'connected'],
    [called, 'alerting'],
    [caller2, 'connected'],
  ]);
  assert.equal(
    deliveries(a, 'ServiceInitiatedEvent').map(([m]) => m),
    [caller1, caller2],
    "the called device's monitor sees only its own part",
  );
  sim.control.answer('a', '2000');
  await a.waitFor(eventOf('EstablishedEvent', caller2));
  assert.equal(deliveries(a, 'EstablishedEvent'), [
    [caller1, 'connected'],
    [called, 'connected'],
    [caller2, 'connected'],
  ]);
  assert.equal(a.eventTypes(other), []);
  sim.control.hangup('a', '2000');
  await a.waitFor(eventOf('ConnectionClearedEvent', caller2));
});

test('MonitorStop ends one monitor of a device and keeps the others; a device can be monitored again', async () => {
  const a = await app();
  const first = await a.monitor('2000');
  const second = await a.monitor('2000');
  await a.request({ type: 'MonitorStop', monitorCrossRefId: first });
  sim.control.dial('a', '2001', '2000');
  await a.waitFor(eventOf('DeliveredEvent', second));
  assert.equal(a.eventTypes(first), []);
  sim.control.hangup('a', '2001');
  await a.waitFor(eventOf('ConnectionClearedEvent', second));

  await a.request({ type: 'MonitorStop', monitorCrossRefId: second }); // answered after every event sent before it
  const beforeStop = a.eventTypes(second);
  assert.ok(beforeStop.includes('ConnectionClearedEvent'));
  const again = (await a.request({ type: 'MonitorStop', monitorCrossRefId: second }).catch((e: unknown) => e)) as { value?: string };
  assert.is(again.value, 'invalidCrossRefID');
  const third = await a.monitor('2000');
  const marker = await a.monitor('2001');
  sim.control.dial('a', '2001', '2000');
  await a.waitFor(eventOf('DeliveredEvent', third));
  await a.waitFor(eventOf('DeliveredEvent', marker));
  assert.equal(a.eventTypes(second), beforeStop, 'nothing after its stop');
  assert.equal(
    deliveries(a, 'DeliveredEvent').slice(-2).map(([m]) => m),
    [third, marker],
    'monitors started after a stop are in start order too',
  );
});

test("a closed session's monitors get nothing; another session's monitors of the same device carry on", async () => {
  const gone = await app();
  const stays = await app();
  const mGone = await gone.monitor('2000');
  const mStays = await stays.monitor('2000');
  gone.close();
  const sessions = async () => sim.control.status().offices.find((o) => o.id === 'a')!.sessions;
  await eventually('the switch has closed the first session', sessions, (n) => n === 1);
  sim.control.dial('a', '2001', '2000');
  await stays.waitFor(eventOf('DeliveredEvent', mStays));
  assert.equal(gone.eventTypes(mGone), []);
});

test.run();
