// ctid's gRPC server: the client API (cti.v1.CtiService), the peer API
// (cti.v1.PeerService) when the daemon federates, health checking and
// reflection on one port, in plain text or TLS. Shutdown is bounded and
// idempotent (style.md section 6): our own streams (of both services) end
// first, then tryShutdown waits for calls in flight, and forceShutdown cuts
// what is left after the grace period.

import { Server } from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../../common/listen.js';
import type { CoreApi } from '../core/api.js';
import type { PeerFacingApi } from '../core/peering.js';
import { CtiServiceDefinition } from '../../gen/cti/v1/cti.js';
import { PeerServiceDefinition } from '../../gen/cti/v1/peer.js';
import { grpcJsService } from '../../rpc/grpc-js-service.js';
import { addHealth } from './health.js';
import { peerService } from './peer-service.js';
import { serverCredentials, type ServerTls } from './peer-tls.js';
import { addReflection } from './reflection.js';
import { ctiService, type MailApi } from './service.js';
import type { Logger } from './status.js';
import { OpenStreams } from './streams.js';

export interface GrpcServerOptions {
  /** HOST:PORT; port 0 picks a free port (see `address`). */
  listen: string;
  /**
   * The largest message ctid accepts from a client. Default 256 KiB: well
   * under grpc-js's 4 MiB, since no request of ours comes near it and a large
   * one only costs the daemon memory.
   */
  maxMessageBytes?: number;
  logger: Logger;
  /** Serve cti.v1.PeerService: `secrets` maps each peer office to the secret that pair shares (config `peers.*.secret`). */
  peer?: { api: PeerFacingApi; secrets: Readonly<Record<string, string>> };
  /** Requests by mail (config `mail`); without it the mail calls say the office takes no mail. */
  mail?: MailApi;
  /** PEM files (config `tls`); with `ca`, every client must present a certificate it signed (mutual TLS). Default: plain text. */
  tls?: ServerTls;
}

export interface RunningGrpcServer {
  /** HOST:PORT actually bound. */
  readonly address: string;
  /** What grpc.health.v1 reports; NOT_SERVING until first set. */
  setServing(serving: boolean): void;
  /** Idempotent; resolves once the server is closed. Default grace 5 s. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_GRACE_MS = 5000;

export async function startGrpcServer(core: CoreApi, options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const log = options.logger;
  const { host } = parseHostPort(options.listen, { allowPortZero: true });
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    // Channelz bookkeeping costs about 3% of a Submit's CPU, and nothing here serves channelz.
    'grpc.enable_channelz': 0,
  });
  const streams = new OpenStreams(log);
  server.addService(grpcJsService(CtiServiceDefinition), ctiService(core, log, streams, options.mail));
  if (options.peer) server.addService(grpcJsService(PeerServiceDefinition), peerService(options.peer.api, options.peer.secrets, log, streams));
  const health = addHealth(server);
  await addReflection(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.listen, serverCredentials(options.tls), (err, bound) =>
      err ? reject(new Error(`cannot listen on ${options.listen}: ${err.message}`)) : resolve(bound),
    ),
  );
  const address = formatHostPort(host, port);
  log('grpc-listening', { address });

  let closing: Promise<void> | undefined;
  const close = (graceMs = DEFAULT_GRACE_MS): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      log('grpc-closing', { graceMs });
      health.setServing(false);
      streams.endAll();
      const force = setTimeout(() => {
        log('grpc-force-shutdown', { graceMs });
        server.forceShutdown();
      }, graceMs);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        log('grpc-closed');
        resolve();
      });
    }));

  return { address, setServing: health.setServing, close };
}
