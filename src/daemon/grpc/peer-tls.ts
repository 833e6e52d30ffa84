// TLS for both ends of the peer API (config `tls` for our own server, which
// clients and peers share; `peers.*.tls` towards each peer). Certificates are
// PEM files, read once at start-up: a missing file stops ctid with the
// config key that names it, and every re-dial uses exactly the credentials
// of the first connection (style.md section 7).

import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { CtiError } from '../core/errors.js';

/** Config `tls`: our certificate and key; with `ca`, clients must present a certificate it signed (mutual TLS). */
export interface ServerTls {
  cert: string;
  key: string;
  ca?: string;
}

/** Config `peers.*.tls`: the CA to trust for that peer, and our client certificate where it wants mutual TLS. */
export interface PeerTls {
  ca: string;
  cert?: string;
  key?: string;
}

function pem(key: string, path: string | undefined): Buffer | null {
  if (path === undefined) return null;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CtiError('invalid-argument', `config: ${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export function serverCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = pem('tls.ca', tls.ca);
  return ServerCredentials.createSsl(ca, [{ cert_chain: pem('tls.cert', tls.cert)!, private_key: pem('tls.key', tls.key)! }], ca !== null);
}

/** Plain text without `tls` (the secret then travels in clear: for a trusted network only). */
export function peerCredentials(office: string, tls: PeerTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new CtiError('invalid-argument', `config: peers.${office}.tls: give both cert and key (mutual TLS), or neither`);
  }
  const key = `peers.${office}.tls`;
  return credentials.createSsl(pem(`${key}.ca`, tls.ca), pem(`${key}.key`, tls.key), pem(`${key}.cert`, tls.cert));
}
