// Server-streaming calls (WatchRequests, MonitorLine, and the peer API's
// WatchCampOn, MonitorStatus): identify the caller, subscribe to the core,
// write each update, end when the core says so, unsubscribe when the client
// goes away. Every open stream of every service is registered here so
// shutdown can end them first: grpc-js's tryShutdown waits for open streams
// (grpc-node #1458).

import type { ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import type { Unsubscribe } from '../core/api.js';
import { CtiError } from '../core/errors.js';
import { toStatusObject, type Logger } from './status.js';

/**
 * Messages queued for a client that does not read: past this the stream is
 * ended (RESOURCE_EXHAUSTED) instead of letting a stalled client grow the
 * daemon's heap without bound.
 */
const MAX_QUEUED_MESSAGES = 10_000;

/** How our streams end at shutdown: clients re-attach to the restarted daemon. */
const SHUTTING_DOWN = new CtiError('unavailable', 'ctid is shutting down');

/** What a stream handler subscribes with: write updates, end (with an error, or cleanly). */
export interface StreamSink<M> {
  write(message: M): void;
  end(err?: unknown): void;
}

/** What every incoming call, unary or streaming, tells about its caller. */
export type CallerInfo = Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getPeer'>;

/** Who is calling (a user, a peer office); throws CtiError 'unauthenticated' to refuse the call. */
export type Identify<Who> = (call: CallerInfo) => Who;

export type Subscribe<Who, Req, M> = (who: Who, request: Req, sink: StreamSink<M>) => Unsubscribe;

export class OpenStreams {
  private readonly ends = new Set<(err: unknown) => void>();
  private closing = false;

  constructor(private readonly log: Logger) {}

  /** A grpc-js handler that identifies the caller, subscribes, and keeps the subscription tied to the call. */
  handler<Who, Req, M>(method: string, identify: Identify<Who>, subscribe: Subscribe<Who, Req, M>): (call: ServerWritableStream<Req, M>) => void {
    return (call) => {
      let unsubscribe: Unsubscribe | undefined;
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        this.ends.delete(finish);
        unsubscribe?.();
        if (call.cancelled) return;
        if (err === undefined) call.end();
        else call.emit('error', toStatusObject(err, this.log, method));
      };
      const sink: StreamSink<M> = {
        write: (message) => {
          if (done) return;
          if (call.writableLength >= MAX_QUEUED_MESSAGES) {
            this.log('grpc-stream-slow-client', { method, peer: call.getPeer() });
            finish(new CtiError('resource-exhausted', 'the client did not read its stream, so ctid ended it'));
            return;
          }
          call.write(message);
        },
        end: finish,
      };
      if (this.closing) return finish(SHUTTING_DOWN);
      this.ends.add(finish);
      call.once('cancelled', () => finish());
      try {
        // The core may deliver the initial updates, and even the end, before
        // subscribe returns; if the stream is done by then, unsubscribe at once.
        const off = subscribe(identify(call), call.request, sink);
        if (done) off();
        else unsubscribe = off;
      } catch (err) {
        finish(err);
      }
    };
  }

  /** Ends every open stream with UNAVAILABLE, and any stream opened from now on. */
  endAll(): void {
    this.closing = true;
    for (const end of [...this.ends]) end(SHUTTING_DOWN);
  }
}
