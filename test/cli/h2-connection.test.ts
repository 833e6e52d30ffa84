// cti's HTTP/2 connection (src/cli/rpc/h2/connection.ts) against real
// peers: node:http2 servers for what a correct server does (small windows,
// header blocks over CONTINUATION both ways, PING, RST_STREAM both ways,
// GOAWAY), and raw TCP servers for what a broken one does: each breach ends
// the connection with a GOAWAY naming the error, and the calls on it with
// a sentence saying what went wrong, never a crash. A seeded fuzzer sends
// random bytes after a valid SETTINGS. A relay that goes silent stands for
// a ctid whose host went down: the keepalive PING notices it.

import fc from 'fast-check';
import { constants, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StreamEnd } from '../../src/cli/rpc/h2/client-stream.js';
import { H2Connection, type Keepalive } from '../../src/cli/rpc/h2/connection.js';
import { encodeFrame, ErrorCode, Flag, FrameReader, FrameType, type Frame } from '../../src/cli/rpc/h2/frame.js';
import { exchange, h2Server } from '../helpers/h2.js';

const closing: { close(): void }[] = [];
test.after.each(() => {
  closing.splice(0).forEach((c) => c.close());
});

function connectTo(address: string, keepalive?: Keepalive): H2Connection {
  const connection = new H2Connection(address, keepalive);
  closing.push(connection);
  return connection;
}

async function serve(answer: (stream: ServerHttp2Stream) => void, options = {}): Promise<{ address: string; sessions: ServerHttp2Session[] }> {
  const { server, address } = await h2Server(answer, options);
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (session) => sessions.push(session));
  closing.push({ close: () => (sessions.forEach((s) => s.destroy()), server.close()) });
  return { address, sessions };
}

/** Answers with the request body's length and its x-echo header's length. */
const measure = (stream: ServerHttp2Stream, headers: Record<string, unknown>): void => {
  let length = 0;
  stream.on('data', (chunk: Buffer) => (length += chunk.length));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'x-length': String(length), 'x-echo-length': String(String(headers['x-echo'] ?? '').length) });
    stream.end();
  });
};

test('a request body larger than the server lets us send at once goes out as its windows open', async () => {
  const { server, address } = await h2Server(() => {}, { settings: { initialWindowSize: 1000 } });
  closing.push(server);
  server.on('stream', (stream, headers) => measure(stream, headers));
  const body = Buffer.alloc(300_000, 7);
  const { blocks, end } = await exchange(connectTo(address), '/', body);
  assert.equal(end, { kind: 'ended' });
  assert.is(blocks[0]!['x-length'], String(body.length));
});

test('header blocks over several frames both ways (HEADERS + CONTINUATION)', async () => {
  const big = 'v'.repeat(40_000);
  const { server, address } = await h2Server(
    (stream) => {
      stream.respond({ ':status': 200, 'x-big': big });
      stream.end();
    },
    { settings: { maxHeaderListSize: 100_000 } },
  );
  closing.push(server);
  let received = '';
  server.on('stream', (_stream, headers) => (received = String(headers['x-echo'])));
  const { blocks, end } = await exchange(connectTo(address), '/', Buffer.alloc(0), [['x-echo', big]]);
  assert.equal(end, { kind: 'ended' });
  assert.is(received, big);
  assert.is(blocks[0]!['x-big'], big);
});

test("the server's PING is answered", async () => {
  const { address, sessions } = await serve((stream) => {
    stream.respond({ ':status': 200 });
    stream.end();
  });
  await exchange(connectTo(address));
  const pinged = await new Promise<boolean>((resolve) => sessions[0]!.ping((err) => resolve(!err)));
  assert.ok(pinged);
});

