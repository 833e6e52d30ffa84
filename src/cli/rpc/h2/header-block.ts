// A header block as it arrives (RFC 9113 section 4.3): a HEADERS frame,
// then CONTINUATION frames of the same stream until one carries
// END_HEADERS, and no other frame in between (section 6.10).

import { ConnectionError } from './errors.js';
import { ErrorCode, Flag, FrameType, unpadded, type Frame } from './frame.js';

/** A gRPC response's header block is a few hundred bytes; this much is garbage or an attack. */
const MAX_HEADER_BLOCK = 256 * 1024;
/** What the PRIORITY flag puts before the block (section 6.2), which cti ignores. */
const PRIORITY_BYTES = 5;

export interface HeaderBlock {
  streamId: number;
  /** The HEADERS frame ended the stream (a trailers-only response, or the trailers). */
  endStream: boolean;
  /** Still HPACK-encoded. */
  encoded: Buffer;
}

export class HeaderBlockAssembler {
  private partial: { streamId: number; endStream: boolean; fragments: Buffer[]; size: number } | undefined;

  /** Throws when a block is waiting for its CONTINUATION and `frame` is something else. */
  checkNext(frame: Frame): void {
    if (this.partial !== undefined && frame.type !== FrameType.CONTINUATION) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a header block cut by another frame');
  }

  /** A HEADERS frame: the whole block if it ends here. */
  headers(frame: Frame): HeaderBlock | undefined {
    let fragment = unpadded(frame);
    if (frame.flags & Flag.PRIORITY) {
      if (fragment.length < PRIORITY_BYTES) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'a HEADERS frame too short for its priority');
      fragment = fragment.subarray(PRIORITY_BYTES);
    }
    this.partial = { streamId: frame.streamId, endStream: (frame.flags & Flag.END_STREAM) !== 0, fragments: [], size: 0 };
    return this.add(fragment, frame.flags);
  }

  /** A CONTINUATION frame: the whole block if it ends here. */
  continuation(frame: Frame): HeaderBlock | undefined {
    if (this.partial?.streamId !== frame.streamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a CONTINUATION that continues no header block');
    return this.add(frame.payload, frame.flags);
  }

  private add(fragment: Buffer, flags: number): HeaderBlock | undefined {
    const partial = this.partial!;
    partial.fragments.push(fragment);
    partial.size += fragment.length;
    if (partial.size > MAX_HEADER_BLOCK) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block over ${MAX_HEADER_BLOCK} bytes`);
    if ((flags & Flag.END_HEADERS) === 0) return undefined;
    this.partial = undefined;
    return { streamId: partial.streamId, endStream: partial.endStream, encoded: Buffer.concat(partial.fragments) };
  }
}
