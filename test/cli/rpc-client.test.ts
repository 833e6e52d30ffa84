// The CLI's gRPC client (src/cli/rpc/, over its own HTTP/2 in rpc/h2/)
// against a real grpc-js server started here, and, for what grpc-js never
// sends (a non-200 status, a compressed message, no grpc-status, GOAWAY on
// demand), against a bare node:http2 server: answers, statuses and their
// messages, streams (several MB; a consumer that stops reading), cancel,
// deadline, lost, refused and garbled connections, and the exit statuses
// they end in.

import { createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';
import { Metadata, Server, ServerCredentials, status, type ServerWritableStream } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApi, type CtiApi } from '../../src/cli/client.js';
import { isCliError } from '../../src/cli/errors.js';
import { failureOf, type GrpcError } from '../../src/cli/exit-codes.js';
import { Channel } from '../../src/cli/rpc/channel.js';
import { frame } from '../../src/cli/rpc/frames.js';
import { ServiceClient } from '../../src/cli/rpc/service-client.js';
import type { RpcStream } from '../../src/cli/rpc/stream.js';
import { CtiServiceDefinition, GetStatusResponse, Request, RequestUpdate, type WatchRequestsRequest } from '../../src/gen/cti/v1/cti.js';
import { grpcJsService, type ServerOf } from '../../src/rpc/grpc-js-service.js';
import { closedPort } from '../helpers/ports.js';
import { rejectionOf } from '../helpers/rejection.js';

type Handlers = Partial<ServerOf<CtiServiceDefinition>>;

/** What the grpc-js server's handlers do, set per test. */
const handlers: Handlers = {};
/** Resolves when the server sees a WatchRequests call cancelled. */
let serverSawCancel: () => void = () => {};
let server: Server;
let address: string;
const opened: { close(): void }[] = [];

test.after(async () => {
  opened.forEach((client) => client.close());
  server?.forceShutdown();
});

async function startGrpcJs(port = 0): Promise<{ server: Server; address: string }> {
  const grpc = new Server();
  const dispatch = Object.fromEntries(
    Object.keys(CtiServiceDefinition.methods).map((name) => [name, (...args: unknown[]) => (handlers[name as keyof Handlers] as (...a: unknown[]) => void)(...args)]),
  );
  grpc.addService(grpcJsService(CtiServiceDefinition), dispatch);
  const bound = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server: grpc, address: `127.0.0.1:${bound}` };
}

function api(server = address): CtiApi {
  const client = createApi({ server, token: 'secret-token', tokenFile: '/nowhere', configFile: '/nowhere', json: false });
  opened.push(client);
  return client;
}

const failure = async (promise: Promise<unknown>): Promise<GrpcError> => (await rejectionOf(promise)) as GrpcError;

function collect<T>(stream: RpcStream<T>): Promise<{ messages: T[]; error?: { code: number; details: string } }> {
  const messages: T[] = [];
  return new Promise((resolve) => {
    stream.on('data', (message: T) => messages.push(message));
    stream.on('end', () => resolve({ messages }));
    stream.on('error', (error: { code: number; details: string }) => resolve({ messages, error }));
  });
}

const update = (id: string): RequestUpdate => ({ request: Request.fromPartial({ id, state: 'watching' }), initial: false });

test('a grpc-js server starts on a free port', async () => {
  ({ server, address } = await startGrpcJs());
});

test('a unary call: the answer decoded, the token sent as a Bearer authorization', async () => {
  let authorization: unknown[] = [];
  handlers.getStatus = (call, callback) => {
    authorization = call.metadata.get('authorization');
    callback(null, GetStatusResponse.fromPartial({ office: 'a', version: '9.9.9', user: 'bob' }));
  };
  const answer = await api().status();
  assert.is(answer.office, 'a');
  assert.is(answer.user, 'bob');
  assert.equal(authorization, ['Bearer secret-token']);
});

test('an error status: code, the percent-encoded message decoded, trailing metadata, the exit status', async () => {
  const details = 'no request «r-1» here: 100% gone, try again';
  handlers.cancelRequest = (_call, callback) => {
    const metadata = new Metadata();
    metadata.set('cti-reason', 'not-allowed');
    callback({ code: status.NOT_FOUND, details, metadata });
  };
  const err = await failure(api().cancel('r-1'));
  assert.is(err.code, status.NOT_FOUND);
  assert.is(err.details, details);
  assert.equal(err.metadata.get('cti-reason'), ['not-allowed']);
  assert.equal(failureOf(err, address), { exitCode: 4, message: `${details} (not-allowed)` });
});

test('a server stream: every message in order, then end', async () => {
  handlers.watchRequests = (call: ServerWritableStream<WatchRequestsRequest, RequestUpdate>) => {
    for (const id of ['r-1', 'r-2', 'r-3']) call.write(update(id));
    call.end();
  };
  const { messages, error } = await collect(api().watch({ id: '', all: true }));
  assert.is(error, undefined);
  assert.equal(messages.map((m) => m.request?.id), ['r-1', 'r-2', 'r-3']);
});

