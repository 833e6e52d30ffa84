// ctid's FastAGI server (src/daemon/switch/ami/fastagi/) against a raw TCP
// client, as Asterisk's AGI() would connect: a good dialogue; then the ways
// a peer can be bad (not an agi_ line, a line over the cap, silence, an
// answer nobody asked for, a script nobody serves) each close that session
// with a log line, and a channel that hangs up mid-dialogue, or a
// connection that drops under a command, is told to the script. The server
// serves the next session after each.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { AgiServer } from '../../src/daemon/switch/ami/fastagi/agi-server.js';
import { AgiSessionClosed, type AgiSession } from '../../src/daemon/switch/ami/fastagi/agi-session.js';
import { eventually } from '../helpers/eventually.js';

const logged: string[] = [];
let server: AgiServer;
/** Sessions the `route` script got, in order. */
const sessions: AgiSession[] = [];

test.before(async () => {
  server = new AgiServer({ envTimeoutMs: 300, commandTimeoutMs: 300, maxLineBytes: 1024, log: (event, fields) => logged.push(`${event} ${JSON.stringify(fields)}`) });
  server.serve('route', (session) => sessions.push(session));
  await server.listen('127.0.0.1:0');
});

test.after(async () => {
  await server.close();
});

const ENV = 'agi_network: yes\nagi_network_script: route\nagi_channel: PJSIP/2003-00000001\nagi_extension: 2001\n\n';

/** A raw client: what it received, and whether the server closed it. */
function client(): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(Number(server.address.split(':')[1]), '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => {}));
  return { socket, received: () => text, closed };
}

async function goodSession(): Promise<{ c: ReturnType<typeof client>; session: AgiSession }> {
  const before = sessions.length;
  const c = client();
  c.socket.write(ENV);
  await eventually('the script to get the session', async () => sessions.length, (n) => n > before, 3_000);
  return { c, session: sessions[sessions.length - 1]! };
}

async function closedWithLog(c: ReturnType<typeof client>, why: RegExp): Promise<void> {
  await c.closed;
  await eventually('the log line', async () => logged.join('\n'), (text) => why.test(text), 3_000);
}

test('a good dialogue: the environment reaches the script; a command and its answer, data included', async () => {
  const { c, session } = await goodSession();
  assert.equal([session.env('extension'), session.env('channel')], ['2001', 'PJSIP/2003-00000001']);
  const reply = session.command(['GET', 'VARIABLE', 'CTID_DEST']);
  await eventually('the command to arrive', async () => c.received(), (t) => t === 'GET VARIABLE CTID_DEST\n', 3_000);
  c.socket.write('200 result=1 (2005)\n');
  assert.equal(await reply, { code: 200, result: 1, data: '2005' });
  session.close('done');
  await c.closed;
});

test('a line that is not agi_KEY: value closes the session, with a log line', async () => {
  const c = client();
  c.socket.write('hello there\n');
  await closedWithLog(c, /FastAGI session closed.*not an \\"agi_KEY: value\\" line/);
});

test('a line over the cap closes the session', async () => {
  const c = client();
  c.socket.write(`agi_channel: ${'x'.repeat(2000)}`);
  await closedWithLog(c, /FastAGI session closed.*over 1024|longer than 1024/);
});

test('a client that says nothing is closed after the environment deadline', async () => {
  const c = client();
  await closedWithLog(c, /no AGI environment within 300 ms/);
});

test('a command unanswered past its deadline closes the session; the command rejects', async () => {
  const { c, session } = await goodSession();
  const err = await session.command(['ANSWER']).catch((e: Error) => e);
  assert.ok(err instanceof AgiSessionClosed, String(err));
  await closedWithLog(c, /no answer to ANSWER within 300 ms/);
});

test('an answer nobody asked for closes the session', async () => {
  const { c } = await goodSession();
  c.socket.write('200 result=0\n');
  await closedWithLog(c, /an answer nobody asked for/);
});

test('a script nobody serves is closed', async () => {
  const c = client();
  c.socket.write(ENV.replace('route', 'other'));
  await closedWithLog(c, /no FastAGI script \\"other\\"/);
});

test('the channel hangs up mid-Dial: HANGUP is told, the Dial answers -1, later commands get 511', async () => {
  const { c, session } = await goodSession();
  let told = false;
  session.on('hangup', () => (told = true));
  const dial = session.command(['EXEC', 'Dial', 'Local/2005@internal'], { timeoutMs: null });
  await eventually('the Dial to arrive', async () => c.received(), (t) => t.includes('EXEC Dial'), 3_000);
  c.socket.write('HANGUP\n200 result=-1\n');
  assert.is((await dial).result, -1);
  assert.ok(told && session.hungUp);
  const next = session.command(['GET', 'VARIABLE', 'DIALSTATUS']);
  await eventually('the next command', async () => c.received(), (t) => t.includes('GET VARIABLE'), 3_000);
  c.socket.write('511 Command Not Permitted on a dead channel or intercept routine\n');
  assert.is((await next).code, 511);
  session.close('done');
});

test('the connection drops under a command: it rejects; the server serves the next session', async () => {
  const { c, session } = await goodSession();
  const dial = session.command(['EXEC', 'Dial', 'Local/2005@internal'], { timeoutMs: null });
  c.socket.destroy();
  const err = await dial.catch((e: Error) => e);
  assert.ok(err instanceof AgiSessionClosed, String(err));
  assert.is(session.state, 'closed');
  const again = await goodSession();
  again.session.close('done');
});

test.run();
