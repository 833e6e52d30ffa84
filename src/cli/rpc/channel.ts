// The CLI's one HTTP/2 connection to ctid: dialled on first use and again
// after it was lost (ctid restarting under `cti wait` or the dashboard), the
// way a grpc-js channel re-dials. `ready` waits for the dial in flight.

import { connect } from 'node:http2';
import type { Dial } from './call.js';

export class Channel {
  private current: Dial | undefined;

  /** @param authority HOST:PORT of ctid */
  constructor(private readonly authority: string) {}

  /** The live connection, or a new dial when there is none (lost, or told to go away). */
  dial(): Dial {
    const live = this.current;
    if (live && !live.session.closed && !live.session.destroyed) return live;
    const dial: Dial = { session: connect(`http://${this.authority}`) };
    // A refused or reset connection fails the calls on it (call.ts says why); it must not crash the CLI.
    dial.session.on('error', (err: Error) => (dial.error = err));
    this.current = dial;
    return dial;
  }

  /** Resolves once connected; rejects with the dial's failure, or after timeoutMs. */
  ready(timeoutMs: number): Promise<void> {
    const dial = this.dial();
    const { session } = dial;
    if (!session.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        session.off('connect', onConnect).off('close', onClose);
        if (err) {
          session.destroy();
          reject(err);
        } else resolve();
      };
      const onConnect = (): void => done();
      const onClose = (): void => done(dial.error ?? new Error('connection closed'));
      const timer = setTimeout(() => done(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
      session.on('connect', onConnect).on('close', onClose);
    });
  }

  close(): void {
    this.current?.session.close();
  }
}
