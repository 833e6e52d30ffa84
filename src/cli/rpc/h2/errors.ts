// A connection error (RFC 9113 section 5.4.1): the peer broke the protocol,
// so the connection ends with a GOAWAY carrying `code`, and every call on it
// fails. Stream errors are treated as connection errors too, as section
// 5.4.1 allows: ctid breaking HTTP/2 on one call is reason enough to drop it.

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  /** @param code the HTTP/2 error code (ErrorCode in frame.ts) */
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
