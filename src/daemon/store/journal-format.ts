// The journal's on-disk format. A journal is a sequence of frames, one per
// group commit, each holding a JSON array of operations:
//
//   u32le payload length | u32le CRC32(payload) | u32le CRC32(the 8 bytes before) | payload
//
// The header has its own CRC so a damaged length is recognised without
// trusting it. After the last frame the file holds zeros (the writer
// preallocates, see journal.ts).
//
// The writer fsyncs each frame before it writes the next (and before it
// switches to the next file), so only the last frame written can be
// incomplete after a crash, and none of its operations was acknowledged:
// dropping it is safe. Anything else that fails its CRC while a valid frame
// follows is damage to acknowledged data, and reading refuses.

import { crc32 } from 'node:zlib';

const HEADER_BYTES = 12;

export function encodeFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.write(payload, HEADER_BYTES, 'utf8');
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER_BYTES)), 4);
  frame.writeUInt32LE(crc32(frame.subarray(0, 8)), 8);
  return frame;
}

/** The end of the valid frame starting at `at`, or undefined if there is none. */
function frameEnd(buf: Buffer, at: number): number | undefined {
  if (at + HEADER_BYTES > buf.length) return undefined;
  if (crc32(buf.subarray(at, at + 8)) !== buf.readUInt32LE(at + 8)) return undefined;
  const end = at + HEADER_BYTES + buf.readUInt32LE(at);
  if (end > buf.length || crc32(buf.subarray(at + HEADER_BYTES, end)) !== buf.readUInt32LE(at + 4)) return undefined;
  return end;
}

function lastNonZero(buf: Buffer): number {
  let i = buf.length - 1;
  while (i >= 0 && buf[i] === 0) i--;
  return i;
}

export class JournalCorruptError extends Error {
  constructor(path: string, offset: number, why: string) {
    super(
      `journal ${path} is corrupt at byte ${offset} (${why}); refusing to start rather than lose acknowledged requests: ` +
        'restore the data directory from a backup, or move the journal aside to start without the requests it holds',
    );
    this.name = 'JournalCorruptError';
  }
}

export interface JournalContents {
  ops: unknown[];
  /** Where the valid frames end: the next frame goes here. */
  end: number;
  /**
   * Whether an incomplete last frame was dropped. Only the last frame written
   * can be torn: the caller refuses it if a later journal holds frames.
   */
  torn: boolean;
}

/** Reads a journal's operations. */
export function readJournal(buf: Buffer, path: string): JournalContents {
  const ops: unknown[] = [];
  let at = 0;
  for (let end = frameEnd(buf, at); end !== undefined; at = end, end = frameEnd(buf, at)) {
    let batch: unknown;
    try {
      batch = JSON.parse(buf.toString('utf8', at + HEADER_BYTES, end));
    } catch (error) {
      throw new JournalCorruptError(path, at, `frame is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(batch)) throw new JournalCorruptError(path, at, 'frame is not a list of operations');
    for (const op of batch) ops.push(op);
  }
  const last = lastNonZero(buf);
  if (last < at) return { ops, end: at, torn: false };
  // Bytes remain that are no frame. A valid frame after them proves they were
  // once a complete, fsynced frame. The scan is short for a genuine torn tail
  // (one group commit); zeros cannot form a header, so it stops at `last`.
  for (let i = at + 1; i <= last; i++) {
    if (frameEnd(buf, i) !== undefined) throw new JournalCorruptError(path, at, `damaged frame, valid data follows at byte ${i}`);
  }
  return { ops, end: at, torn: true };
}
