// cti's HTTP/2 connection to ctid (RFC 9113), client side, over a plain TCP
// socket: loading node:http2 cost ~19 ms of CPU, a fifth of a one-shot
// command (node:net ~3 ms). Only what a gRPC client needs: streams we open
// (odd ids, increasing), SETTINGS and their ACK, PING answered, GOAWAY,
// RST_STREAM both ways, header blocks over HEADERS and CONTINUATION, DATA,
// flow control both ways. No server push (disabled), no priorities.
// Whatever the server does wrong is a connection error (errors.ts): GOAWAY,
// close, and every call on the connection fails saying what went wrong.
// While calls are open and nothing comes in, a PING asks whether ctid is
// still there: a host that went down or a cut network sends no FIN, and
// `cti wait` or the dashboard would otherwise wait on it for ever.
//
// States (`state`):
//   connecting  the TCP connect is in flight; what we send waits in the socket
//   open        connected
//   draining    GOAWAY received, or close() called: no new streams; the
//               socket is closed once the open ones have ended
//   closed      the socket is gone; `failure` says why when something failed

import { connect, type Socket } from 'node:net';
import { ClientStream, type StreamHandlers, type StreamOwner } from './client-stream.js';
import { ConnectionError } from './errors.js';
import { DEFAULT_WINDOW, MAX_WINDOW, ReceiveWindow } from './flow-control.js';
import { checkPing, goaway, parseGoaway, resetCode, windowIncrement } from './control-frames.js';
import { encodeFrame, encodeUint32Frame, ErrorCode, Flag, FrameReader, FrameType, unpadded, type Frame } from './frame.js';
import { HeaderBlockAssembler, type HeaderBlock } from './header-block.js';
import { headerRecord } from './header-record.js';
import { HpackDecoder } from './hpack-decoder.js';
import { encodeHeaderBlock } from './hpack-encoder.js';
import type { HeaderField } from './hpack-table.js';
import { applySettings, DEFAULT_PEER_SETTINGS, ourSettings } from './settings.js';

export type ConnectionState = 'connecting' | 'open' | 'draining' | 'closed';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Receive windows: a stream's bounds what a paused consumer holds; the connection's lets a few such streams pause at once. */
const STREAM_WINDOW = 1 << 20;
const CONNECTION_WINDOW = 4 << 20;
const MAX_STREAM_ID = 2 ** 31 - 1;

/** When to ping: after `intervalMs` with calls open and nothing received; the connection fails if nothing comes `timeoutMs` after the PING. */
export interface Keepalive {
  intervalMs: number;
  timeoutMs: number;
}

/** A silent ctid is noticed within 20-50 s; an idle call costs a PING every 20 s. */
export const KEEPALIVE: Keepalive = { intervalMs: 20_000, timeoutMs: 10_000 };

export class H2Connection implements StreamOwner {
  state: ConnectionState = 'connecting';
  /** What ended the connection, if something failed (the socket's error, a protocol error, GOAWAY with an error). */
  failure: Error | undefined;
  /** Resolves once the TCP connection is up; rejects if it ends first. */
  readonly connected: Promise<void>;
  private readonly socket: Socket;
  private readonly streams = new Map<number, ClientStream>();
  private nextStreamId = 1;
  private peer = DEFAULT_PEER_SETTINGS;
  private sendWindow = DEFAULT_WINDOW;
  private readonly receiveWindow = new ReceiveWindow(CONNECTION_WINDOW);
  private readonly reader = new FrameReader((frame) => this.onFrame(frame));
  private readonly decoder = new HpackDecoder();
  private readonly blocks = new HeaderBlockAssembler();
  /** Frames to write at the end of this turn, in one write. */
  private outbox: Buffer[] = [];
  private failConnect: (error: Error) => void = () => {};
  /** Whether a frame came in since the keepalive last looked. */
  private heard = true;
  private readonly keepaliveTimer: NodeJS.Timeout;

