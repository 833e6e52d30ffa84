// CSTA XML over TCP framing (csta-link.md "Framing"): an 8-byte header, then
// one UTF-8 XML document. Bytes in, strings out: no sockets and no XML here,
// so it is tested alone (style.md section 11).
//
//   bytes 0-1  format indicator 0x00 0x00
//   bytes 2-3  total length, header included, big-endian unsigned 16-bit
//   bytes 4-7  invoke id, four ASCII digits 0001-9998; 9999 marks an event

import { isUtf8 } from 'node:buffer';
import { CstaProtocolError } from './errors.js';
import { EVENT_INVOKE_ID } from './messages.js';

export const HEADER_BYTES = 8;
/** The most a 16-bit length field can declare, header included. */
export const MAX_FRAME_BYTES = 0xffff;

/** One frame's invoke id and its XML, not yet parsed. */
export interface RawFrame {
  invokeId: number;
  xml: string;
}

export interface FrameDecoderOptions {
  /** The largest frame accepted, header included: 9 to 65535. Default 65535. */
  maxFrameBytes?: number;
}

/** Frames one XML document. Throws RangeError for an invoke id outside 1-9999 or a frame over 65535 bytes. */
export function encodeFrame(invokeId: number, xml: string): Buffer {
  if (!Number.isInteger(invokeId) || invokeId < 1 || invokeId > EVENT_INVOKE_ID) {
    throw new RangeError(`invoke id must be an integer from 1 to ${EVENT_INVOKE_ID}, got ${invokeId}`);
  }
  const total = HEADER_BYTES + Buffer.byteLength(xml, 'utf8');
  if (total > MAX_FRAME_BYTES) throw new RangeError(`a ${total}-byte frame does not fit the 16-bit length field (at most ${MAX_FRAME_BYTES})`);
  const frame = Buffer.allocUnsafe(total);
  frame[0] = 0;
  frame[1] = 0;
  frame.writeUInt16BE(total, 2);
  for (let i = 7, id = invokeId; i >= 4; i--, id = Math.floor(id / 10)) frame[i] = 0x30 + (id % 10);
  frame.write(xml, HEADER_BYTES, 'utf8');
  return frame;
}

/**
 * Cuts a byte stream into frames, however TCP splits or packs them. A bad
 * header is rejected as soon as its 8 bytes are in (a huge declared length
 * never waits for its body), and the decoder never holds more than one frame:
 * a partial header (8 bytes) or one body buffer sized from its header.
 * Whole frames inside a chunk are decoded in place, without copying.
 * After an error every later push throws the same error: the stream has lost
 * its frame boundaries and the connection must be dropped.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerBytes = 0;
  /** The body of the frame whose header has been read, filled up to bodyBytes. */
  private body: Buffer | undefined;
  private bodyBytes = 0;
  private invokeId = 0;
  private failure: CstaProtocolError | undefined;

  constructor(opts: FrameDecoderOptions = {}) {
    const max = opts.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max <= HEADER_BYTES || max > MAX_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer from ${HEADER_BYTES + 1} to ${MAX_FRAME_BYTES}, got ${max}`);
    }
    this.maxFrameBytes = max;
  }

  /** Bytes held for an unfinished frame (never more than maxFrameBytes). */
  get bufferedBytes(): number {
    return this.headerBytes + (this.body?.length ?? 0);
  }

  /** Returns the frames this chunk completes, in order; throws CstaProtocolError on a bad frame. */
  push(chunk: Buffer): RawFrame[] {
    if (this.failure) throw this.failure;
    try {
      return this.read(chunk);
    } catch (err) {
      this.failure = err as CstaProtocolError;
      this.body = undefined;
      this.headerBytes = 0;
      throw err;
    }
  }

  private read(chunk: Buffer): RawFrame[] {
    const frames: RawFrame[] = [];
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyBytes, end - pos);
        chunk.copy(this.body, this.bodyBytes, pos, pos + n);
        this.bodyBytes += n;
        pos += n;
        if (this.bodyBytes < this.body.length) break;
        frames.push({ invokeId: this.invokeId, xml: utf8(this.body, 0, this.body.length) });
        this.body = undefined;
      } else if (this.headerBytes === 0 && end - pos >= HEADER_BYTES) {
        const total = this.readHeader(chunk, pos);
        if (end - pos >= total) {
          frames.push({ invokeId: this.invokeId, xml: utf8(chunk, pos + HEADER_BYTES, pos + total) });
          pos += total;
        } else {
          this.startBody(total);
          pos += HEADER_BYTES;
        }
      } else {
        const n = Math.min(HEADER_BYTES - this.headerBytes, end - pos);
        chunk.copy(this.header, this.headerBytes, pos, pos + n);
        this.headerBytes += n;
        pos += n;
        if (this.headerBytes < HEADER_BYTES) break;
        this.headerBytes = 0;
        this.startBody(this.readHeader(this.header, 0));
      }
    }
    return frames;
  }

  private startBody(total: number): void {
    this.body = Buffer.allocUnsafe(total - HEADER_BYTES);
    this.bodyBytes = 0;
  }

  /** Checks the header at `at`, remembers its invoke id and returns the frame's total length. */
  private readHeader(buf: Buffer, at: number): number {
    if (buf[at] !== 0 || buf[at + 1] !== 0) {
      throw new CstaProtocolError('bad-header', `bad frame header: format indicator 0x${buf.toString('hex', at, at + 2)}, expected 0x0000`);
    }
    const total = buf.readUInt16BE(at + 2);
    if (total <= HEADER_BYTES) throw new CstaProtocolError('bad-length', `bad frame header: length ${total} is under ${HEADER_BYTES + 1}`);
    if (total > this.maxFrameBytes) throw new CstaProtocolError('too-large', `frame of ${total} bytes is over the ${this.maxFrameBytes}-byte limit`);
    let id = 0;
    for (let i = at + 4; i < at + HEADER_BYTES; i++) {
      const digit = buf[i] - 0x30;
      if (digit < 0 || digit > 9) {
        id = 0;
        break;
      }
      id = id * 10 + digit;
    }
    if (id > 0) {
      this.invokeId = id;
      return total;
    }
    throw new CstaProtocolError('bad-invoke-id', `bad frame header: invoke id ${JSON.stringify(buf.toString('latin1', at + 4, at + HEADER_BYTES))} is not 0001-9999`);
  }
}

/** The XML of a frame; bytes that are not UTF-8 are refused, never replaced. */
function utf8(buf: Buffer, start: number, end: number): string {
  if (!isUtf8(buf.subarray(start, end))) throw new CstaProtocolError('malformed-xml', 'frame body is not valid UTF-8');
  return buf.toString('utf8', start, end);
}
