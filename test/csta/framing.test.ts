// The 8-byte CSTA framing alone (csta-link.md "Framing"): frames split and
// packed any way, every bad header, and the memory bound.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCstaProtocolError, type ProtocolErrorCode } from '../../src/csta/errors.js';
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES, type RawFrame } from '../../src/csta/framing.js';

const XML = '<?xml version="1.0" encoding="UTF-8"?><SystemStatus><systemStatus>normal ✓ 日本</systemStatus></SystemStatus>';

function header(bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

function codeOf(fn: () => unknown): ProtocolErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (isCstaProtocolError(err)) return err.code;
    throw err;
  }
  return undefined;
}

test('encodeFrame writes the indicator, the total length and four invoke-id digits', () => {
  const frame = encodeFrame(42, XML);
  assert.equal([...frame.subarray(0, 4)], [0, 0, frame.length >> 8, frame.length & 0xff]);
  assert.equal(frame.toString('latin1', 4, 8), '0042');
  assert.equal(frame.length, 8 + Buffer.byteLength(XML));
  assert.equal(encodeFrame(9999, 'x').toString('latin1', 4, 8), '9999');
});

test('encodeFrame refuses invoke ids outside 1-9999 and frames over 65535 bytes', () => {
  for (const id of [0, -1, 10000, 1.5, NaN]) assert.throws(() => encodeFrame(id, XML), RangeError);
  assert.throws(() => encodeFrame(1, 'x'.repeat(MAX_FRAME_BYTES - 8 + 1)), RangeError);
  assert.is(encodeFrame(1, 'x'.repeat(MAX_FRAME_BYTES - 8)).length, MAX_FRAME_BYTES);
  assert.throws(() => encodeFrame(1, 'é'.repeat(MAX_FRAME_BYTES / 2)), RangeError, 'the limit counts UTF-8 bytes, not characters');
});

test('a frame split at every byte position decodes the same', () => {
  const frame = encodeFrame(7, XML);
  for (let cut = 0; cut <= frame.length; cut++) {
    const decoder = new FrameDecoder();
    const got = [...decoder.push(frame.subarray(0, cut)), ...decoder.push(frame.subarray(cut))];
    assert.equal(got, [{ invokeId: 7, xml: XML }], `cut at ${cut}`);
    assert.is(decoder.bufferedBytes, 0);
  }
});

test('a frame fed one byte at a time, and frames packed into one chunk', () => {
  const frames = [encodeFrame(1, XML), encodeFrame(9999, '<a/>'), encodeFrame(9998, XML)];
  const expected: RawFrame[] = [
    { invokeId: 1, xml: XML },
    { invokeId: 9999, xml: '<a/>' },
    { invokeId: 9998, xml: XML },
  ];
  const all = Buffer.concat(frames);
  assert.equal(new FrameDecoder().push(all), expected);

  const decoder = new FrameDecoder();
  const got: RawFrame[] = [];
  for (let i = 0; i < all.length; i++) got.push(...decoder.push(all.subarray(i, i + 1)));
  assert.equal(got, expected);

  // A chunk boundary inside the second frame's header, with the first frame whole before it.
  const split = new FrameDecoder();
  const at = frames[0].length + 3;
  assert.equal([...split.push(all.subarray(0, at)), ...split.push(all.subarray(at))], expected);
});

test('each bad header gives its own code, as soon as the header is in', () => {
  const cases: [number[], ProtocolErrorCode][] = [
    [[0x01, 0, 0, 20, 0x30, 0x30, 0x30, 0x31], 'bad-header'],
    [[0, 0x3c, 0, 20, 0x30, 0x30, 0x30, 0x31], 'bad-header'],
    [[0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54], 'bad-header'], // "GET / HT"
    [[0, 0, 0, 8, 0x30, 0x30, 0x30, 0x31], 'bad-length'],
    [[0, 0, 0, 0, 0x30, 0x30, 0x30, 0x31], 'bad-length'],
    [[0, 0, 0, 20, 0x30, 0x30, 0x30, 0x30], 'bad-invoke-id'],
    [[0, 0, 0, 20, 0x30, 0x30, 0x41, 0x31], 'bad-invoke-id'],
    [[0, 0, 0, 20, 0x20, 0x20, 0x20, 0x31], 'bad-invoke-id'],
  ];
  for (const [bytes, code] of cases) {
    assert.is(codeOf(() => new FrameDecoder().push(header(bytes))), code, JSON.stringify(bytes));
    // Byte by byte: nothing until the 8th byte, then the error.
    const decoder = new FrameDecoder();
    for (let i = 0; i < 7; i++) assert.equal(decoder.push(header(bytes.slice(i, i + 1))), []);
    assert.is(codeOf(() => decoder.push(header(bytes.slice(7)))), code);
  }
});

test('a huge declared length is refused from the header alone', () => {
  const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
  assert.is(codeOf(() => decoder.push(header([0, 0, 0xff, 0xff, 0x30, 0x30, 0x30, 0x31]))), 'too-large');
  assert.is(codeOf(() => new FrameDecoder({ maxFrameBytes: 1024 }).push(header([0, 0, 4, 1, 0x30, 0x30, 0x30, 0x31]))), 'too-large');
  assert.equal(new FrameDecoder({ maxFrameBytes: 1024 }).push(header([0, 0, 4, 0, 0x30, 0x30, 0x30, 0x31])), [], '1024 itself is fine');
});

test('after an error the decoder stays failed and holds nothing', () => {
  const decoder = new FrameDecoder();
  const frame = encodeFrame(1, XML);
  decoder.push(frame.subarray(0, 20));
  assert.is(codeOf(() => decoder.push(Buffer.concat([frame.subarray(20), header([1, 0, 0, 0, 0, 0, 0, 0])]))), 'bad-header');
  assert.is(decoder.bufferedBytes, 0);
  assert.is(codeOf(() => decoder.push(encodeFrame(1, XML))), 'bad-header');
});

test('invalid UTF-8 in a body is malformed-xml, never replaced', () => {
  const body = Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]);
  const frame = Buffer.concat([header([0, 0, 0, 8 + body.length, 0x30, 0x30, 0x30, 0x31]), body]);
  assert.is(codeOf(() => new FrameDecoder().push(frame)), 'malformed-xml');
  const split = new FrameDecoder();
  split.push(frame.subarray(0, 10));
  assert.is(codeOf(() => split.push(frame.subarray(10))), 'malformed-xml');
});

test('memory bound: many partial chunks never make the decoder hold more than one frame', () => {
  const max = 4096;
  const decoder = new FrameDecoder({ maxFrameBytes: max });
  const big = encodeFrame(3, 'y'.repeat(max - 8));
  let frames = 0;
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < big.length; i += 13) {
      frames += decoder.push(big.subarray(i, Math.min(i + 13, big.length))).length;
      assert.ok(decoder.bufferedBytes <= max, `holds ${decoder.bufferedBytes} bytes`);
    }
  }
  assert.is(frames, 20);
  assert.is(decoder.bufferedBytes, 0);
});

test('maxFrameBytes outside 9-65535 is a RangeError', () => {
  for (const max of [8, 0, 65536, 100.5]) assert.throws(() => new FrameDecoder({ maxFrameBytes: max }), RangeError);
});

test.run();