test('a stream that fails after a message ends with the status from the trailers', async () => {
  handlers.watchRequests = (call) => {
    call.write(update('r-1'));
    call.emit('error', { code: status.PERMISSION_DENIED, details: 'not your request' });
  };
  const { messages, error } = await collect(api().watch({ id: 'r-1', all: false }));
  assert.is(messages.length, 1);
  assert.is(error?.code, status.PERMISSION_DENIED);
  assert.is(error?.details, 'not your request');
});

test('cancel resets the stream: the server sees the call cancelled, the client CANCELLED', async () => {
  const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
  handlers.watchRequests = (call) => {
    call.on('cancelled', () => serverSawCancel());
    call.write(update('r-1'));
  };
  const stream = api().watch({ id: 'r-1', all: false });
  const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
  const ended = collect(stream);
  await first;
  stream.cancel();
  await cancelled;
  assert.is((await ended).error?.code, status.CANCELLED);
});

test('a `for await` left early cancels the stream too', async () => {
  const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
  handlers.watchRequests = (call) => {
    call.on('cancelled', () => serverSawCancel());
    call.write(update('r-1'));
    call.write(update('r-2'));
  };
  for await (const message of api().watch({ id: '', all: true })) {
    assert.is((message as RequestUpdate).request?.id, 'r-1');
    break;
  }
  await cancelled;
});

test('the server going away mid-stream: UNAVAILABLE (what `cti wait` re-attaches on)', async () => {
  const other = await startGrpcJs();
  handlers.watchRequests = (call) => void call.write(update('r-1'));
  const stream = api(other.address).watch({ id: 'r-1', all: false });
  const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
  const ended = collect(stream);
  await first;
  other.server.forceShutdown();
  const { messages, error } = await ended;
  assert.is(messages.length, 1);
  assert.is(error?.code, status.UNAVAILABLE);
  assert.is(failureOf(error, other.address).exitCode, 3);
});

test('connect to a port nobody listens on: CliError unreachable at once, exit 3', async () => {
  const server = `127.0.0.1:${await closedPort()}`;
  const started = Date.now();
  const err = await rejectionOf(api(server).connect());
  assert.ok(isCliError(err) && err.code === 'unreachable', String(err));
  assert.ok(Date.now() - started < 4000, 'before the connect deadline');
  assert.is(failureOf(err, server).exitCode, 3);
});

test('a call to a port nobody listens on fails UNAVAILABLE', async () => {
  const err = await failure(api(`127.0.0.1:${await closedPort()}`).status());
  assert.is(err.code, status.UNAVAILABLE);
});

test('reconnect keeps dialling until ctid is back', async () => {
  const port = await closedPort();
  const client = api(`127.0.0.1:${port}`);
  const reconnected = client.reconnect(10_000);
  const late = await startGrpcJs(port);
  try {
    await reconnected;
    handlers.getStatus = (_call, callback) => callback(null, GetStatusResponse.fromPartial({ office: 'b' }));
    assert.is((await client.status()).office, 'b');
  } finally {
    late.server.forceShutdown();
  }
});

test('reconnect gives up at its deadline: CliError unreachable', async () => {
  const err = await rejectionOf(api(`127.0.0.1:${await closedPort()}`).reconnect(300));
  assert.ok(isCliError(err) && err.code === 'unreachable', String(err));
});

test('the deadline: DEADLINE_EXCEEDED (exit 3), and ctid is told it (grpc-timeout)', async () => {
  let deadline = Infinity;
  const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
  handlers.getStatus = (call) => {
    deadline = Number(call.getDeadline());
    call.on('cancelled', () => serverSawCancel());
  };
  const channel = new Channel(address);
  opened.push(channel);
  const client = new ServiceClient(CtiServiceDefinition, channel, {}, 200);
  const err = await failure(client.unary('getStatus', {}));
  assert.is(err.code, status.DEADLINE_EXCEEDED);
  assert.is(failureOf(err, address).exitCode, 3);
  await cancelled;
  assert.ok(deadline < Date.now() + 1000, `deadline ${deadline}`);
});

test('a stream of several MB arrives whole: cti acknowledges what it reads (WINDOW_UPDATE), so the server never stalls', async () => {
  const count = 100;
  const padding = 'x'.repeat(65_000);
  handlers.watchRequests = async (call) => {
    for (let i = 0; i < count; i++) if (!call.write(update(`r-${i}-${padding}`))) await new Promise((resolve) => call.once('drain', resolve));
    call.end();
  };
  const { messages, error } = await collect(api().watch({ id: '', all: true }));
  assert.is(error, undefined);
  assert.is(messages.length, count);
  assert.equal(messages.map((m) => m.request?.id.split('-')[1]), Array.from({ length: count }, (_, i) => String(i)));
});

test('a graceful shutdown mid-stream (GOAWAY): the open stream still ends OK; the next call dials anew and finds no one (UNAVAILABLE)', async () => {
  const other = await startGrpcJs();
  let finish: () => void = () => {};
  handlers.watchRequests = (call) => {
    call.write(update('r-1'));
    finish = () => {
      call.write(update('r-2'));
      call.end();
    };
  };
  const client = api(other.address);
  const stream = client.watch({ id: 'r-1', all: false });
  const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
  const ended = collect(stream);
  await first;
  const shutDown = new Promise<void>((resolve) => other.server.tryShutdown(() => resolve()));
  finish();
  const { messages, error } = await ended;
  assert.is(error, undefined);
  assert.is(messages.length, 2);
  await shutDown;
  assert.is((await failure(client.status())).code, status.UNAVAILABLE);
});

