// The simulator's AMI face as Asterisk with ctid's dialplan
// (contrib/asterisk/extensions_ctid.conf): the AstDB actions, and calls to
// an extension with a `ctid-route` key going to the FastAGI server of the
// world file (`ami.agi`), here a raw one in the test. It gets the channel's
// environment; its commands act on the call (CTID_DEST, Ringing, Dial with
// DIALSTATUS, HANGUP); the caller's hang-up is told; an unreachable server
// leaves the call to ring the extension.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { AgiLineReader } from '../../src/agi/codec.js';
import { listenOn } from '../../src/common/listen.js';
import { AmiTestClient } from '../helpers/ami-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTestSim, testWorld, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let ami: AmiTestClient;
let agiServer: Server;
let agiAddress: string;
/** Connections the fake FastAGI server took, with the lines each sent so far. */
const conns: { socket: Socket; lines: string[] }[] = [];

test.before.each(async () => {
  conns.length = 0;
  agiServer = createServer((socket) => {
    const conn = { socket, lines: [] as string[] };
    const reader = new AgiLineReader();
    socket.on('data', (chunk: Buffer) => conn.lines.push(...reader.push(chunk)));
    socket.on('error', () => {});
    conns.push(conn);
  });
  agiAddress = await listenOn(agiServer, '127.0.0.1:0');
  sim = await startTestSim({
    world: testWorld((w) => {
      w.offices[0]!.ami = { listen: '127.0.0.1:0', user: 'ctid-a', secret: 'secret-a', agi: agiAddress };
    }),
  });
  ami = await AmiTestClient.login(sim.offices[0]!.ami!, 'ctid-a', 'secret-a');
  sim.control.set('a', '2005', { rings: 100 });
});

test.after.each(async () => {
  ami.close();
  for (const c of conns) c.socket.destroy();
  await sim.close();
  await new Promise<void>((resolve) => agiServer.close(() => resolve()));
});

const state = (ext: string) => sim.control.status().offices.find((o) => o.id === 'a')!.devices.find((d) => d.id === `a/${ext}`)!.state;
const untilState = (ext: string, want: string) => eventually(`a/${ext} ${want}`, async () => state(ext), (s) => s === want, 5_000);

/** 2001 gets a ctid-route key; 2003 calls it; resolves with the AGI connection once its environment is in. */
async function routedCall(): Promise<{ socket: Socket; lines: string[] }> {
  await ami.action({ Action: 'DBPut', Family: 'ctid-route', Key: '2001', Val: '1' });
  sim.control.dial('a', '2003', '2001');
  await eventually('the AGI environment', async () => conns[0]?.lines.includes('') ?? false, Boolean, 5_000);
  return conns[0]!;
}

/** Sends a command and waits for its answer line (the `n`th line after the environment). */
async function command(conn: { socket: Socket; lines: string[] }, line: string): Promise<string> {
  const before = conn.lines.length;
  conn.socket.write(`${line}\n`);
  await eventually(`an answer to ${line}`, async () => conn.lines.slice(before).find((l) => /^\d{3} /.test(l)), Boolean, 5_000);
  return conn.lines.slice(before).find((l) => /^\d{3} /.test(l))!;
}

test('DBPut, DBGet, DBDel, DBDelTree answer as Asterisk 22 does', async () => {
  const put = await ami.action({ Action: 'DBPut', Family: 'ctid-route', Key: '2001', Val: '1' });
  assert.equal([put.get('Response'), put.get('Message')], ['Success', 'Updated database successfully']);
  const got = await ami.action({ Action: 'DBGet', ActionID: 'g1', Family: 'ctid-route', Key: '2001' });
  assert.equal([got.get('Response'), got.get('EventList')], ['Success', 'start']);
  assert.is((await ami.event('DBGetResponse', { ActionID: 'g1' })).get('Val'), '1');
  await ami.event('DBGetComplete', { ActionID: 'g1', EventList: 'Complete' });
  assert.is((await ami.action({ Action: 'DBDel', Family: 'ctid-route', Key: '2001' })).get('Message'), 'Key deleted successfully');
  assert.is((await ami.action({ Action: 'DBDel', Family: 'ctid-route', Key: '2001' })).get('Message'), 'Database entry not found');
  await ami.action({ Action: 'DBPut', Family: 'ctid-route', Key: '2002', Val: '1' });
  assert.is((await ami.action({ Action: 'DBDelTree', Family: 'ctid-route' })).get('Message'), 'Key tree deleted successfully');
  assert.is((await ami.action({ Action: 'DBDelTree', Family: 'ctid-route' })).get('Response'), 'Error');
  assert.is((await ami.action({ Action: 'DBPut', Key: 'x' })).get('Message'), 'No family specified');
});

