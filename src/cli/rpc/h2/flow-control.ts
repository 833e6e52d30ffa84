// Flow control of what we receive (RFC 9113 section 5.2, 6.9), for the
// connection and for each stream: the peer may send `size` bytes ahead of
// what we have acknowledged; we acknowledge bytes once the consumer has
// read them, so a consumer that pauses holds the sender back. Updates are
// sent in batches of half the window, not one a DATA frame.

export const MAX_WINDOW = 2 ** 31 - 1;

/** The window every stream and the connection start with (section 6.9.2), until SETTINGS change it. */
export const DEFAULT_WINDOW = 65_535;

export class ReceiveWindow {
  /** What the peer may still send. */
  private open: number;
  /** Read by the consumer, not yet acknowledged. */
  private unacknowledged = 0;

  constructor(private readonly size: number) {
    this.open = size;
  }

  /** Bytes arrived (a DATA frame's whole payload, padding included); false when the peer sent more than it was allowed. */
  receive(bytes: number): boolean {
    this.open -= bytes;
    return this.open >= 0;
  }

  /** Bytes the consumer has read: the WINDOW_UPDATE increment to send now, or 0 to wait for more. */
  consume(bytes: number): number {
    this.unacknowledged += bytes;
    if (this.unacknowledged < this.size / 2) return 0;
    const increment = this.unacknowledged;
    this.open += increment;
    this.unacknowledged = 0;
    return increment;
  }
}
