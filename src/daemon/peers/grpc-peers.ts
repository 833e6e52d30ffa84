// The core's Peers port over gRPC (peer.proto): the camp-on request / reply /
// cancel and status monitor this office sends to the offices that own a
// destination (FIG. 19-26), and the transfer entry / release of its
// extensions (FIG. 55-58). One PeerLink per configured peer; their health is
// asked every healthEveryMs, on demand (checkHealth), and updated by every
// call. Retrying is the core's business (style.md section 7: only calls with
// an idempotency key are retried, and the core knows which those are).

import type { Unsubscribe } from '../core/api.js';
import { CtiError } from '../core/errors.js';
import type { PeerCampOn, PeerHealth, PeerRequestState, Peers, PeerStatusNotification, PeerTransferEntry, PeerTransferRequest } from '../core/peering.js';
import type { TransferEntry } from '../core/transfers.js';
import {
  fromProtoPeerState,
  fromProtoPeerTransfer,
  fromProtoStatus,
  toProtoCampOn,
  toProtoTransferEntry,
  toProtoTransferRelease,
} from '../grpc/peer-convert.js';
import type { Logger } from '../grpc/status.js';
import type { TransferListResponse } from '../../gen/cti/v1/peer.js';
import { PeerLink, type PeerConfig } from './peer-link.js';

export type { PeerConfig } from './peer-link.js';

export interface GrpcPeersOptions {
  /** Our own office id: every call says it is from this office (x-cti-office). */
  office: string;
  /** Config `peers`: office id -> address, secret, optional TLS. */
  peers: Readonly<Record<string, PeerConfig>>;
  logger: Logger;
  /** A unary call's (and a health check's) deadline. Default 5 s. */
  callTimeoutMs?: number;
  /** How often every peer's health is asked; 0: only on demand. Default 10 s. */
  healthEveryMs?: number;
  /** Wall clock, epoch ms, for lastReached. Default Date.now. */
  now?: () => number;
}

const DEFAULT_CALL_TIMEOUT_MS = 5000;
const DEFAULT_HEALTH_EVERY_MS = 10_000;

export class GrpcPeers implements Peers {
  private readonly links = new Map<string, PeerLink>();
  private readonly timer?: NodeJS.Timeout;

  /** Throws CtiError 'invalid-argument' when a peer's TLS files cannot be read (a config error). */
  constructor(options: GrpcPeersOptions) {
    const link = { ours: options.office, callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, now: options.now ?? Date.now, log: options.logger };
    for (const [office, config] of Object.entries(options.peers)) this.links.set(office, new PeerLink(office, config, link));
    const every = options.healthEveryMs ?? DEFAULT_HEALTH_EVERY_MS;
    if (every > 0 && this.links.size > 0) {
      void this.checkHealth(); // `cti peers` right after start-up says more than "unknown"
      this.timer = setInterval(() => void this.checkHealth(), every);
      this.timer.unref();
    }
  }

  has(office: string): boolean {
    return this.links.has(office);
  }

  async campOn(office: string, request: PeerCampOn): Promise<PeerRequestState> {
    return this.link(office).unary((client, metadata, options, callback) => client.campOn(toProtoCampOn(request), metadata, options, callback), fromProtoPeerState);
  }

  watchCampOn(office: string, id: string, onState: (state: PeerRequestState) => void, onEnd: (err?: Error) => void): Unsubscribe {
    return this.stream(office, onEnd, (link) => link.stream((client, metadata) => client.watchCampOn({ id }, metadata), fromProtoPeerState, onState, onEnd));
  }

  async cancelCampOn(office: string, id: string): Promise<PeerRequestState> {
    return this.link(office).unary((client, metadata, options, callback) => client.cancelCampOn({ id }, metadata, options, callback), fromProtoPeerState);
  }

  monitorStatus(
    office: string,
    number: string,
    windowMs: number,
    via: string[],
    onStatus: (n: PeerStatusNotification) => void,
    onEnd: (err?: Error) => void,
  ): Unsubscribe {
    return this.stream(office, onEnd, (link) =>
      link.stream((client, metadata) => client.monitorStatus({ number, windowMs, via }, metadata), fromProtoStatus, onStatus, onEnd),
    );
  }

  async setTransfer(office: string, request: PeerTransferEntry): Promise<TransferEntry> {
    return this.link(office).unary((client, metadata, options, callback) => client.transferEntry(toProtoTransferEntry(request), metadata, options, callback), fromProtoPeerTransfer);
  }

  async clearTransfer(office: string, request: PeerTransferRequest): Promise<TransferEntry> {
    return this.link(office).unary((client, metadata, options, callback) => client.transferRelease(toProtoTransferRelease(request), metadata, options, callback), fromProtoPeerTransfer);
  }

  async listTransfers(office: string, user: string): Promise<TransferEntry[]> {
    return this.link(office).unary(
      (client, metadata, options, callback) => client.transferList({ user }, metadata, options, callback),
      (r: TransferListResponse) => r.transfers.map(fromProtoPeerTransfer),
    );
  }

  /** What is known now (the periodic checks and every call keep it fresh). */
  list(): PeerHealth[] {
    return [...this.links.values()].map((link) => link.snapshot());
  }

  /** Asks every peer's health now; resolves with the new list. */
  async checkHealth(): Promise<PeerHealth[]> {
    await Promise.all([...this.links.values()].map((link) => link.checkHealth()));
    return this.list();
  }

  /** Stops the health checks and closes every connection; idempotent. Calls after it reject. */
  close(): void {
    clearInterval(this.timer);
    this.links.forEach((link) => link.close());
  }

  /** A stream that cannot even start (unknown office, closed) ends through onEnd, as one that breaks later does. */
  private stream(office: string, onEnd: (err: Error) => void, open: (link: PeerLink) => Unsubscribe): Unsubscribe {
    try {
      return open(this.link(office));
    } catch (err) {
      let live = true;
      queueMicrotask(() => live && onEnd(err as Error));
      return () => {
        live = false;
      };
    }
  }

  /** The core routes only to configured peers, so an unknown office here is a bug of ours. */
  private link(office: string): PeerLink {
    const link = this.links.get(office);
    if (!link) throw new CtiError('internal', `no peer office "${office}" in the config (peers)`);
    return link;
  }
}
