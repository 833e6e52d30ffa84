// HTTP/2 framing (RFC 9113 section 4): a 9-byte header (24-bit payload
// length, type, flags, reserved bit and 31-bit stream id), then the payload.
// FrameReader cuts the bytes a socket delivers into frames; encodeFrame
// makes one. What a frame means is connection.ts's business.

import { ConnectionError } from './errors.js';

export const FrameType = {
  DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4,
  PUSH_PROMISE: 0x5, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9,
} as const;

/** Flag bits (section 6); ACK shares END_STREAM's bit on SETTINGS and PING. */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Section 7. */
export const ErrorCode = {
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3, SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa, ENHANCE_YOUR_CALM: 0xb, INADEQUATE_SECURITY: 0xc, HTTP_1_1_REQUIRED: 0xd,
} as const;

/** SETTINGS_MAX_FRAME_SIZE's initial value; cti never asks for more. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

const HEADER_BYTES = 9;
const EMPTY = Buffer.alloc(0);

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer = EMPTY): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  bytes.writeUIntBE(payload.length, 0, 3);
  bytes[3] = type;
  bytes[4] = flags;
  bytes.writeUInt32BE(streamId, 5);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

/** A frame whose payload is one 32-bit number: RST_STREAM's error code, WINDOW_UPDATE's increment. */
export function encodeUint32Frame(type: number, streamId: number, value: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value, 0);
  return encodeFrame(type, 0, streamId, payload);
}

/**
 * Hands out whole frames as bytes arrive. Throws ConnectionError on a frame
 * larger than we allow (FRAME_SIZE_ERROR) and when the server's first frame
 * is not SETTINGS (section 3.4): then it is not an HTTP/2 server at all.
 */
export class FrameReader {
  private pending: Buffer = EMPTY;
  private sawFirst = false;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUIntBE(0, 3);
      const type = this.pending[3]!;
      if (!this.sawFirst && type !== FrameType.SETTINGS) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'the server does not speak HTTP/2 (its first frame is not SETTINGS)');
      this.sawFirst = true;
      if (length > this.maxFrameSize) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes (at most ${this.maxFrameSize} allowed)`);
      if (this.pending.length < HEADER_BYTES + length) return;
      const frame = {
        type,
        flags: this.pending[4]!,
        streamId: this.pending.readUInt32BE(5) & 0x7fff_ffff,
        payload: this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length),
      };
      this.pending = this.pending.subarray(HEADER_BYTES + length);
      this.onFrame(frame);
    }
  }
}

/** The payload without its padding (section 6.1): a first byte saying how long the padding is, then content, then padding. */
export function unpadded(frame: Frame): Buffer {
  if ((frame.flags & Flag.PADDED) === 0) return frame.payload;
  const padLength = frame.payload[0];
  if (padLength === undefined || padLength >= frame.payload.length) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'padding longer than the frame');
  return frame.payload.subarray(1, frame.payload.length - padLength);
}
