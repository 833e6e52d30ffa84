// One peer office as this ctid reaches it: its client (made on first use and
// kept, so every call and health check shares one connection), the metadata
// every call carries (our office and the pair's secret, peer.proto), and what
// we know of the peer's health. Every failure leaves as the CtiError of
// peer-errors.ts; a peer not reached is marked unreachable until it answers.

import { Metadata, status, type CallOptions, type ChannelCredentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { Unsubscribe } from '../core/api.js';
import { CtiError, isCtiError } from '../core/errors.js';
import type { PeerHealth, PeerHealthState } from '../core/peering.js';
import { PeerServiceDefinition } from '../../gen/cti/v1/peer.js';
import { grpcJsClient, type ClientOf } from '../../rpc/grpc-js-service.js';
import { OFFICE_METADATA_KEY } from '../grpc/auth.js';
import { peerCredentials, type PeerTls } from '../grpc/peer-tls.js';
import type { Logger } from '../grpc/status.js';
import { HealthChecker } from './health-check.js';
import { isUnreachable, peerError } from './peer-errors.js';

type PeerClient = ClientOf<PeerServiceDefinition>;
const PeerClient = grpcJsClient(PeerServiceDefinition);

/** Config `peers.OFFICE`. */
export interface PeerConfig {
  /** HOST:PORT of that office's ctid. */
  address: string;
  /** The secret both sides of the pair share. */
  secret: string;
  tls?: PeerTls;
}

export interface LinkOptions {
  /** Our own office id, sent as x-cti-office. */
  ours: string;
  callTimeoutMs: number;
  /** Wall clock, epoch ms (lastReached). */
  now: () => number;
  log: Logger;
}

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/**
 * How long a call that found no connection waits for one before it fails:
 * a peer that has just (re)started is reached as soon as grpc-js dials it
 * again (its reconnect back-off is at most 1 s), not reported unreachable
 * because an earlier dial failed. A peer that is really down costs this
 * much more before the call fails.
 */
const CONNECT_WAIT_MS = 1_500;

const CHANNEL_OPTIONS = {
  // A peer back after an outage is dialled again within seconds, not after
  // grpc-js's default back-off of up to two minutes: the core's own retries
  // (within a request's window) set the pace.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1000,
  // A peer that vanishes without closing the connection (a network cut) ends
  // our streams within ~40 s instead of leaving them open forever.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export class PeerLink {
  private readonly credentials: ChannelCredentials;
  private connection?: { client: PeerClient; health: HealthChecker };
  private health: PeerHealthState = 'unknown';
  private lastReached?: number;
  private lastError?: string;
  /** The peer refused our credentials on the last authenticated call. */
  private refused = false;
  private checking?: Promise<void>;
  private closed = false;

  constructor(
    readonly office: string,
    private readonly config: PeerConfig,
    private readonly options: LinkOptions,
  ) {
    this.credentials = peerCredentials(office, config.tls);
  }

  get address(): string {
    return this.config.address;
  }

  /** A unary call under the call deadline, its answer decoded. */
  async unary<T, R>(invoke: (client: PeerClient, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<T>) => void, decode: (answer: T) => R): Promise<R> {
    const { client } = this.connect();
    const call = (waitForReady: boolean, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const metadata = this.metadata();
        if (waitForReady) metadata.setOptions({ waitForReady: true });
        invoke(client, metadata, { deadline: Date.now() + timeoutMs }, (err, value) => (err ? reject(err) : resolve(value as T)));
      });
    try {
      let answer: T;
      try {
        answer = await call(false, this.options.callTimeoutMs);
      } catch (err) {
        // No connection now (the channel is between dials): nothing was sent, so waiting for one and asking again is safe.
        if (!isNoConnection(err)) throw err;
        answer = await call(true, Math.min(CONNECT_WAIT_MS, this.options.callTimeoutMs));
      }
      this.reached();
      return this.decode(decode, answer);
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** A server stream: each message decoded to onMessage, then onEnd once (with an error unless the peer ended it). */
  stream<T, R>(open: (client: PeerClient, metadata: Metadata) => ClientReadableStream<T>, decode: (message: T) => R, onMessage: (message: R) => void, onEnd: (err?: Error) => void): Unsubscribe {
    const call = open(this.connect().client, this.metadata());
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      call.cancel(); // a no-op once the peer has ended it
      onEnd(err);
    };
    call.on('data', (message: T) => {
      if (done) return;
      this.reached();
      let decoded: R;
      try {
        decoded = this.decode(decode, message);
      } catch (err) {
        return finish(this.failed(err));
      }
      onMessage(decoded);
    });
    // After our own cancel grpc-js reports CANCELLED: ours, not the peer's failure.
    call.on('error', (err) => done || finish(this.failed(err)));
    call.on('end', () => finish());
    return () => {
      done = true;
      call.cancel();
    };
  }

  /** Asks the peer's standard health check; concurrent askers share one check. */
  checkHealth(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.checking ??= this.connect()
      .health.check(this.options.callTimeoutMs)
      .then(
        (answer) => {
          this.reached(false);
          this.setHealth(answer);
        },
        (err: unknown) => void this.failed(err),
      )
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  snapshot(): PeerHealth {
    return { office: this.office, address: this.address, health: this.health, lastReached: this.lastReached, lastError: this.lastError };
  }

  close(): void {
    this.closed = true;
    this.connection?.client.close();
  }

  private connect(): { client: PeerClient; health: HealthChecker } {
    if (this.closed) throw new CtiError('unavailable', `ctid is shutting down: office ${this.office} is no longer called`, 'peer-unavailable');
    if (!this.connection) {
      const client = new PeerClient(this.address, this.credentials, CHANNEL_OPTIONS);
      this.connection = { client, health: new HealthChecker(this.address, this.credentials, client.getChannel()) };
    }
    return this.connection;
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set(OFFICE_METADATA_KEY, this.options.ours);
    metadata.set('authorization', `Bearer ${this.config.secret}`);
    return metadata;
  }

  /** A message we cannot read is the peer's fault, not the user's: `internal`, never `invalid-argument`. */
  private decode<T, R>(decode: (message: T) => R, message: T): R {
    try {
      return decode(message);
    } catch (err) {
      const why = isCtiError(err) ? err.message : String(err);
      throw new CtiError('internal', `office ${this.office} sent a message this ctid cannot read: ${why}`, 'internal', { cause: err });
    }
  }

  /**
   * The peer answered; an unreachable peer is asked for its health again at
   * once, to say what it is now. A health check needs no secret, so only an
   * authenticated call (recheck) clears a refusal of our credentials.
   */
  private reached(recheck = true): void {
    this.lastReached = this.options.now();
    if (recheck) this.refused = false;
    if (!this.refused) this.lastError = undefined;
    if (recheck && this.health === 'unreachable') void this.checkHealth();
  }

  private failed(err: unknown): CtiError {
    const error = peerError(this, err);
    this.lastError = error.message;
    if (isUnreachable(error)) {
      this.setHealth('unreachable');
      return error;
    }
    // It answered, if only to refuse: it is reachable.
    this.refused = error.code === 'permission-denied';
    this.lastReached = this.options.now();
    if (this.health === 'unreachable') void this.checkHealth();
    return error;
  }

  private setHealth(health: PeerHealthState): void {
    if (health === this.health) return;
    this.health = health;
    this.options.log('peer-health', { office: this.office, address: this.address, health, error: this.lastError });
  }
}

/** grpc-js's fast failure of a call made while its channel has no connection (the request never left). */
function isNoConnection(err: unknown): boolean {
  const e = err as Partial<ServiceError>;
  return e.code === status.UNAVAILABLE && typeof e.details === 'string' && e.details.startsWith('No connection established');
}
