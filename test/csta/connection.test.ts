// Two CstaConnections over real loopback TCP (127.0.0.1:0): request and
// response matching, service errors, timeouts, closing, and a protocol
// error that drops one connection and no other. No sleeps: every wait is
// for an event.

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/common/clock.js';
import { CstaConnection, isCstaLinkError, type CstaConnectionOptions } from '../../src/csta/connection.js';
import { isCstaProtocolError, isCstaServiceError } from '../../src/csta/errors.js';
import { encodeFrame } from '../../src/csta/framing.js';
import type { CstaFrame, MonitorStartResponse } from '../../src/csta/messages.js';

interface Pair {
  client: CstaConnection;
  server: CstaConnection;
}

let server: Server;
const accepted: CstaConnection[] = [];
const open = new Set<CstaConnection>();

function track(conn: CstaConnection): CstaConnection {
  open.add(conn);
  conn.on('close', () => open.delete(conn));
  return conn;
}

test.before.each(async () => {
  accepted.length = 0;
  server = createServer((socket) => accepted.push(track(new CstaConnection(socket))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

test.after.each(async () => {
  for (const conn of open) conn.destroy();
  await Promise.all([...open].map((conn) => once(conn, 'close')));
  server.close();
  await once(server, 'close'); // fails the test by hanging if a socket leaked
});

async function rawSocket(): Promise<Socket> {
  const { port } = server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function serverSide(): Promise<CstaConnection> {
  while (accepted.length === 0) await once(server, 'connection'); // the server's own listener runs first
  return accepted.shift()!;
}

async function pair(opts: CstaConnectionOptions = {}): Promise<Pair> {
  const client = track(new CstaConnection(await rawSocket(), opts));
  return { client, server: await serverSide() };
}

/** The next `n` frames a connection emits. */
function frames(conn: CstaConnection, n: number): Promise<CstaFrame[]> {
  return new Promise((resolve) => {
    const got: CstaFrame[] = [];
    const onFrame = (frame: CstaFrame) => {
      got.push(frame);
      if (got.length < n) return;
      conn.off('frame', onFrame);
      resolve(got);
    };
    conn.on('frame', onFrame);
  });
}

test('responses are matched to requests by invoke id, even out of order', async () => {
  const { client, server } = await pair();
  const arrived = frames(server, 3);
  const requests = ['2001', '2002', '2003'].map((d) => client.request<MonitorStartResponse>({ type: 'MonitorStart', monitorObject: d }));
  const received = await arrived;
  assert.equal(
    received.map((f) => f.invokeId),
    [1, 2, 3],
  );
  for (const f of [...received].reverse()) {
    const device = f.message.type === 'MonitorStart' ? f.message.monitorObject : '';
    server.send(f.invokeId, { type: 'MonitorStartResponse', monitorCrossRefId: `ref-${device}` });
  }
  const responses = await Promise.all(requests);
  assert.equal(
    responses.map((r) => r.monitorCrossRefId),
    ['ref-2001', 'ref-2002', 'ref-2003'],
  );
  assert.is(client.pendingRequests, 0);
});

test('events, requests of the peer and stray responses arrive as frames', async () => {
  const { client, server } = await pair();
  const got = frames(client, 3);
  server.send(9999, { type: 'OutOfServiceEvent', monitorCrossRefId: 'm1', device: '2005' });
  server.send(server.nextInvokeId(), { type: 'SystemStatus', systemStatus: 'normal' });
  server.send(77, { type: 'MonitorStopResponse' });
  assert.equal(
    (await got).map((f) => [f.invokeId, f.message.type]),
    [
      [9999, 'OutOfServiceEvent'],
      [1, 'SystemStatus'],
      [77, 'MonitorStopResponse'],
    ],
  );
});

test('a response of the wrong type for its invoke id is not taken as the answer', async () => {
  const { client, server } = await pair();
  const request = client.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2002' });
  const [{ invokeId }] = await frames(server, 1);
  const stray = frames(client, 1);
  server.send(invokeId, { type: 'MonitorStopResponse' });
  assert.is((await stray)[0].message.type, 'MonitorStopResponse');
  server.send(invokeId, { type: 'MakeCallResponse', callingDevice: { callId: '1', deviceId: '2001' } });
  assert.is((await request).type, 'MakeCallResponse');
});

test('CSTAErrorCode rejects the request with a CstaServiceError carrying category and value', async () => {
  const { client, server } = await pair();
  const request = client.request({ type: 'MakeCall', callingDevice: '9999', calledDirectoryNumber: '2002' });
  const [{ invokeId }] = await frames(server, 1);
  server.send(invokeId, { type: 'CSTAErrorCode', category: 'operation', value: 'invalidDeviceID' });
  const err = await request.catch((e: unknown) => e);
  assert.ok(isCstaServiceError(err));
  assert.is(err.category, 'operation');
  assert.is(err.value, 'invalidDeviceID');
  assert.match(err.message, 'MakeCall');
});

test('a request with no response times out, and its invoke id is free again', async () => {
  const clock = new ManualClock();
  const { client, server } = await pair({ clock });
  const request = client.request({ type: 'SnapshotDevice', snapshotObject: '2001' }, { timeoutMs: 5000 });
  await frames(server, 1);
  clock.advance(4999);
  assert.is(client.pendingRequests, 1);
  clock.advance(1);
  const err = await request.catch((e: unknown) => e);
  assert.ok(isCstaLinkError(err));
  assert.is(err.code, 'timeout');
  assert.match(err.message, /SnapshotDevice .*5000 ms/);
  assert.is(client.pendingRequests, 0);
  assert.is(clock.pending, 0, 'no timer left behind');
});

test('invoke ids cycle through 1-9998 and skip ids still waiting', async () => {
  const { client } = await pair();
  const first = client.request({ type: 'SystemStatus', systemStatus: 'normal' }).catch(() => undefined); // holds id 1
  for (let i = 2; i <= 9998; i++) assert.is(client.nextInvokeId(), i);
  assert.is(client.nextInvokeId(), 2, 'id 1 is still in flight');
  client.destroy();
  await first;
});

test('every pending request is rejected when the peer closes', async () => {
  const { client, server } = await pair();
  const requests = [client.request({ type: 'MonitorStart', monitorObject: '1' }), client.request({ type: 'MonitorStart', monitorObject: '2' })].map((p) => p.catch((e: unknown) => e));
  await frames(server, 2);
  server.destroy();
  for (const err of await Promise.all(requests)) {
    assert.ok(isCstaLinkError(err));
    assert.is(err.code, 'closed');
  }
  await once(client, 'close');
  assert.is(client.state, 'closed');
});

test('close() rejects pending requests at once, ends the link and emits close once', async () => {
  const { client, server } = await pair();
  let closes = 0;
  client.on('close', () => closes++);
  const request = client.request({ type: 'MonitorStart', monitorObject: '1' }).catch((e: unknown) => e);
  await frames(server, 1);
  client.close();
  assert.is(client.state, 'closing');
  const err = await request;
  assert.ok(isCstaLinkError(err) && err.code === 'closed');
  const late = await client.request({ type: 'MonitorStart', monitorObject: '2' }).catch((e: unknown) => e);
  assert.ok(isCstaLinkError(late) && late.code === 'closed');
  await Promise.all([once(client, 'close'), once(server, 'close')]);
  client.destroy();
  client.close();
  assert.is(closes, 1);
  assert.is(client.closeError, undefined);
});

test('a protocol error closes only that connection; another on the same server keeps working', async () => {
  const good = await pair();
  const raw = await rawSocket();
  const bad = await serverSide();
  const errors: unknown[] = [];
  bad.on('protocol-error', (err) => errors.push(err));
  raw.write('GET / HTTP/1.1\r\n\r\n');
  await once(bad, 'close');
  assert.is(errors.length, 1);
  assert.ok(isCstaProtocolError(errors[0]) && errors[0].code === 'bad-header');
  assert.is(bad.closeError, errors[0]);
  if (!raw.closed) await once(raw, 'close');

  const answer = frames(good.server, 1).then(([f]) => good.server.send(f.invokeId, { type: 'SystemStatusResponse' }));
  assert.equal(await good.client.request({ type: 'SystemStatus', systemStatus: 'normal' }), { type: 'SystemStatusResponse' });
  await answer;
});

test('a message it cannot read is reported and skipped; the link stays up', async () => {
  const { client } = await pair();
  const raw = await rawSocket();
  const server = await serverSide();
  const unreadable: [unknown, number][] = [];
  server.on('unreadable', (err, invokeId) => unreadable.push([err, invokeId]));
  const next = frames(server, 1);
  raw.write(encodeFrame(5, '<CallInformationEvent><monitorCrossRefID>1</monitorCrossRefID></CallInformationEvent>'));
  raw.write(encodeFrame(6, '<MakeCall><callingDevice>2001</callingDevice></MakeCall>'));
  raw.write(encodeFrame(7, '<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>'));
  assert.equal((await next).map((f) => f.invokeId), [7]);
  assert.equal(
    unreadable.map(([err, id]) => [isCstaProtocolError(err) && err.code, id]),
    [
      ['unknown-message', 5],
      ['invalid-field', 6],
    ],
  );
  assert.is(server.state, 'open');
  raw.destroy();
  client.destroy();
});

test.run();
