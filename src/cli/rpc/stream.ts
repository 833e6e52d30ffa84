// A server-streaming call as the commands and the dashboard consume it: an
// object-mode Readable of decoded messages ('data', 'end' after an OK
// status, 'error' with the RpcError otherwise; async iteration), and
// cancel(), which resets the call so that ctid drops its subscription and,
// like grpc-js, reports CANCELLED as an 'error'.

import { Readable } from 'node:stream';
import { GRPC } from '../exit-codes.js';
import type { Call, CallEvents } from './call.js';
import { RpcError } from './status.js';

export class RpcStream<T> extends Readable {
  private readonly call: Call;

  constructor(start: (events: CallEvents) => Call, decode: (bytes: Buffer) => T) {
    super({ objectMode: true });
    this.call = start({
      // Reading stops while the consumer is behind (HTTP/2 flow control then slows ctid).
      message: (bytes) => this.push(decode(bytes)) || this.call.pause(),
      settle: (error) => (error ? this.destroy(error) : this.push(null)),
    });
  }

  cancel(): void {
    this.destroy(new RpcError(GRPC.CANCELLED, 'cancelled by cti'));
  }

  override _read(): void {
    this.call.resume();
  }

  /** Destroyed by the consumer (cancel, or a `for await` left early): reset the call; a no-op once it has ended. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.call.cancel();
    callback(error);
  }
}
