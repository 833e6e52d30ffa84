// The control API (control-server.ts) and its client (control-client.ts)
// against a fake SimulatorControl: routes reach the right method, errors keep
// their codes across the wire, bad input gets a clear refusal and never
// breaks the server, shutdown is bounded.

import { request } from 'node:http';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeviceSettings, SimulatorControl, WorldStatus } from '../../src/switch-sim/control.js';
import { ControlClient, isControlApiError } from '../../src/switch-sim/control-client.js';
import { startControlServer, type ControlServer } from '../../src/switch-sim/control-server.js';
import { isSimulatorError, SimulatorError } from '../../src/switch-sim/errors.js';
import { closedPort } from '../helpers/ports.js';

/** Office `a` with phones 2000 and 2001; 2009 is always busy; office `crash` throws a bug. */
class FakeControl implements SimulatorControl {
  readonly pressed: unknown[][] = [];
  status(): WorldStatus {
    const device = (ext: string) => ({ id: `a/${ext}`, kind: 'station' as const, state: 'idle' as const, answer: 'manual' as const, dnd: false, rings: 5, service: 'in' as const });
    return { offices: [{ id: 'a', csta: '127.0.0.1:7200', devices: [device('2000'), device('2001')] }], calls: [], media: [] };
  }
  paths() {
    return { paths: [{ devices: ['a/2001', 'a/2000'] }] };
  }
  log(office?: string) {
    if (office !== undefined) this.phone(office, '2000');
    return [{ at: '2025-01-01T00:00:00.000Z', office: 'a', session: '1', invokeId: 1, type: 'MakeCall', message: { callingDevice: '2001' } }];
  }
  dial(office: string, ext: string, number: string) {
    this.press('dial', office, ext, number);
  }
  answer(office: string, ext: string) {
    this.press('answer', office, ext);
  }
  hangup(office: string, ext: string) {
    this.press('hangup', office, ext);
  }
  hold(office: string, ext: string) {
    this.press('hold', office, ext);
  }
  retrieve(office: string, ext: string) {
    this.press('retrieve', office, ext);
  }
  set(office: string, ext: string, settings: DeviceSettings) {
    this.press('set', office, ext, settings);
  }
  link(office: string, state: 'up' | 'down') {
    this.phone(office, '2000');
    this.pressed.push(['link', office, state]);
  }
  private press(name: string, office: string, ext: string, ...rest: unknown[]) {
    this.phone(office, ext);
    this.pressed.push([name, office, ext, ...rest]);
  }
  private phone(office: string, ext: string) {
    if (office === 'crash') throw new Error('a bug with a secret stack');
    if (office !== 'a') throw new SimulatorError('not-found', `there is no office ${office}`);
    if (ext === '2009') throw new SimulatorError('conflict', `a/${ext} is busy`);
  }
}

const logged: string[] = [];
let fake: FakeControl;
let server: ControlServer;
let client: ControlClient;

test.before(async () => {
  fake = new FakeControl();
  server = await startControlServer(fake, '127.0.0.1:0', { log: (line) => logged.push(line) });
  client = new ControlClient(server.address);
});

test.after(() => server.close());

/** A request with full control of method, headers and body (fetch forbids setting Host). */
function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; json: any }> {
  const [host, port] = server.address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function rejectsWith(promise: Promise<unknown>, check: (err: any) => boolean): Promise<any> {
  const err = await promise.then(
    () => assert.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(check(err), `unexpected error: ${String(err)}`);
  return err;
}

test('the address shows the port picked for port 0', () => {
  assert.match(server.address, /^127\.0\.0\.1:\d+$/);
  assert.is.not(server.address, '127.0.0.1:0');
});

test('each route reaches its method with its arguments', async () => {
  assert.is((await client.status()).offices[0]!.id, 'a');
  assert.equal((await client.paths()).paths, [{ devices: ['a/2001', 'a/2000'] }]);
  assert.is((await client.log('a'))[0]!.type, 'MakeCall');
  await client.dial('a', '2001', '+81 44 222-3333');
  for (const button of ['answer', 'hangup', 'hold', 'retrieve'] as const) await client[button]('a', '2000');
  await client.set('a', '2000', { answer: 'auto', rings: 3, dnd: true, service: 'out' });
  await client.link('a', 'down');
  assert.equal(fake.pressed, [
    ['dial', 'a', '2001', '+81 44 222-3333'],
    ['answer', 'a', '2000'],
    ['hangup', 'a', '2000'],
    ['hold', 'a', '2000'],
    ['retrieve', 'a', '2000'],
    ['set', 'a', '2000', { answer: 'auto', rings: 3, dnd: true, service: 'out' }],
    ['link', 'a', 'down'],
  ]);
});

test("the simulator's refusals come back as SimulatorError with its sentence", async () => {
  const notFound = await rejectsWith(client.answer('zz', '2000'), isSimulatorError);
  assert.is(notFound.code, 'not-found');
  assert.is(notFound.message, 'there is no office zz');
  const busy = await rejectsWith(client.dial('a', '2009', '2000'), isSimulatorError);
  assert.is(busy.code, 'conflict');
  assert.is(busy.message, 'a/2009 is busy');
});

test('invalid input is refused naming the field', async () => {
  // Thunks: a rejection made early and awaited late would be unhandled.
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => client.set('a', '2000', { rings: 0 }), /^body\.rings: /],
    [() => client.set('a', '2000', {}), /at least one setting/],
    [() => client.dial('a', '2001', 'call me'), /^body\.number: a number is digits/],
    [() => client.answer('A', '2000'), /^path\.office: an office is lower-case/],
    [() => client.answer('a', '20x0'), /^path\.ext: an extension is digits/],
    [() => client.log('Bad Office'), /^query\.office: /],
    [() => client.link('a', 'sideways' as 'up'), /^body\.state: /],
  ];
  for (const [call, message] of cases) {
    const err = await rejectsWith(call(), isSimulatorError);
    assert.is(err.code, 'invalid');
    assert.match(err.message, message);
  }
  assert.is(fake.pressed.length, 7, 'no refused request reached the simulator');
});

