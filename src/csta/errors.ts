// The two ways a CSTA exchange goes wrong, told apart by `code`, never by
// instanceof (style.md section 2: duplicate package copies break instanceof).

import type { ErrorCategory } from './messages.js';

/** What is wrong with the bytes a peer sent; the connection is closed after it. */
export type ProtocolErrorCode =
  | 'bad-header' // the format indicator is not 0x00 0x00
  | 'bad-length' // a length under 9
  | 'too-large' // a length over the limit
  | 'bad-invoke-id' // not four ASCII digits
  | 'malformed-xml' // not well-formed XML, or not UTF-8
  | 'doctype' // a DOCTYPE or entity declaration (never expanded)
  | 'unknown-message' // a root element we do not speak
  | 'invalid-field'; // a known message with a missing or bad field

export class CstaProtocolError extends Error {
  override readonly name = 'CstaProtocolError';
  readonly kind = 'csta-protocol' as const;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A service refused by the switch: what a CSTAErrorCode response carries
 * (csta-link.md, "Errors"). The simulator throws it from its model; the link
 * client rejects a request's promise with it.
 */
export class CstaServiceError extends Error {
  override readonly name = 'CstaServiceError';
  readonly kind = 'csta-service' as const;
  constructor(
    readonly category: ErrorCategory,
    readonly value: string,
    message = `${category}: ${value}`,
  ) {
    super(message);
  }
}

export function isCstaServiceError(err: unknown): err is CstaServiceError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'csta-service';
}

export function isCstaProtocolError(err: unknown): err is CstaProtocolError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'csta-protocol';
}
