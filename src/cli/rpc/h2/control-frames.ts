// The payloads of the frames that carry one small record (RFC 9113 section
// 6), checked as the section requires: RST_STREAM, PING, GOAWAY and
// WINDOW_UPDATE; and the GOAWAY cti sends.

import { ConnectionError } from './errors.js';
import { encodeFrame, ErrorCode, FrameType, type Frame } from './frame.js';

const STREAM_ID_MASK = 0x7fff_ffff;

function expectLength(frame: Frame, what: string, ok: (length: number) => boolean): void {
  if (!ok(frame.payload.length)) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a ${what} of ${frame.payload.length} bytes`);
}

function expectConnection(frame: Frame, what: string): void {
  if (frame.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on a stream`);
}

/** Section 6.4: the error code. */
export function resetCode(frame: Frame): number {
  expectLength(frame, 'RST_STREAM', (n) => n === 4);
  return frame.payload.readUInt32BE(0);
}

/** Section 6.7: a PING is 8 bytes, for the connection. */
export function checkPing(frame: Frame): void {
  expectConnection(frame, 'PING');
  expectLength(frame, 'PING', (n) => n === 8);
}

/** Section 6.8. */
export function parseGoaway(frame: Frame): { lastStreamId: number; code: number; debug: string } {
  expectConnection(frame, 'GOAWAY');
  expectLength(frame, 'GOAWAY', (n) => n >= 8);
  return {
    lastStreamId: frame.payload.readUInt32BE(0) & STREAM_ID_MASK,
    code: frame.payload.readUInt32BE(4),
    debug: frame.payload.subarray(8).toString('utf8'),
  };
}

/** Section 6.9: the increment, never 0. */
export function windowIncrement(frame: Frame): number {
  expectLength(frame, 'WINDOW_UPDATE', (n) => n === 4);
  const increment = frame.payload.readUInt32BE(0) & STREAM_ID_MASK;
  if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a WINDOW_UPDATE of 0');
  return increment;
}

/** Our GOAWAY; last stream id 0, since cti accepts no streams from the server. */
export function goaway(code: number, debug = ''): Buffer {
  const payload = Buffer.alloc(8 + Buffer.byteLength(debug));
  payload.writeUInt32BE(code, 4);
  payload.write(debug, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, payload);
}