test('RST_STREAM from the server ends the stream with its code', async () => {
  const { address } = await serve((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
  const { end } = await exchange(connectTo(address));
  assert.equal(end, { kind: 'reset', code: ErrorCode.REFUSED_STREAM });
});

test('our reset: the server sees the stream closed with CANCEL, and the connection serves the next one', async () => {
  let closedWith: (code: number) => void = () => {};
  const sawClose = new Promise<number>((resolve) => (closedWith = resolve));
  let first = true;
  const { address } = await serve((stream) => {
    if (first) {
      first = false;
      stream.on('close', () => closedWith(stream.rstCode));
      stream.respond({ ':status': 200 });
      stream.write('partial');
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end('second');
  });
  const connection = connectTo(address);
  const cancelled = connection.request([[':method', 'POST'], [':path', '/']], {
    headers: () => {},
    data: () => cancelled.reset(ErrorCode.CANCEL),
    close: () => assert.unreachable('no close after our own reset'),
  });
  cancelled.end(Buffer.alloc(0));
  assert.is(await sawClose, constants.NGHTTP2_CANCEL);
  const { body } = await exchange(connection);
  assert.is(body.toString(), 'second');
});

test('GOAWAY: streams above its last stream id fail (lost), the ones below finish, no new streams', async () => {
  const held: ServerHttp2Stream[] = [];
  const { address, sessions } = await serve((stream) => {
    held.push(stream);
    if (held.length < 3) return;
    sessions[0]!.goaway(constants.NGHTTP2_NO_ERROR, held[1]!.id);
    for (const s of held.slice(0, 2)) {
      s.respond({ ':status': 200 });
      s.end(`answer ${s.id}`);
    }
  });
  const connection = connectTo(address);
  const results = await Promise.all([exchange(connection), exchange(connection), exchange(connection)]);
  assert.equal(
    results.map((r) => [r.end.kind, r.body.toString()]),
    [['ended', 'answer 1'], ['ended', 'answer 3'], ['lost', '']],
  );
  assert.is(connection.acceptsStreams, false);
  assert.equal((await exchange(connection)).end, { kind: 'lost', error: undefined });
});

// ------------------------------------------------------------ a peer that breaks the protocol

const SETTINGS = encodeFrame(FrameType.SETTINGS, 0, 0);
const PREFACE_BYTES = 24;

interface RawPeer {
  address: string;
  /** Resolves with the frames cti sent, once cti has closed the connection. */
  framesSent: Promise<Frame[]>;
}

/** A TCP server that answers cti's preface with `reply` (and then closes, if `thenClose`). */
async function rawPeer(reply: Buffer, thenClose = false): Promise<RawPeer> {
  let done: (frames: Frame[]) => void = () => {};
  const framesSent = new Promise<Frame[]>((resolve) => (done = resolve));
  const server: Server = createServer((socket: Socket) => {
    const frames: Frame[] = [];
    const reader = new FrameReader((frame) => frames.push(frame), 1 << 24);
    let received = Buffer.alloc(0);
    let replied = false;
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!replied && received.length >= PREFACE_BYTES) {
        replied = true;
        reader.push(received.subarray(PREFACE_BYTES));
        socket.write(reply);
        if (thenClose) socket.end();
      } else if (replied) reader.push(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => done(frames));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(server);
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, framesSent };
}

const headersFrame = (streamId: number, block: string, flags: number = Flag.END_HEADERS): Buffer => encodeFrame(FrameType.HEADERS, flags, streamId, Buffer.from(block, 'hex'));
/** `:status: 200` from the static table. */
const STATUS_200 = '88';

async function breach(reply: Buffer): Promise<{ message: string; goawayCode: number | undefined }> {
  const peer = await rawPeer(reply);
  const { end } = await exchange(connectTo(peer.address));
  assert.is(end.kind, 'lost');
  const goaway = (await peer.framesSent).find((f) => f.type === FrameType.GOAWAY);
  return { message: (end as { error?: Error }).error?.message ?? '', goawayCode: goaway?.payload.readUInt32BE(4) };
}

/** A TCP relay to `target` that can go silent: frozen, it passes nothing either way and closes nothing, as a host that went down would. */
async function relay(target: string): Promise<{ address: string; freeze(): void }> {
  const [host, port] = target.split(':');
  let frozen = false;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    sockets.push(client, upstream);
    client.on('data', (bytes: Buffer) => frozen || upstream.write(bytes));
    upstream.on('data', (bytes: Buffer) => frozen || client.write(bytes));
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push({ close: () => (sockets.forEach((s) => s.destroy()), server.close()) });
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, freeze: () => (frozen = true) };
}

/** A call whose response starts and never ends; resolves once its headers came. */
async function openCall(connection: H2Connection): Promise<{ ended: Promise<StreamEnd>; end: () => StreamEnd | undefined }> {
  let end: StreamEnd | undefined;
  let started!: () => void;
  const headers = new Promise<void>((resolve) => (started = resolve));
  const ended = new Promise<StreamEnd>((resolve) => {
    connection.request([[':method', 'POST'], [':path', '/']], { headers: () => started(), data: () => {}, close: (e) => resolve((end = e)) }).end(Buffer.alloc(0));
  });
  await headers;
  return { ended, end: () => end };
}

test('a server gone silent mid-call (no FIN, as a host that went down): an unanswered PING ends the call, saying so', async () => {
  const { address } = await serve((stream) => stream.respond({ ':status': 200 }));
  const silent = await relay(address);
  const connection = connectTo(silent.address, { intervalMs: 50, timeoutMs: 100 });
  const call = await openCall(connection);
  silent.freeze();
  const end = await call.ended;
  assert.is(end.kind, 'lost');
  assert.is(end.kind === 'lost' ? end.error?.message : undefined, 'ctid stopped answering (no answer to a ping within 0.1 s)');
  assert.is(connection.state, 'closed');
});

test('an idle call on a live server is kept: its PINGs are answered', async () => {
  const { address, sessions } = await serve((stream) => stream.respond({ ':status': 200 }));
  const connection = connectTo(address, { intervalMs: 20, timeoutMs: 50 });
  const call = await openCall(connection);
  await new Promise<void>((resolve) => {
    let pings = 0;
    sessions[0]!.on('ping', () => ++pings === 5 && resolve());
  });
  assert.is(call.end(), undefined, 'the call is still open');
  assert.is(connection.state, 'open');
});

test('a peer that does not speak HTTP/2 (an HTTP/1.1 answer): the call fails saying so', async () => {
  const { message, goawayCode } = await breach(Buffer.from('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
  assert.is(message, 'HTTP/2 protocol error: the server does not speak HTTP/2 (its first frame is not SETTINGS)');
  assert.is(goawayCode, ErrorCode.PROTOCOL_ERROR);
});

test('protocol breaches end the connection with GOAWAY and the matching error code', async () => {
  const cases: [what: string, reply: Buffer, code: number, pattern: RegExp][] = [
    ['DATA on stream 0', encodeFrame(FrameType.DATA, 0, 0, Buffer.from('x')), ErrorCode.PROTOCOL_ERROR, /stream 0/],
    ['a frame over 16384 bytes', encodeFrame(FrameType.DATA, 0, 1, Buffer.alloc(20_000)), ErrorCode.FRAME_SIZE_ERROR, /20000 bytes/],
    ['a malformed header block', headersFrame(1, '80'), ErrorCode.COMPRESSION_ERROR, /index 0/],
    ['PUSH_PROMISE', encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.from('00000002', 'hex')), ErrorCode.PROTOCOL_ERROR, /PUSH_PROMISE/],
    ['a header block cut by a PING', Buffer.concat([headersFrame(1, STATUS_200, 0), encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8))]), ErrorCode.PROTOCOL_ERROR, /cut/],
    ['DATA before the response headers', encodeFrame(FrameType.DATA, 0, 1, Buffer.from('x')), ErrorCode.PROTOCOL_ERROR, /before the response headers/],
    ['a stream cti never opened', headersFrame(3, STATUS_200), ErrorCode.PROTOCOL_ERROR, /never opened/],
    ['a WINDOW_UPDATE of 0', encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4)), ErrorCode.PROTOCOL_ERROR, /WINDOW_UPDATE of 0/],
    ['a PING of 3 bytes', encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(3)), ErrorCode.FRAME_SIZE_ERROR, /PING of 3 bytes/],
    ['a bad max frame size', encodeFrame(FrameType.SETTINGS, 0, 0, Buffer.from('000500000001', 'hex')), ErrorCode.PROTOCOL_ERROR, /max frame size/],
    ['trailers without END_STREAM', Buffer.concat([headersFrame(1, STATUS_200), headersFrame(1, STATUS_200)]), ErrorCode.PROTOCOL_ERROR, /trailers without END_STREAM/],
  ];
  for (const [what, frames, code, pattern] of cases) {
    const { message, goawayCode } = await breach(Buffer.concat([SETTINGS, frames]));
    assert.is(goawayCode, code, what);
    assert.match(message, pattern, what);
    assert.match(message, /^HTTP\/2 protocol error: /, what);
  }
});

