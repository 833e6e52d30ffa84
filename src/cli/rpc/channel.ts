// The CLI's one HTTP/2 connection to ctid: dialled on first use and again
// after it was lost or told to go away (ctid restarting under `cti wait` or
// the dashboard), the way a grpc-js channel re-dials. `ready` waits for the
// dial in flight.

import { H2Connection } from './h2/connection.js';

export class Channel {
  private current: H2Connection | undefined;

  /** @param authority HOST:PORT of ctid */
  constructor(private readonly authority: string) {}

  /** The live connection, or a new dial when there is none (lost, or told to go away). */
  dial(): H2Connection {
    if (this.current?.acceptsStreams) return this.current;
    this.current = new H2Connection(this.authority);
    return this.current;
  }

  /** Resolves once connected; rejects with the dial's failure, or after timeoutMs (and then gives that dial up). */
  async ready(timeoutMs: number): Promise<void> {
    const connection = this.dial();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([connection.connected, deadline]);
    } catch (err) {
      connection.destroy(err as Error);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.current?.close();
  }
}
