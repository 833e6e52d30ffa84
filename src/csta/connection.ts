// One CSTA XML connection over a socket, used by both ends: the simulator's
// server and the daemon's client. It frames and decodes what arrives,
// matches responses to its own requests by invoke id, and hands everything
// else on as 'frame'. Session and heartbeat policy live above it.
//
// States (style.md section 4):
//   open     reading and writing
//   closing  close() or destroy() called: every request already rejected;
//            waiting for the socket to finish (close() bounds this by closeTimeoutMs)
//   closed   the socket is gone; 'close' emitted, once
// Every pending request settles on every way out of 'open'.
//
// Writes: every frame goes to socket.write at once, in the order sent, so
// ordering and backpressure (writableNeedDrain, 'drain') stay the socket's own;
// corking only decides how many frames one syscall carries.
//   - What the 'frame' listeners send while a chunk read from the socket is
//     dispatched (a response and the events it raised, for every request in
//     the chunk) is corked and leaves as one writev when the dispatch returns.
//   - Otherwise the first frame of a tick leaves at once, as an uncorked write
//     would, and the socket stays corked for the rest of the tick: the frames
//     sent after it (the requests a batch of responses set off) leave as one
//     writev on process.nextTick.
// A frame is never held past the tick it was sent in, and close() and destroy()
// uncork before ending or destroying the socket, so whatever was sent before
// them is written as it would have been without corking.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { ScaledClock, type Clock, type Timer } from '../common/clock.js';
import { decodeMessage, encodeCstaFrame } from './codec.js';
import { CstaServiceError, isCstaProtocolError, type ProtocolErrorCode } from './errors.js';
import { FrameDecoder } from './framing.js';
import { MAX_INVOKE_ID, type CstaFrame, type CstaMessage, type CstaRequest, type CstaResponse } from './messages.js';

export type LinkState = 'open' | 'closing' | 'closed';

/** Why a request got no response. Recognise by `code` (style.md section 2). */
export type LinkErrorCode = 'timeout' | 'closed' | 'no-invoke-id';

export class CstaLinkError extends Error {
  override readonly name = 'CstaLinkError';
  readonly kind = 'csta-link' as const;
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isCstaLinkError(err: unknown): err is CstaLinkError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'csta-link';
}

export interface CstaConnectionOptions {
  /** The largest frame accepted from the peer, header included. Default 65535. */
  maxFrameBytes?: number;
  /** Time for request timeouts and the close deadline. Default: real time. */
  clock?: Clock;
  /** A request's timeout when request() is given none. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** How long close() waits for the peer to finish before destroying the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
}

// Broken framing loses the frame boundaries, and broken or hostile XML means a
// peer not worth talking to; an unknown message or field costs only that message.
const FATAL: ReadonlySet<ProtocolErrorCode> = new Set(['bad-header', 'bad-length', 'too-large', 'bad-invoke-id', 'malformed-xml', 'doctype']);

interface Pending {
  requestType: string;
  resolve: (response: CstaResponse) => void;
  reject: (err: Error) => void;
  timer: Timer;
}

/**
 * Events:
 * - 'frame' (frame: CstaFrame): a message that answers none of our requests:
 *   an event, a request of the peer's, a stray response.
 * - 'protocol-error' (err: CstaProtocolError): the bytes or the XML are broken
 *   beyond reading on; the connection is being destroyed.
 * - 'unreadable' (err: CstaProtocolError, invokeId: number): a well-framed,
 *   well-formed message this codec cannot read (an unknown message type, a
 *   missing field), skipped; the connection stays up, because real switches
 *   send events we do not model (csta-link.md: ignore what you do not know).
 * - 'drain': the socket's write buffer has emptied (see writableNeedDrain).
 * - 'close': once, when the socket is gone (closeError says why, if it did not end cleanly).
 */
export class CstaConnection extends EventEmitter {
  private linkState: LinkState = 'open';
  private readonly frames: FrameDecoder;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private lastInvokeId = 0;
  private closeTimer: Timer | undefined;
  private closeReason: Error | undefined;
  /** Whether the socket is corked for a dispatch of received frames (onData). */
  private dispatchCorked = false;
  /** Whether the socket is corked for the rest of this tick, until the process.nextTick that uncorks it. */
  private tickCorked = false;
  /** Frames handed to the socket so far. */
  private framesWritten = 0;

