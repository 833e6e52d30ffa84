// Who is calling. Users send `authorization: Bearer TOKEN` (cti.proto); the
// core decides whether the token is known (in constant time) and what its
// user may do, so this file only reads the header. Peer offices send
// `x-cti-office: OFFICE` and `authorization: Bearer SECRET` (peer.proto); the
// secrets are the config's, so they are checked here, before the core sees
// the call, and refusals are logged with who tried from where.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { CoreApi, Principal } from '../core/api.js';
import { CtiError } from '../core/errors.js';
import type { Logger } from './status.js';
import type { CallerInfo } from './streams.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Metadata naming the calling office on the peer API. */
export const OFFICE_METADATA_KEY = 'x-cti-office';

function bearer(metadata: Metadata): string | undefined {
  const [header] = metadata.get('authorization');
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/** The caller's Principal; throws CtiError 'unauthenticated' for a missing or unknown token. */
export function authenticate(core: CoreApi, metadata: Metadata): Principal {
  const token = bearer(metadata);
  if (token === undefined) throw new CtiError('unauthenticated', 'no token: send metadata "authorization: Bearer TOKEN"');
  const principal = core.authenticate(token);
  if (!principal) throw new CtiError('unauthenticated', 'the token is not known to this ctid');
  return principal;
}

/**
 * The calling office, if it sent the secret configured for it. The caller
 * hears only "refused", whatever the cause: which offices we know is none of
 * its business. The log says which office tried from where, never the secret.
 */
export function authenticatePeer(secrets: Readonly<Record<string, string>>, call: CallerInfo, log: Logger): string {
  const [sent] = call.metadata.get(OFFICE_METADATA_KEY);
  const office = typeof sent === 'string' ? sent : '';
  const secret = bearer(call.metadata);
  const why = !office
    ? 'no x-cti-office metadata'
    : !Object.hasOwn(secrets, office)
      ? 'unknown office'
      : secret === undefined
        ? 'no secret'
        : !sameSecret(secret, secrets[office]!)
          ? 'wrong secret'
          : undefined;
  if (why === undefined) return office;
  log('peer-refused', { office, peer: call.getPeer(), why });
  throw new CtiError('unauthenticated', 'this ctid refused the peer: unknown office or wrong secret');
}

/** Constant time, lengths included: digests are compared, not the secrets. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