test('DATA beyond the window of a paused stream: FLOW_CONTROL_ERROR (pausing stopped the acknowledgements); the end comes once resumed', async () => {
  const data = Buffer.concat(Array.from({ length: 65 }, () => encodeFrame(FrameType.DATA, 0, 1, Buffer.alloc(16_384))));
  const peer = await rawPeer(Buffer.concat([SETTINGS, headersFrame(1, STATUS_200), data]));
  const connection = connectTo(peer.address);
  let paused = false;
  let ended: (end: { kind: string; error?: Error }) => void = () => {};
  const end = new Promise<{ kind: string; error?: Error }>((resolve) => (ended = resolve));
  const stream = connection.request([[':method', 'POST'], [':path', '/']], {
    headers: () => {},
    data: () => {
      if (!paused) stream.pause();
      paused = true;
    },
    close: ended,
  });
  stream.end(Buffer.alloc(0));
  const frames = await peer.framesSent;
  assert.is(frames.find((f) => f.type === FrameType.GOAWAY)?.payload.readUInt32BE(4), ErrorCode.FLOW_CONTROL_ERROR);
  assert.ok(!frames.some((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1), 'no WINDOW_UPDATE for the paused stream');
  stream.resume();
  assert.match((await end).error?.message ?? '', /more DATA than stream 1's window allows/);
});

test('fuzz: random bytes after a valid SETTINGS, then the peer closes: the call always ends, nothing throws', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
      const peer = await rawPeer(Buffer.concat([SETTINGS, Buffer.from(bytes)]), true);
      const connection = connectTo(peer.address);
      const { end } = await exchange(connection);
      assert.ok(['lost', 'reset', 'ended'].includes(end.kind));
      connection.close();
    }),
    { numRuns: 60 },
  );
});

test.run();
