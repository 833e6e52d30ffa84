// How CstaConnection hands frames to its socket, on a stream double that
// records every underlying write: the first frame of a tick at once, the rest
// of the tick as one writev; what 'frame' listeners send during a dispatch as
// one write when it returns; order, backpressure, and nothing lost or added
// by close() and destroy().

import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CstaConnection } from '../../src/csta/connection.js';
import { encodeCstaFrame } from '../../src/csta/codec.js';
import { FrameDecoder } from '../../src/csta/framing.js';
import type { CstaFrame, CstaMessage } from '../../src/csta/messages.js';

/** A socket double: what arrives is pushed by the test; each underlying write is recorded with the invoke ids it carried. */
class Wire extends Duplex {
  /** In order: `write 1`, `writev 2 3`, `final`, `destroy`. */
  readonly log: string[] = [];
  /** Callbacks of writes not yet completed, when `hold` is set: a slow peer. */
  readonly held: (() => void)[] = [];
  hold = false;

  constructor(highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { writableHighWaterMark: highWaterMark });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.log.push(`write ${ids([chunk])}`);
    this.complete(callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.log.push(`writev ${ids(chunks.map((c) => c.chunk))}`);
    this.complete(callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.log.push('final');
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.log.push('destroy');
    callback(err);
  }

  private complete(callback: () => void): void {
    if (this.hold) this.held.push(callback);
    else callback();
  }
}

function ids(chunks: Buffer[]): string {
  const frames = new FrameDecoder().push(Buffer.concat(chunks));
  return frames.map((f) => f.invokeId).join(' ');
}

const event = (n: number): CstaMessage => ({ type: 'OutOfServiceEvent', monitorCrossRefId: `m${n}`, device: '2000' });
const frame = (f: CstaFrame) => encodeCstaFrame(f);
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the first frame of a tick is written at once; the rest of that tick leave together, in order, on the next tick', async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire);
  conn.send(1, event(1));
  assert.equal(wire.log, ['write 1'], 'handed to the socket before send() returns, as an uncorked write is');
  conn.send(2, event(2));
  conn.send(3, event(3));
  conn.send(4, event(4));
  assert.equal(wire.log, ['write 1']);
  await nextTick();
  assert.equal(wire.log, ['write 1', 'writev 2 3 4']);
  conn.send(5, event(5));
  assert.equal(wire.log, ['write 1', 'writev 2 3 4', 'write 5'], 'a new tick starts at once again');
  conn.destroy();
});

test('requests of one tick go out together too, and their responses still find them', async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire);
  const requests = [1, 2, 3].map(() => conn.request({ type: 'SystemStatus', systemStatus: 'normal' }));
  await nextTick();
  assert.equal(wire.log, ['write 1', 'writev 2 3']);
  for (const invokeId of [3, 1, 2]) wire.push(frame({ invokeId, message: { type: 'SystemStatusResponse' } }));
  assert.equal(await Promise.all(requests), [{ type: 'SystemStatusResponse' }, { type: 'SystemStatusResponse' }, { type: 'SystemStatusResponse' }]);
  conn.destroy();
});

test("what 'frame' listeners send while a chunk is dispatched leaves as one write when the dispatch returns", async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire);
  conn.on('frame', ({ invokeId }: CstaFrame) => {
    // A switch: the response, then the events it raised.
    conn.send(invokeId, { type: 'SystemStatusResponse' });
    conn.send(9000 + invokeId, event(invokeId));
  });
  let seenAfterDispatch: string[] = [];
  wire.on('data', () => {
    // After the connection's own listener, in the same tick.
    seenAfterDispatch = [...wire.log];
    conn.send(7, event(7));
    conn.send(8, event(8));
  });
  const arrived = once(wire, 'data');
  wire.push(Buffer.concat([1, 2].map((invokeId) => frame({ invokeId, message: { type: 'SystemStatus', systemStatus: 'normal' } }))));
  await arrived;
  await nextTick();
  assert.equal(seenAfterDispatch, ['writev 1 9001 2 9002'], 'one write, before the tick ends');
  assert.equal(wire.log, ['writev 1 9001 2 9002', 'writev 7 8'], 'the rest of that tick coalesces after it');
  conn.destroy();
});

test('a listener that answers and then destroys the connection: the answer is written first, nothing after', async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire);
  conn.on('frame', ({ invokeId }: CstaFrame) => {
    conn.send(invokeId, { type: 'StartApplicationSessionNegResponse', errorCode: 'invalidApplicationInfo' });
    conn.destroy();
    conn.send(99, event(99));
  });
  const closed = once(conn, 'close');
  wire.push(frame({ invokeId: 4, message: { type: 'SystemStatus', systemStatus: 'normal' } }));
  await closed;
  await turn();
  assert.equal(wire.log, ['write 4', 'destroy']);
});

test('destroy(): what was sent earlier in the tick is written before the socket is destroyed; nothing after', async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire);
  conn.send(1, event(1));
  conn.send(2, event(2));
  conn.send(3, event(3));
  conn.destroy();
  conn.send(4, event(4));
  await once(conn, 'close');
  await turn();
  assert.equal(wire.log, ['write 1', 'writev 2 3', 'destroy']);
});

test('close(): what was sent earlier in the tick is written before the end', async () => {
  const wire = new Wire();
  const conn = new CstaConnection(wire, { closeTimeoutMs: 60_000 });
  conn.send(1, event(1));
  conn.send(2, event(2));
  conn.send(3, event(3));
  conn.close();
  conn.send(4, event(4));
  await turn();
  assert.equal(wire.log, ['write 1', 'writev 2 3', 'final']);
  wire.push(null); // the peer ends too
  await once(conn, 'close');
  assert.is(conn.closeError, undefined);
});

test('backpressure is the socket\'s own: writableNeedDrain counts corked frames at once, and drain follows the flush', async () => {
  const probe = encodeCstaFrame({ invokeId: 1, message: event(1) }).length;
  const wire = new Wire(probe * 3 + 1); // room for three frames
  wire.hold = true; // the peer reads nothing until we say
  const conn = new CstaConnection(wire);
  let drains = 0;
  conn.on('drain', () => drains++);
  conn.send(1, event(1));
  conn.send(2, event(2));
  conn.send(3, event(3));
  assert.is(conn.writableNeedDrain, false, 'three frames fit');
  conn.send(4, event(4));
  assert.is(conn.writableNeedDrain, true, 'the fourth, though corked, is over the mark');
  await nextTick();
  assert.equal(wire.log, ['write 1']); // the rest waits behind the write in progress, as it would uncorked
  for (let i = 0; i < 10 && wire.held.length > 0; i++) {
    wire.held.shift()!();
    await turn();
  }
  assert.equal(wire.log, ['write 1', 'writev 2 3 4']);
  assert.is(conn.writableNeedDrain, false);
  assert.is(drains, 1);
  conn.destroy();
});

test.run();
