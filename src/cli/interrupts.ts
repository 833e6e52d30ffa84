// SIGINT / SIGTERM while a command waits or follows a stream: the command
// stops, the request (if any) goes on in ctid, and the exit status says which
// signal it was (130 / 143, interfaces.md). The handlers live only as long as
// the wait, so every other moment keeps Node's default behaviour.

import { CliError } from './errors.js';
import type { RpcStream } from './rpc/stream.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs fn with a signal that aborts on SIGINT / SIGTERM (its reason is the
 * signal's name); if fn then fails, CliError 'interrupted' is thrown instead.
 */
export async function untilInterrupted<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(name);
  SIGNALS.forEach((name) => process.on(name, onSignal));
  try {
    return await fn(controller.signal);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    const signal = controller.signal.reason as NodeJS.Signals;
    throw new CliError('interrupted', `stopped by ${signal}`, { signal });
  } finally {
    SIGNALS.forEach((name) => process.off(name, onSignal));
  }
}

/** Rejects as soon as the signal aborts; otherwise settles as the promise does. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Hands each message of a server stream to `each` until the stream ends
 * (false), `each` returns 'stop' (true), or the signal aborts (throws).
 * Either way the call is cancelled, so ctid drops its subscription.
 */
export async function forEachMessage<T>(stream: RpcStream<T>, signal: AbortSignal, each: (message: T) => 'stop' | void): Promise<boolean> {
  // After a cancel the stream reports CANCELLED as an 'error': expected, not a crash.
  const cancel = () => {
    stream.on('error', () => {});
    stream.cancel();
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const message of stream) {
      if (each(message) === 'stop') return true;
    }
    return false;
  } finally {
    signal.removeEventListener('abort', cancel);
    cancel();
  }
}