// ------------------------------------------------ what only a bare HTTP/2 server sends

/** A node:http2 server whose every stream `answer` handles. */
async function bare(answer: (stream: ServerHttp2Stream) => void): Promise<{ server: Http2Server; address: string }> {
  const h2 = createServer();
  h2.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    answer(stream);
  });
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  return { server: h2, address: `127.0.0.1:${(h2.address() as { port: number }).port}` };
}

async function statusFrom(answer: (stream: ServerHttp2Stream) => void): Promise<{ code: number; details: string }> {
  const { server: h2, address: at } = await bare(answer);
  try {
    return await failure(api(at).status());
  } finally {
    h2.close();
  }
}

test('a trailers-only error: status and message from the one header block', async () => {
  const err = await statusFrom((stream) =>
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'token%20refused%3A%20%E2%80%9Cx%E2%80%9D' }, { endStream: true }),
  );
  assert.equal([err.code, err.details], [status.UNAUTHENTICATED, 'token refused: “x”']);
});

test('an HTTP status other than 200 is mapped as gRPC maps it (503: UNAVAILABLE)', async () => {
  const err = await statusFrom((stream) => stream.respond({ ':status': 503 }, { endStream: true }));
  assert.is(err.code, status.UNAVAILABLE);
});

test('a compressed message is refused (INTERNAL)', async () => {
  const err = await statusFrom((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from([1, 0, 0, 0, 0]));
  });
  assert.is(err.code, status.INTERNAL);
  assert.match(err.details, /compressed/);
});

test('a message over the size cap is refused (RESOURCE_EXHAUSTED)', async () => {
  const err = await statusFrom((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.end(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]));
  });
  assert.is(err.code, status.RESOURCE_EXHAUSTED);
});

test('an answer without grpc-status is UNKNOWN', async () => {
  const err = await statusFrom((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.end();
  });
  assert.is(err.code, status.UNKNOWN);
});

test('GOAWAY before ctid took the call: UNAVAILABLE (exit 3); the next call dials a new connection', async () => {
  const { server: h2, address: at } = await bare((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame(GetStatusResponse.encode(GetStatusResponse.fromPartial({ office: 'again' })).finish()));
  });
  let sessions = 0;
  // The first connection is told at once that no stream of it will be processed (last stream id 0).
  h2.on('session', (session: ServerHttp2Session) => ++sessions === 1 && session.goaway(0, 0));
  try {
    const client = api(at);
    const err = await failure(client.status());
    assert.equal([err.code, err.details], [status.UNAVAILABLE, 'connection closed']);
    assert.is(failureOf(err, at).exitCode, 3);
    assert.is((await client.status()).office, 'again');
    assert.is(sessions, 2);
  } finally {
    h2.close();
  }
});

test('a consumer that stops reading holds the server back (no acknowledgement while paused), and gets everything once it reads', async () => {
  const count = 256; // 16 KB each: four times the stream's window
  const padding = 'x'.repeat(16_000);
  let flushed = 0;
  let serving: (session: ServerHttp2Session) => void = () => {};
  const served = new Promise<ServerHttp2Session>((resolve) => (serving = resolve));
  const { server: h2, address: at } = await bare((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    for (let i = 0; i < count; i++) stream.write(frame(RequestUpdate.encode(update(`r-${i}-${padding}`)).finish()), () => flushed++);
    stream.end();
    serving(stream.session as ServerHttp2Session);
  });
  try {
    const stream = api(at).watch({ id: '', all: true }); // nobody reads it yet
    const session = await served;
    // The server is held back once PING round trips go by with nothing more sent.
    for (let quiet = 0, before = -1, pings = 0; quiet < 3 && pings < 500; pings++) {
      quiet = flushed === before ? quiet + 1 : 0;
      before = flushed;
      await new Promise((resolve) => session.ping(resolve));
    }
    assert.ok(flushed < count / 2, `the server sent ${flushed} of ${count} messages to a consumer that read none`);
    const { messages, error } = await collect(stream);
    assert.is(error, undefined);
    assert.is(messages.length, count);
  } finally {
    h2.close();
  }
});

test('a peer that is not an HTTP/2 server: UNAVAILABLE saying so (exit 3), no crash', async () => {
  const tcp = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const at = `127.0.0.1:${(tcp.address() as { port: number }).port}`;
  try {
    const err = await failure(api(at).status());
    assert.is(err.code, status.UNAVAILABLE);
    assert.equal(failureOf(err, at), {
      exitCode: 3,
      message: `ctid at ${at} is unavailable: connection failed: HTTP/2 protocol error: the server does not speak HTTP/2 (its first frame is not SETTINGS)`,
    });
  } finally {
    tcp.close();
  }
});

test.run();