  /** The socket must deliver Buffers (no setEncoding). */
  constructor(
    private readonly socket: Duplex,
    opts: CstaConnectionOptions = {},
  ) {
    super();
    this.frames = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes });
    this.clock = opts.clock ?? new ScaledClock();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 2_000;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.finish('the peer ended the link')); // finish our side too
    socket.on('error', (err) => {
      this.closeReason ??= err; // 'close' follows
    });
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.emit('drain'));
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Why the connection closed, when it did not end cleanly: a socket error or the protocol error that dropped it. */
  get closeError(): Error | undefined {
    return this.closeReason;
  }

  /** Requests still waiting for their responses. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** True while the socket's write buffer is over its high-water mark: wait for 'drain' before sending much more. */
  get writableNeedDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  /**
   * Sends a request and resolves with the response carrying its invoke id.
   * Rejects with CstaServiceError for a CSTAErrorCode, CstaLinkError 'timeout'
   * or 'closed', or RangeError when the message cannot be encoded. R is not
   * checked beyond the response type's name (MakeCall -> MakeCallResponse;
   * session requests -> their PosResponse or NegResponse).
   */
  request<R extends CstaResponse = CstaResponse>(msg: CstaRequest, opts: { timeoutMs?: number } = {}): Promise<R> {
    if (this.linkState !== 'open') return Promise.reject(new CstaLinkError('closed', `${msg.type} not sent: the link is ${this.linkState}`));
    let bytes: Buffer;
    let invokeId: number;
    try {
      invokeId = this.nextInvokeId();
      bytes = encodeCstaFrame({ invokeId, message: msg });
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.pending.delete(invokeId);
        reject(new CstaLinkError('timeout', `${msg.type} (invoke id ${invokeId}) got no response within ${timeoutMs} ms`));
      });
      this.pending.set(invokeId, { requestType: msg.type, resolve: resolve as (r: CstaResponse) => void, reject, timer });
      this.write(bytes);
    });
  }

  /**
   * Sends a response, an event (invoke id 9999) or a request that gets no
   * response (RouteSelect; the switch's RouteRequest and RouteEnd). A
   * connection that is no longer open drops it: there is no one to tell, and
   * 'close' has told the owner already. Throws RangeError when the message
   * cannot be encoded.
   */
  send(invokeId: number, msg: CstaMessage): void {
    const bytes = encodeCstaFrame({ invokeId, message: msg });
    if (this.linkState === 'open') this.write(bytes);
  }

  private write(bytes: Buffer): void {
    this.socket.write(bytes);
    this.framesWritten++;
    if (!this.dispatchCorked && !this.tickCorked) this.corkTick();
  }

  /** Corks the socket until the next tick, so that this tick's further frames leave together. */
  private corkTick(): void {
    this.tickCorked = true;
    this.socket.cork();
    process.nextTick(this.uncorkTick);
  }

  private readonly uncorkTick = (): void => {
    if (!this.tickCorked) return;
    this.tickCorked = false;
    this.socket.uncork();
  };

  private uncorkDispatch(): void {
    if (!this.dispatchCorked) return;
    this.dispatchCorked = false;
    this.socket.uncork();
  }

  /** Hands every frame sent so far to the socket: before it is ended or destroyed. */
  private uncorkAll(): void {
    this.uncorkDispatch();
    this.uncorkTick();
  }

  /**
   * A free invoke id for a request of ours, 0001-9998 in turn, skipping ids
   * still waiting for a response. Throws CstaLinkError 'no-invoke-id' when all are.
   */
  nextInvokeId(): number {
    for (let tries = 0; tries < MAX_INVOKE_ID; tries++) {
      this.lastInvokeId = (this.lastInvokeId % MAX_INVOKE_ID) + 1;
      if (!this.pending.has(this.lastInvokeId)) return this.lastInvokeId;
    }
    throw new CstaLinkError('no-invoke-id', `all ${MAX_INVOKE_ID} invoke ids are waiting for responses`);
  }

  /** Graceful: rejects pending requests, ends our side, destroys the socket if the peer has not finished within closeTimeoutMs. */
  close(): void {
    this.finish('the link was closed');
  }

  /** At once: rejects pending requests and destroys the socket. */
  destroy(err?: Error): void {
    if (this.linkState === 'closed') return;
    this.closeReason ??= err;
    if (this.linkState === 'open') this.leaveOpen(new CstaLinkError('closed', `the link was closed${err ? `: ${err.message}` : ''}`, { cause: err }));
    this.uncorkAll(); // what was sent before destroy() is written first (a NegResponse before the drop), as uncorked
    this.socket.destroy();
  }

  private finish(why: string): void {
    if (this.linkState !== 'open') return;
    this.leaveOpen(new CstaLinkError('closed', why));
    this.uncorkAll(); // end() would flush it too, but would leave our flags stale
    this.socket.end();
    this.closeTimer = this.clock.setTimer(this.closeTimeoutMs, () => this.socket.destroy());
  }

  private leaveOpen(reason: CstaLinkError): void {
    this.linkState = 'closing';
    for (const [invokeId, waiter] of this.pending) {
      this.pending.delete(invokeId);
      waiter.timer.cancel();
      waiter.reject(reason);
    }
  }

  private onClose(): void {
    if (this.linkState === 'closed') return;
    const reason = this.closeReason;
    if (this.linkState === 'open') this.leaveOpen(new CstaLinkError('closed', `the link closed${reason ? `: ${reason.message}` : ''}`, { cause: reason }));
    this.closeTimer?.cancel();
    this.linkState = 'closed';
    this.emit('close');
  }

  private onData(chunk: Buffer): void {
    if (this.linkState !== 'open') return;
    let frames;
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.onBadInput(err);
      return;
    }
    if (frames.length === 0) return;
    // Whatever the listeners send in answer leaves as one write when they are done (or sooner, if one closes us).
    const corks = !this.dispatchCorked && !this.tickCorked;
    const written = this.framesWritten;
    if (corks) {
      this.dispatchCorked = true;
      this.socket.cork();
    }
    try {
      for (const { invokeId, xml } of frames) {
        if (this.linkState !== 'open') return; // a listener closed us
        let message: CstaMessage;
        try {
          message = decodeMessage(xml);
        } catch (err) {
          if (!isCstaProtocolError(err) || FATAL.has(err.code)) this.onBadInput(err);
          else this.emit('unreadable', err, invokeId);
          continue;
        }
        this.dispatch({ invokeId, message });
      }
    } finally {
      if (corks && this.dispatchCorked) {
        this.uncorkDispatch();
        // The dispatch's writes were this tick's first: the rest of the tick's coalesce after them.
        if (this.linkState === 'open' && this.framesWritten !== written) this.corkTick();
      }
    }
  }

  private onBadInput(err: unknown): void {
    // Anything but a CstaProtocolError would be a codec bug: it costs this connection, not the process.
    if (isCstaProtocolError(err)) this.emit('protocol-error', err);
    this.destroy(err as Error);
  }

  private dispatch(frame: CstaFrame): void {
    const { invokeId, message } = frame;
    const waiter = this.pending.get(invokeId);
    if (!waiter || !answers(waiter.requestType, message.type)) {
      this.emit('frame', frame);
      return;
    }
    this.pending.delete(invokeId);
    waiter.timer.cancel();
    if (message.type === 'CSTAErrorCode') {
      waiter.reject(new CstaServiceError(message.category, message.value, `${waiter.requestType} refused: ${message.category} ${message.value}`));
    } else {
      waiter.resolve(message as CstaResponse);
    }
  }
}

/** Whether a message of this type can be the response to a request of that type. */
function answers(requestType: string, type: string): boolean {
  if (type === 'CSTAErrorCode') return true;
  if (!type.startsWith(requestType)) return false;
  const rest = type.slice(requestType.length);
  return rest === 'Response' || rest === 'PosResponse' || rest === 'NegResponse';
}
