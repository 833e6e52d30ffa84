// Following what an action started until it settles: the link's events
// and state, and the request's abort signal, let go of together.

import type { AmiMessage } from '../../../ami/codec.js';
import type { LinkState } from '../../core/ports.js';
import type { AmiLink } from './ami-link.js';

export interface Followers {
  onEvent(event: AmiMessage): void;
  onState(state: LinkState): void;
  onAbort(): void;
}

/**
 * Subscribes to the link's events and state and to the signal; returns the
 * unsubscribe function. Callers end with it: a camp-on passes one signal to
 * all its attempts, so a listener left behind stays until the request ends.
 */
export function follow(link: AmiLink, signal: AbortSignal | undefined, f: Followers): () => void {
  const onEvent = (event: AmiMessage) => f.onEvent(event);
  const onState = (state: LinkState) => f.onState(state);
  const onAbort = () => f.onAbort();
  link.on('event', onEvent);
  link.on('state', onState);
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    link.off('event', onEvent);
    link.off('state', onState);
    signal?.removeEventListener('abort', onAbort);
  };
}
