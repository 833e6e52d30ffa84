// The standard gRPC health check (grpc.health.v1.Health/Check, service "")
// of a peer, over the channel its peer client already has: one connection
// per peer, and "reachable" means what it means for the real calls. A peer
// ctid says SERVING while its switch link is up (interfaces.md).

import { makeClientConstructor, status, type ChannelCredentials, type ChannelInterface, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** What a health check found (`unknown`: reached, but it serves no health check); an unreachable peer is a rejection instead. */
export type HealthAnswer = 'serving' | 'not-serving' | 'unknown';

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

interface HealthStub {
  check(request: { service: string }, options: { deadline: number }, callback: (err: ServiceError | null, response?: { status: string }) => void): void;
}

/** Closing the peer client closes the shared channel, so this has no close() of its own. */
export class HealthChecker {
  private readonly stub: HealthStub;

  constructor(address: string, credentials: ChannelCredentials, channel: ChannelInterface) {
    this.stub = new HealthClient(address, credentials, { channelOverride: channel }) as unknown as HealthStub;
  }

  /** Rejects with the ServiceError when the peer cannot be asked. */
  check(timeoutMs: number): Promise<HealthAnswer> {
    return new Promise((resolve, reject) =>
      this.stub.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err?.code === status.UNIMPLEMENTED) resolve('unknown');
        else if (err) reject(err);
        else resolve(response?.status === 'SERVING' ? 'serving' : 'not-serving');
      }),
    );
  }
}
