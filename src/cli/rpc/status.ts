// gRPC statuses as the CLI's HTTP/2 client (./h2/) reports them: an error with
// the shape exit-codes.ts recognises (code, details, metadata.get), made
// from a response's headers and trailers the way gRPC's HTTP/2 protocol
// spec and grpc-js read them.

import { GRPC } from '../exit-codes.js';
import type { HeaderRecord } from './h2/header-record.js';

/** Response metadata: the headers and trailers that are not HTTP/2's own. */
export class RpcMetadata {
  constructor(private readonly headers: HeaderRecord = {}) {}

  /** The values of `key` (lower case), as grpc-js's Metadata.get gives them. */
  get(key: string): string[] {
    const value = this.headers[key];
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    readonly details: string,
    readonly metadata = new RpcMetadata(),
  ) {
    super(`${code} ${codeName(code)}: ${details}`);
  }
}

function codeName(code: number): string {
  return Object.entries(GRPC).find(([, value]) => value === code)?.[0] ?? 'UNKNOWN';
}

/**
 * The outcome a response's headers and trailers (one block, for a
 * trailers-only response) announce: undefined for OK, the error otherwise.
 * An HTTP status other than 200 wins over grpc-status, as in grpc-js; a
 * response without grpc-status is UNKNOWN.
 */
export function statusOf(headers: HeaderRecord, trailers: HeaderRecord | undefined): RpcError | undefined {
  const httpStatus = Number(headers[':status']);
  if (httpStatus !== 200) return new RpcError(grpcCodeForHttp(httpStatus), `received HTTP status ${httpStatus}`, new RpcMetadata(headers));
  const block = trailers ?? headers;
  const text = block['grpc-status'];
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return new RpcError(GRPC.UNKNOWN, 'no status received from ctid', new RpcMetadata(block));
  const code = Number(text);
  if (code === GRPC.OK) return undefined;
  const message = block['grpc-message'];
  return new RpcError(code, typeof message === 'string' ? percentDecode(message) : '', new RpcMetadata(block));
}

/** grpc/doc/http-grpc-status-mapping.md: what a non-gRPC HTTP answer means. */
function grpcCodeForHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GRPC.INTERNAL;
    case 401:
      return GRPC.UNAUTHENTICATED;
    case 403:
      return GRPC.PERMISSION_DENIED;
    case 404:
      return GRPC.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC.UNAVAILABLE;
    default:
      return GRPC.UNKNOWN;
  }
}

/** grpc-message is percent-encoded UTF-8; a malformed escape is kept as it came (the spec says not to fail the call). */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