  /** @param authority HOST:PORT */
  constructor(
    readonly authority: string,
    private readonly keepalive: Keepalive = KEEPALIVE,
  ) {
    const { hostname, port } = new URL(`http://${authority}`);
    this.socket = connect({ host: hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port || 80), noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => {
        if (this.state === 'connecting') this.state = 'open';
        resolve();
      });
      this.failConnect = reject;
    });
    this.connected.catch(() => {}); // a caller that never waits for it learns of the failure from its calls
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (err) => (this.failure ??= err));
    this.socket.on('close', () => this.teardown());
    // Section 3.4: the preface, then our SETTINGS; the connection window grows with a WINDOW_UPDATE (6.9.2).
    this.send(PREFACE);
    this.send(encodeFrame(FrameType.SETTINGS, 0, 0, ourSettings(STREAM_WINDOW)));
    this.send(encodeUint32Frame(FrameType.WINDOW_UPDATE, 0, CONNECTION_WINDOW - DEFAULT_WINDOW));
    this.keepaliveTimer = setInterval(() => this.checkAlive(), keepalive.intervalMs).unref();
  }

  /** Whether request() may open a stream here. */
  get acceptsStreams(): boolean {
    return this.state === 'connecting' || this.state === 'open';
  }

  /** Opens a stream with `fields` (:method and :path first; :scheme and :authority are added) and sends its HEADERS. */
  request(fields: readonly HeaderField[], handlers: StreamHandlers): ClientStream {
    const id = this.nextStreamId;
    const stream = new ClientStream(id, this.peer.initialWindow, STREAM_WINDOW, this, handlers);
    if (!this.acceptsStreams || id > MAX_STREAM_ID) {
      // Failed on the next turn, once the caller holds the stream.
      queueMicrotask(() => stream.lose(this.failure));
      return stream;
    }
    this.nextStreamId += 2;
    this.streams.set(id, stream);
    const block = encodeHeaderBlock([[':scheme', 'http'], [':authority', this.authority], ...fields]);
    const max = this.peer.maxFrameSize;
    for (let at = 0; ; at += max) {
      const last = at + max >= block.length;
      this.send(encodeFrame(at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, last ? Flag.END_HEADERS : 0, id, block.subarray(at, at + max)));
      if (last) break;
    }
    return stream;
  }

  /** No new streams; the socket closes once the open ones have ended. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'draining';
    this.endIfIdle();
  }

  /** Ends the connection at once, failing its calls with `error`. */
  destroy(error: Error): void {
    this.failure ??= error;
    this.socket.destroy();
    this.teardown();
  }

  // ------------------------------------------------------------ StreamOwner

  consumed(stream: ClientStream | undefined, bytes: number): void {
    const forConnection = this.receiveWindow.consume(bytes);
    if (forConnection > 0) this.send(encodeUint32Frame(FrameType.WINDOW_UPDATE, 0, forConnection));
    if (stream === undefined || stream.remoteEnded || stream.closed) return;
    const forStream = stream.receiveWindow.consume(bytes);
    if (forStream > 0) this.send(encodeUint32Frame(FrameType.WINDOW_UPDATE, stream.id, forStream));
  }

  pump(): void {
    for (const stream of this.streams.values()) {
      let body = stream.outgoing;
      while (body !== undefined) {
        const size = Math.max(0, Math.min(body.length, this.sendWindow, stream.sendWindow, this.peer.maxFrameSize));
        if (size === 0 && body.length > 0) break; // until a WINDOW_UPDATE
        const last = size === body.length;
        this.send(encodeFrame(FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id, body.subarray(0, size)));
        this.sendWindow -= size;
        stream.sendWindow -= size;
        body = last ? undefined : body.subarray(size);
        if (last) stream.requestSent = true;
      }
      stream.outgoing = body;
    }
  }

  sendReset(stream: ClientStream, code: number): void {
    this.send(encodeUint32Frame(FrameType.RST_STREAM, stream.id, code));
  }

  forget(stream: ClientStream): void {
    this.streams.delete(stream.id);
    this.endIfIdle();
  }

  // ------------------------------------------------------------ receiving

  private receive(chunk: Buffer): void {
    this.heard = true;
    try {
      this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      this.protocolError(err);
    }
  }

  private onFrame(frame: Frame): void {
    if (this.state === 'closed') return;
    this.blocks.checkNext(frame);
    switch (frame.type) {
      case FrameType.DATA:
        return this.onData(frame);
      case FrameType.HEADERS:
        this.streamFor(frame); // one cti opened, and not ended yet
        return this.onHeaderBlock(this.blocks.headers(frame));
      case FrameType.CONTINUATION:
        return this.onHeaderBlock(this.blocks.continuation(frame));
      case FrameType.RST_STREAM:
        return this.streamFor(frame)?.receiveReset(resetCode(frame));
      case FrameType.SETTINGS:
        return this.onSettings(frame);
      case FrameType.PING:
        return this.onPing(frame);
      case FrameType.GOAWAY:
        return this.onGoaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(frame);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a PUSH_PROMISE, though cti disabled push');
      default:
      // PRIORITY and unknown frame types are ignored (sections 5.5, 6.3).
    }
  }

  /** The stream a frame is for; undefined for one that is over (frames in flight may still come); a protocol error for one never opened. */
  private streamFor(frame: Frame): ClientStream | undefined {
    const { streamId } = frame;
    if (streamId === 0 || streamId % 2 === 0 || streamId >= this.nextStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `a frame of type ${frame.type} for stream ${streamId}, which cti never opened`);
    }
    const stream = this.streams.get(streamId);
    if (stream?.remoteEnded && frame.type !== FrameType.RST_STREAM && frame.type !== FrameType.WINDOW_UPDATE) {
      throw new ConnectionError(ErrorCode.STREAM_CLOSED, `a frame of type ${frame.type} after stream ${streamId} ended`);
    }
    return stream;
  }

  private onData(frame: Frame): void {
    const stream = this.streamFor(frame);
    const flowBytes = frame.payload.length;
    if (!this.receiveWindow.receive(flowBytes)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'more DATA than the connection window allows');
    if (stream === undefined) return this.consumed(undefined, flowBytes);
    if (!stream.receiveWindow.receive(flowBytes)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `more DATA than stream ${stream.id}'s window allows`);
    stream.receiveData(unpadded(frame), flowBytes, (frame.flags & Flag.END_STREAM) !== 0);
  }

  private onHeaderBlock(block: HeaderBlock | undefined): void {
    if (block === undefined) return;
    // Decoded even for a stream that is over, to keep the dynamic table in step (RFC 7541 section 2.2).
    const fields = this.decoder.decode(block.encoded);
    this.streams.get(block.streamId)?.receiveHeaders(headerRecord(fields), block.endStream);
  }

  private onSettings(frame: Frame): void {
    if (frame.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (frame.flags & Flag.ACK) {
      if (frame.payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'a SETTINGS ACK with a payload');
      return;
    }
    const next = applySettings(this.peer, frame.payload);
    const delta = next.initialWindow - this.peer.initialWindow;
    for (const stream of this.streams.values()) this.growSendWindow(stream, delta);
    this.peer = next;
    this.send(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
    this.pump();
  }

  private onPing(frame: Frame): void {
    checkPing(frame);
    if ((frame.flags & Flag.ACK) === 0) this.send(encodeFrame(FrameType.PING, Flag.ACK, 0, frame.payload));
  }

  /** Section 6.8: streams above the last one the server will process never were, and fail as retryable (UNAVAILABLE); the rest may finish. */
  private onGoaway(frame: Frame): void {
    const { lastStreamId, code, debug } = parseGoaway(frame);
    if (code !== ErrorCode.NO_ERROR) {
      this.failure ??= new Error(`ctid ended the connection (HTTP/2 error ${code}${debug ? `: ${debug}` : ''})`);
    }
    this.state = 'draining';
    for (const stream of this.streams.values()) if (stream.id > lastStreamId) stream.lose(this.failure);
    this.endIfIdle();
  }

  private onWindowUpdate(frame: Frame): void {
    const increment = windowIncrement(frame);
    if (frame.streamId === 0) {
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'the connection window over 2^31-1');
    } else {
      const stream = this.streamFor(frame);
      if (stream) this.growSendWindow(stream, increment);
    }
    this.pump();
  }

  private growSendWindow(stream: ClientStream, increment: number): void {
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `stream ${stream.id}'s window over 2^31-1`);
  }

  /** Each keepalive interval: with calls open and nothing heard since the last look, a PING that must be answered in time. */
  private checkAlive(): void {
    if (this.state === 'connecting' || this.state === 'closed' || this.streams.size === 0 || this.heard) {
      this.heard = false;
      return;
    }
    this.send(encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    const { timeoutMs } = this.keepalive;
    setTimeout(() => {
      if (!this.heard && this.state !== 'closed') this.destroy(new Error(`ctid stopped answering (no answer to a ping within ${timeoutMs / 1000} s)`));
    }, timeoutMs).unref();
  }

  // ------------------------------------------------------------ ending

  /** A connection error of ours (section 5.4.1): GOAWAY with its code, close, fail every call. */
  private protocolError(err: ConnectionError): void {
    if (this.state === 'closed') return;
    this.failure = new Error(`HTTP/2 protocol error: ${err.message}`);
    this.send(goaway(err.code, err.message));
    this.endSocket();
    this.teardown();
  }

  private endIfIdle(): void {
    if (this.state !== 'draining' || this.streams.size > 0) return;
    this.send(goaway(ErrorCode.NO_ERROR));
    this.endSocket();
  }

  /** Writes what is left, then closes; not waiting for the server to close its side too. */
  private endSocket(): void {
    if (this.socket.writableEnded) return;
    this.flush();
    this.socket.end(() => this.socket.destroy());
  }

  private teardown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.keepaliveTimer);
    this.failConnect(this.failure ?? new Error('connection closed'));
    for (const stream of this.streams.values()) stream.lose(this.failure);
  }

  // ------------------------------------------------------------ sending

  private send(frame: Buffer): void {
    if (this.outbox.push(frame) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const bytes = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox);
    this.outbox = [];
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }
}
