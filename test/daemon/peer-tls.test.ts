// The peer API over TLS and mutual TLS (issue 5: "TLS and mutual TLS
// selectable in the config"): config `tls` on the serving ctid, `peers.*.tls`
// on the calling one. Certificates are made for the test by openssl (a CA, a
// server certificate for 127.0.0.1, a client certificate).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCtiError } from '../../src/daemon/core/errors.js';
import type { PeerTls, ServerTls } from '../../src/daemon/grpc/peer-tls.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/daemon/grpc/server.js';
import { GrpcPeers } from '../../src/daemon/peers/grpc-peers.js';
import { FakeCore } from '../cli/fake-core.js';
import { FakePeerApi } from './fake-peer-api.js';

const SECRET = 'a-and-b-share-this-secret';
const dir = mkdtempSync(join(tmpdir(), 'peer-tls-'));
const file = (name: string) => join(dir, name);
const servers: RunningGrpcServer[] = [];
const clients: GrpcPeers[] = [];

test.after(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(servers.map((s) => s.close(100)));
  rmSync(dir, { recursive: true, force: true });
});

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and a certificate signed by the test CA; the server's names 127.0.0.1. */
function issue(name: string, extensions: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(file(`${name}.ext`), extensions);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
}

async function serve(tls: ServerTls): Promise<string> {
  const server = await startGrpcServer(new FakeCore(), { listen: '127.0.0.1:0', logger: () => {}, tls, peer: { api: new FakePeerApi(), secrets: { a: SECRET } } });
  servers.push(server);
  return server.address;
}

function peersAt(address: string, tls?: PeerTls): GrpcPeers {
  const peers = new GrpcPeers({ office: 'a', peers: { b: { address, secret: SECRET, tls } }, logger: () => {}, healthEveryMs: 0 });
  clients.push(peers);
  return peers;
}

const campOn = (peers: GrpcPeers, id: string) =>
  peers.campOn('b', { id, destination: '0442223333', source: '0312345678', network: 'public', deadline: Date.now() + 60_000, strategy: 'watch', retryEveryMs: 30_000, requester: 'alice', via: ['a'] });

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return isCtiError(err) ? `${err.code}/${err.reason}` : String(err);
  }
}

test('certificates', () => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign');
  issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('client', 'extendedKeyUsage=clientAuth\n');
});

test('TLS: a peer that trusts our CA gets through; one that dials in plain text is not reached', async () => {
  const address = await serve({ cert: file('server.crt'), key: file('server.key') });
  assert.is(await code(campOn(peersAt(address, { ca: file('ca.crt') }), 'a-1')), 'ok');
  assert.is(await code(campOn(peersAt(address), 'a-2')), 'unavailable/peer-unavailable');
});

test('mutual TLS: without our client certificate the handshake fails; with it the call goes through', async () => {
  const address = await serve({ cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt') });
  assert.is(await code(campOn(peersAt(address, { ca: file('ca.crt') }), 'a-3')), 'unavailable/peer-unavailable');
  assert.is(await code(campOn(peersAt(address, { ca: file('ca.crt'), cert: file('client.crt'), key: file('client.key') }), 'a-4')), 'ok');
});

test('a TLS file that cannot be read is a config error naming its key', () => {
  assert.throws(() => peersAt('127.0.0.1:1', { ca: file('missing.crt') }), /config: peers\.b\.tls\.ca: cannot read .*missing\.crt/);
  assert.throws(() => peersAt('127.0.0.1:1', { ca: file('ca.crt'), cert: file('client.crt') }), /give both cert and key/);
});

test.run();
