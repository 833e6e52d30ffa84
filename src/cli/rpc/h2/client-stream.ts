// One request stream as the client sees it (RFC 9113 section 5.1): the
// request goes out (connection.ts sends the HEADERS at once, then the body
// as the send windows allow), the response comes in (a header block, DATA,
// the trailers) and the stream ends: END_STREAM, a RST_STREAM, or the
// connection lost. What comes in waits in a queue while the consumer has
// paused, and is acknowledged for flow control only once handed over, so a
// paused consumer holds ctid back (section 5.2).

import { ConnectionError } from './errors.js';
import { ReceiveWindow } from './flow-control.js';
import { ErrorCode } from './frame.js';
import type { HeaderRecord } from './header-record.js';

export type StreamEnd =
  /** The response ended (END_STREAM). */
  | { kind: 'ended' }
  /** ctid reset the stream. */
  | { kind: 'reset'; code: number }
  /** The connection ended first, for `error` if one ended it. */
  | { kind: 'lost'; error?: Error };

export interface StreamHandlers {
  /** A header block: the response's headers, then its trailers. */
  headers(block: HeaderRecord): void;
  data(chunk: Buffer): void;
  /** Exactly once, after everything that came before it; never after our own reset(). */
  close(end: StreamEnd): void;
}

/** What a stream needs of its connection. */
export interface StreamOwner {
  /** The consumer has read `bytes` of flow-controlled DATA: acknowledge them. */
  consumed(stream: ClientStream, bytes: number): void;
  /** Send what the streams' `outgoing` hold, as far as the windows allow. */
  pump(): void;
  sendReset(stream: ClientStream, code: number): void;
  /** The stream is done with: no frame of it is expected any more. */
  forget(stream: ClientStream): void;
}

type Inbound = { headers: HeaderRecord } | { data: Buffer; flowBytes: number } | { end: StreamEnd };

export class ClientStream {
  /** The request body still to send; undefined once sent (with END_STREAM), or dropped. */
  outgoing: Buffer | undefined;
  /** Our END_STREAM is sent, or will never be. */
  requestSent = false;
  /** What we may still send on this stream; negative after the server shrank its initial window. */
  sendWindow: number;
  readonly receiveWindow: ReceiveWindow;
  /** The response's header block has arrived (so DATA and the trailers may follow). */
  responseStarted = false;
  /** Nothing more will come from the server: what is queued is all. */
  remoteEnded = false;
  /** Over for the consumer: its end delivered, or reset by us. */
  closed = false;
  private readonly inbound: Inbound[] = [];
  private paused = false;
  private delivering = false;

  constructor(
    readonly id: number,
    sendWindow: number,
    receiveWindow: number,
    private readonly owner: StreamOwner,
    private readonly handlers: StreamHandlers,
  ) {
    this.sendWindow = sendWindow;
    this.receiveWindow = new ReceiveWindow(receiveWindow);
  }

  /** Sends `body` and ends our side of the stream. */
  end(body: Buffer): void {
    this.outgoing = body;
    this.owner.pump();
  }

  /** Ends the stream from our side (RST_STREAM `code` unless it has ended both ways); nothing more is delivered. */
  reset(code: number): void {
    if (this.closed) return;
    this.closed = true;
    // Bytes never handed over still count against the connection's window.
    for (const item of this.inbound.splice(0)) if ('data' in item) this.owner.consumed(this, item.flowBytes);
    if (!(this.remoteEnded && this.requestSent)) this.owner.sendReset(this, code);
    this.outgoing = undefined;
    this.owner.forget(this);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.deliver();
  }

  receiveHeaders(block: HeaderRecord, endStream: boolean): void {
    // An informational (1xx) response comes before the real one and is skipped (RFC 9113 section 8.1).
    if (!this.responseStarted && /^1\d\d$/.test(String(block[':status']))) {
      if (endStream) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `an informational response that ends stream ${this.id}`);
      return;
    }
    if (this.responseStarted && !endStream) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `trailers without END_STREAM on stream ${this.id}`);
    this.responseStarted = true;
    this.enqueue({ headers: block });
    if (endStream) this.receiveEnd({ kind: 'ended' });
  }

  /** @param flowBytes the DATA frame's whole payload, padding included: what flow control counted */
  receiveData(chunk: Buffer, flowBytes: number, endStream: boolean): void {
    if (!this.responseStarted) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `DATA before the response headers on stream ${this.id}`);
    if (flowBytes > 0) this.enqueue({ data: chunk, flowBytes });
    if (endStream) this.receiveEnd({ kind: 'ended' });
  }

  /** A RST_STREAM from ctid; after a complete response it only stops our sending (section 8.1). */
  receiveReset(code: number): void {
    if (this.remoteEnded) {
      this.outgoing = undefined;
      this.requestSent = true;
      return;
    }
    this.requestSent = true;
    this.receiveEnd({ kind: 'reset', code });
  }

  /** The connection ended (or will not take this stream) before the response did. */
  lose(error?: Error): void {
    if (this.remoteEnded || this.closed) return;
    this.requestSent = true;
    this.receiveEnd({ kind: 'lost', error });
  }

  private receiveEnd(end: StreamEnd): void {
    this.remoteEnded = true;
    // Answered before our request was all sent: stop sending (section 8.1).
    if (!this.requestSent) {
      this.requestSent = true;
      this.owner.sendReset(this, ErrorCode.NO_ERROR);
    }
    this.outgoing = undefined;
    this.enqueue({ end });
  }

  private enqueue(item: Inbound): void {
    if (this.closed) return;
    this.inbound.push(item);
    this.deliver();
  }

  /** Hands over what is queued until the consumer pauses; re-entered (a resume from a handler), the running loop carries on. */
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.paused && !this.closed && this.inbound.length > 0) {
        const next = this.inbound.shift()!;
        if ('headers' in next) this.handlers.headers(next.headers);
        else if ('data' in next) {
          this.handlers.data(next.data);
          this.owner.consumed(this, next.flowBytes);
        } else {
          this.closed = true;
          this.owner.forget(this);
          this.handlers.close(next.end);
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}
