// One gRPC call over a node:http2 session: the request headers, the single
// framed request message, the response messages as they come, and the final
// status, whichever way it arrives (trailers, a trailers-only response, a
// reset stream, a lost connection, the deadline, our own cancel). `settle`
// is called exactly once.

import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { GRPC } from '../exit-codes.js';
import { frame, MessageReader } from './frames.js';
import { RpcError, statusOf } from './status.js';

export interface CallSpec {
  /** /package.Service/Method */
  path: string;
  /** Extra request headers (metadata), e.g. authorization. */
  metadata: Record<string, string>;
  request: Uint8Array;
  /** Ends the call with DEADLINE_EXCEEDED after this long; none for the long-lived streams. */
  timeoutMs?: number;
}

export interface CallEvents {
  /** A response message; a throw (a decode failure) ends the call with INTERNAL. */
  message(bytes: Buffer): void;
  /** The end: undefined for OK. */
  settle(error?: RpcError): void;
}

export interface Call {
  /** Resets the stream (RST_STREAM CANCEL) and settles with CANCELLED; a no-op once settled. */
  cancel(): void;
  /** Stops and resumes reading, for a consumer that cannot keep up. */
  pause(): void;
  resume(): void;
}

/** A connection attempt: the session, and the error that ended it, if one did (for the sentence). */
export interface Dial {
  readonly session: ClientHttp2Session;
  error?: Error;
}

export function startCall(dial: Dial, spec: CallSpec, events: CallEvents): Call {
  const headers: Record<string, string> = {
    ':method': 'POST',
    ':path': spec.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...spec.metadata,
  };
  if (spec.timeoutMs !== undefined) headers['grpc-timeout'] = `${Math.max(1, Math.ceil(spec.timeoutMs))}m`;
  const stream: ClientHttp2Stream = dial.session.request(headers);
  const reader = new MessageReader();
  let response: IncomingHttpHeaders | undefined;
  let trailers: IncomingHttpHeaders | undefined;
  let settled = false;
  const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => end(new RpcError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded')), spec.timeoutMs);

  /** Settles once; a call ended by us rather than by ctid is reset, so ctid drops it. */
  function end(error?: RpcError): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    events.settle(error);
  }

  stream.on('response', (headers) => (response = headers));
  stream.on('trailers', (block) => (trailers = block));
  stream.on('data', (chunk: Buffer) => {
    if (settled) return;
    try {
      for (const message of reader.push(chunk)) events.message(message);
    } catch (err) {
      end(err instanceof RpcError ? err : new RpcError(GRPC.INTERNAL, `cannot read ctid's answer: ${(err as Error).message}`));
    }
  });
  // The outcome is read at 'close', when everything the stream will say has been said.
  stream.on('error', () => {});
  stream.on('close', () => end(outcome()));
  stream.end(frame(spec.request));

  function outcome(): RpcError | undefined {
    const announced = trailers !== undefined || (response !== undefined && (response['grpc-status'] !== undefined || Number(response[':status']) !== 200));
    if (announced) {
      const status = statusOf(response!, trailers);
      return status === undefined && reader.partial ? new RpcError(GRPC.INTERNAL, 'the answer ended inside a message') : status;
    }
    if (dial.session.destroyed || dial.session.closed) return new RpcError(GRPC.UNAVAILABLE, dial.error ? `connection failed: ${dial.error.message}` : 'connection closed');
    if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR) {
      return new RpcError(grpcCodeForReset(stream.rstCode), `stream reset by ctid (HTTP/2 error ${stream.rstCode})`);
    }
    return new RpcError(GRPC.UNKNOWN, 'no status received from ctid');
  }

  return {
    cancel: () => end(new RpcError(GRPC.CANCELLED, 'cancelled by cti')),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
  };
}

/** What grpc-js makes of a RST_STREAM without a status. */
function grpcCodeForReset(rstCode: number | undefined): number {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return GRPC.UNAVAILABLE;
    case constants.NGHTTP2_CANCEL:
      return GRPC.CANCELLED;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return GRPC.RESOURCE_EXHAUSTED;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return GRPC.PERMISSION_DENIED;
    default:
      return GRPC.INTERNAL;
  }
}