test('a bug is a 500 with a fixed sentence; the cause goes to the log only', async () => {
  const err = await rejectsWith(client.hangup('crash', '2000'), isControlApiError);
  assert.is(err.code, 'internal');
  assert.not.match(err.message, /secret/);
  assert.ok(logged.some((line) => line.includes('a bug with a secret stack')));
});

test('HTTP-level refusals: route, method, media type, JSON, size, Host, encoding', async () => {
  const json = { 'content-type': 'application/json' };
  const cases: [Parameters<typeof raw>[0], number][] = [
    [{ path: '/nope' }, 404],
    [{ path: '/phones/a/2000/explode', method: 'POST', headers: json, body: '{}' }, 404],
    [{ path: '/status', method: 'POST', headers: json, body: '{}' }, 405],
    [{ path: '/phones/a/2000/answer', method: 'GET' }, 405],
    [{ path: '/phones/a/2000/answer', method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, 415],
    [{ path: '/phones/a/2000/answer', method: 'POST' }, 415],
    [{ path: '/phones/a/2001/dial', method: 'POST', headers: json, body: '{"number":' }, 400],
    [{ path: '/phones/a/2001/dial', method: 'POST', headers: json, body: '[1,2]' }, 400],
    [{ path: '/phones/a/2000/answer', method: 'POST', headers: json, body: '{"extra":1}' }, 400],
    [{ path: '/phones/a/2001/dial', method: 'POST', headers: json, body: `{"number":"${'1'.repeat(70_000)}"}` }, 413],
    [{ path: '/phones/a/2001/dial', method: 'POST', headers: { ...json, 'transfer-encoding': 'chunked' }, body: 'x'.repeat(70_000) }, 413],
    [{ path: '/status', headers: { host: 'evil.example:50100' } }, 403],
    [{ path: '/phones/a/%E0%A4%A/answer', method: 'POST', headers: json, body: '{}' }, 400],
  ];
  for (const [req, status] of cases) {
    const res = await raw(req);
    assert.is(res.status, status, `${req.method ?? 'GET'} ${req.path.slice(0, 40)}`);
    assert.type(res.json.error.message, 'string');
  }
  assert.is((await raw({ path: '/status', headers: { host: 'localhost' } })).status, 200, 'still serving');
});

test('unreachable: connection refused, and no answer within the deadline', async () => {
  const refused = await rejectsWith(new ControlClient(`127.0.0.1:${await closedPort()}`).status(), isControlApiError);
  assert.is(refused.code, 'unreachable');
  assert.match(refused.message, /cannot reach the simulator's control API at 127\.0\.0\.1:\d+: connection refused \(is `switch-sim serve` running\?/);

  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const slow = await rejectsWith(new ControlClient(`127.0.0.1:${port}`, 200).status(), isControlApiError);
  assert.is(slow.code, 'unreachable');
  assert.match(slow.message, /did not answer within 200 ms/);
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => silent.close(resolve));
});

test('a malformed control address is invalid input', () => {
  for (const address of ['', 'localhost', '127.0.0.1:0', '127.0.0.1:70000', 'http://x:1', 'a b:1']) {
    assert.throws(() => new ControlClient(address), (err: unknown) => isSimulatorError(err) && err.code === 'invalid', address);
  }
  new ControlClient('[::1]:50100');
});

test('a port in use is reported in words', async () => {
  await rejectsWith(startControlServer(fake, server.address), (err) => /cannot listen on 127\.0\.0\.1:\d+: address already in use/.test(err.message));
});

test('close is idempotent and bounded: a keep-alive and a half-sent request do not hold it', async () => {
  const other = await startControlServer(fake, '127.0.0.1:0');
  const [host, port] = other.address.split(':') as [string, string];
  const idle = connect(Number(port), host);
  const answered = new Promise((resolve) => idle.once('data', resolve));
  idle.write(`GET /status HTTP/1.1\r\nHost: ${other.address}\r\nConnection: keep-alive\r\n\r\n`);
  await answered;
  const halfSent = connect(Number(port), host);
  await new Promise((resolve) => halfSent.once('connect', resolve));
  halfSent.write('POST /phones/a/2000/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n');
  const started = Date.now();
  await Promise.all([other.close(), other.close()]);
  assert.ok(Date.now() - started < 5000, `closed in ${Date.now() - started} ms`);
  idle.destroy();
  halfSent.destroy();
});

test.run();
