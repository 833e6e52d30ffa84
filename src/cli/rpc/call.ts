// One gRPC call over an HTTP/2 connection (./h2/): the request headers,
// the single framed request message, the response messages as they come,
// and the final status, whichever way it arrives (trailers, a
// trailers-only response, a reset stream, a lost connection, the deadline,
// our own cancel). `settle` is called exactly once.

import { GRPC } from '../exit-codes.js';
import { frame, MessageReader } from './frames.js';
import type { H2Connection } from './h2/connection.js';
import type { StreamEnd } from './h2/client-stream.js';
import { ErrorCode } from './h2/frame.js';
import type { HeaderRecord } from './h2/header-record.js';
import type { HeaderField } from './h2/hpack-table.js';
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

export function startCall(connection: H2Connection, spec: CallSpec, events: CallEvents): Call {
  const headers: HeaderField[] = [
    [':method', 'POST'],
    [':path', spec.path],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...Object.entries(spec.metadata),
  ];
  if (spec.timeoutMs !== undefined) headers.push(['grpc-timeout', `${Math.max(1, Math.ceil(spec.timeoutMs))}m`]);
  const reader = new MessageReader();
  let response: HeaderRecord | undefined;
  let trailers: HeaderRecord | undefined;
  let settled = false;
  const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => end(new RpcError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded')), spec.timeoutMs);

  /** Settles once; a call ended by us rather than by ctid is reset, so ctid drops it. */
  function end(error?: RpcError): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stream.reset(ErrorCode.CANCEL);
    events.settle(error);
  }

  const stream = connection.request(headers, {
    headers: (block) => {
      if (response === undefined) response = block;
      else trailers = block;
    },
    data: (chunk) => {
      if (settled) return;
      try {
        for (const message of reader.push(chunk)) events.message(message);
      } catch (err) {
        end(err instanceof RpcError ? err : new RpcError(GRPC.INTERNAL, `cannot read ctid's answer: ${(err as Error).message}`));
      }
    },
    // The outcome is read at the end, when everything the stream will say has been said.
    close: (how) => end(outcome(how)),
  });
  stream.end(frame(spec.request));

  function outcome(how: StreamEnd): RpcError | undefined {
    const announced = trailers !== undefined || (response !== undefined && (response['grpc-status'] !== undefined || Number(response[':status']) !== 200));
    if (announced) {
      const status = statusOf(response!, trailers);
      return status === undefined && reader.partial ? new RpcError(GRPC.INTERNAL, 'the answer ended inside a message') : status;
    }
    if (how.kind === 'lost') return new RpcError(GRPC.UNAVAILABLE, how.error ? `connection failed: ${how.error.message}` : 'connection closed');
    if (how.kind === 'reset' && how.code !== ErrorCode.NO_ERROR) {
      return new RpcError(grpcCodeForReset(how.code), `stream reset by ctid (HTTP/2 error ${how.code})`);
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
function grpcCodeForReset(rstCode: number): number {
  switch (rstCode) {
    case ErrorCode.REFUSED_STREAM:
      return GRPC.UNAVAILABLE;
    case ErrorCode.CANCEL:
      return GRPC.CANCELLED;
    case ErrorCode.ENHANCE_YOUR_CALM:
      return GRPC.RESOURCE_EXHAUSTED;
    case ErrorCode.INADEQUATE_SECURITY:
      return GRPC.PERMISSION_DENIED;
    default:
      return GRPC.INTERNAL;
  }
}