test('a call to a routed extension asks the AGI server with the channel’s environment; CTID_DEST sends it there', async () => {
  const conn = await routedCall();
  const env = Object.fromEntries(conn.lines.filter(Boolean).map((l) => l.split(': ')));
  assert.equal([env.agi_network_script, env.agi_extension, env.agi_callerid, env.agi_context], ['route', '2001', '2003', 'ctid-route']);
  assert.match(env.agi_channel!, /^PJSIP\/2003-[0-9a-f]{8}$/);
  assert.is(state('2001'), 'idle', 'held while the AGI runs');
  assert.is(await command(conn, 'SET VARIABLE CTID_DEST 2005'), '200 result=1');
  conn.socket.end();
  await untilState('2005', 'ringing');
  assert.is(state('2001'), 'idle');
});

test('Ringing, then Dial to a busy party: result 0, DIALSTATUS BUSY, the caller stays; Dial to 2005 rings it (DialBegin from the caller’s channel); the caller hangs up: HANGUP, then 511', async () => {
  const conn = await routedCall();
  assert.is(await command(conn, 'EXEC Ringing'), '200 result=0');
  sim.control.set('a', '2007', { answer: 'auto' });
  sim.control.dial('a', '2006', '2007');
  await untilState('2006', 'busy');
  assert.is(await command(conn, 'EXEC Dial Local/2006@internal'), '200 result=0');
  assert.is(await command(conn, 'GET VARIABLE DIALSTATUS'), '200 result=1 (BUSY)');
  assert.is(state('2003'), 'busy', 'the caller still waits');
  const from = ami.received.length;
  conn.socket.write('EXEC Dial Local/2005@internal\n');
  await untilState('2005', 'ringing');
  const begin = await ami.next((m) => m.get('Event') === 'DialBegin' && m.get('DestChannel')?.startsWith('PJSIP/2005-') === true, 'DialBegin to 2005', from);
  assert.match(begin.get('Channel')!, /^PJSIP\/2003-/);
  sim.control.hangup('a', '2003');
  await eventually('HANGUP and the Dial’s answer', async () => conn.lines.slice(-2), (l) => l.includes('HANGUP') && l.includes('200 result=-1'), 5_000);
  await untilState('2005', 'idle');
  assert.match(await command(conn, 'EXEC Ringing'), /^511 /);
});

test('the server lets go during a Dial: the Dial runs to its end (2005 refuses), then the dialplan goes on and 2001 rings', async () => {
  const conn = await routedCall();
  conn.socket.write('EXEC Dial Local/2005@internal\n');
  await untilState('2005', 'ringing');
  conn.socket.end();
  await eventually('the AGI to be closed', async () => conn.socket.closed, Boolean, 5_000);
  assert.is(state('2001'), 'idle', 'not while the Dial runs');
  sim.control.hangup('a', '2005');
  await untilState('2001', 'ringing');
});

test('the AGI server unreachable: the call rings the extension itself', async () => {
  await new Promise<void>((resolve) => agiServer.close(() => resolve()));
  await ami.action({ Action: 'DBPut', Family: 'ctid-route', Key: '2001', Val: '1' });
  sim.control.dial('a', '2003', '2001');
  await untilState('2001', 'ringing');
});

test.run();
