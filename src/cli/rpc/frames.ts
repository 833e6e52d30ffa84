// gRPC's message framing (PROTOCOL-HTTP2.md, Length-Prefixed-Message): one
// byte compressed-flag, four bytes big-endian length, the message. The CLI
// never asks for compression, so a compressed message is refused, and so is
// one larger than the client accepts (grpc-js's default, 4 MiB).

import { GRPC } from '../exit-codes.js';
import { RpcError } from './status.js';

const PREFIX_BYTES = 5;
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, PREFIX_BYTES);
  return framed;
}

/** Collects DATA chunks and hands out whole messages; throws RpcError on what it refuses. */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= PREFIX_BYTES) {
      if (this.pending[0] !== 0) throw new RpcError(GRPC.INTERNAL, 'ctid sent a compressed message, which cti never asks for');
      const length = this.pending.readUInt32BE(1);
      if (length > this.maxBytes) throw new RpcError(GRPC.RESOURCE_EXHAUSTED, `ctid sent a message of ${length} bytes (at most ${this.maxBytes} accepted)`);
      if (this.pending.length < PREFIX_BYTES + length) break;
      messages.push(this.pending.subarray(PREFIX_BYTES, PREFIX_BYTES + length));
      this.pending = this.pending.subarray(PREFIX_BYTES + length);
    }
    return messages;
  }

  /** Whether a message was cut off by the end of the response. */
  get partial(): boolean {
    return this.pending.length > 0;
  }
}
