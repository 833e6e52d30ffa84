// Who is calling: every call carries `authorization: Bearer TOKEN` (the
// proto's service comment). The core decides whether the token is known
// (in constant time) and what its user may do; this file only reads the header.

import type { Metadata } from '@grpc/grpc-js';
import type { CoreApi, Principal } from '../core/api.js';
import { CtiError } from '../core/errors.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The caller's Principal; throws CtiError 'unauthenticated' for a missing or unknown token. */
export function authenticate(core: CoreApi, metadata: Metadata): Principal {
  const [header] = metadata.get('authorization');
  const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
  if (token === undefined) throw new CtiError('unauthenticated', 'no token: send metadata "authorization: Bearer TOKEN"');
  const principal = core.authenticate(token);
  if (!principal) throw new CtiError('unauthenticated', 'the token is not known to this ctid');
  return principal;
}
