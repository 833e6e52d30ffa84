// A PeerFacingApi the test drives by hand, behind the real peer gRPC server:
// forwarded camp-ons kept by id (per origin office, as the core keeps them),
// their states changed exactly when the test says, and status monitors that
// end when their window does; transfer entries kept by extension, as set.

import type { Unsubscribe } from '../../src/daemon/core/api.js';
import { CtiError } from '../../src/daemon/core/errors.js';
import type { PeerCampOn, PeerFacingApi, PeerRequestState, PeerStatusNotification, PeerTransferEntry, PeerTransferRequest } from '../../src/daemon/core/peering.js';
import { isFinal } from '../../src/daemon/core/request.js';
import type { TransferEntry } from '../../src/daemon/core/transfers.js';

interface Forwarded {
  origin: string;
  request: PeerCampOn;
  state: PeerRequestState;
}

type Watcher = { id: string; onState: (state: PeerRequestState) => void; onEnd: () => void };
export type Monitor = { origin: string; number: string; windowMs: number; via: string[]; onStatus: (n: PeerStatusNotification) => void; onEnd: (err?: Error) => void };

export class FakePeerApi implements PeerFacingApi {
  readonly forwarded = new Map<string, Forwarded>();
  readonly monitors = new Set<Monitor>();
  readonly transfers = new Map<string, TransferEntry>();
  private readonly watchers = new Set<Watcher>();

  async peerCampOn(origin: string, request: PeerCampOn): Promise<PeerRequestState> {
    const known = this.forwarded.get(request.id);
    if (known) return known.state; // idempotent on the id
    const state: PeerRequestState = { id: request.id, state: 'watching', attempts: 0, detail: 'line busy' };
    this.forwarded.set(request.id, { origin, request, state });
    return state;
  }

  peerWatch(origin: string, id: string, onState: Watcher['onState'], onEnd: () => void): Unsubscribe {
    const { state } = this.get(origin, id);
    onState(state);
    if (isFinal(state)) {
      onEnd();
      return () => {};
    }
    const watcher = { id, onState, onEnd };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  async peerCancel(origin: string, id: string): Promise<PeerRequestState> {
    const { state } = this.get(origin, id);
    return isFinal(state) ? state : this.advance(id, { state: 'cancelled', reason: 'cancelled', message: `cancelled by office ${origin}` });
  }

  peerMonitor(origin: string, number: string, windowMs: number, via: string[], onStatus: Monitor['onStatus'], onEnd: Monitor['onEnd']): Unsubscribe {
    const monitor: Monitor = { origin, number, windowMs, via, onStatus, onEnd };
    this.monitors.add(monitor);
    onStatus({ status: 'idle', lineState: 'idle' });
    const timer = setTimeout(() => this.monitors.delete(monitor) && onEnd(), windowMs);
    return () => {
      clearTimeout(timer);
      this.monitors.delete(monitor);
    };
  }

  async peerSetTransfer(_origin: string, request: PeerTransferEntry): Promise<TransferEntry> {
    const destinations = request.destinations.map((number) => ({ number, dial: number.replace(/\D/g, ''), network: 'public' as const }));
    const entry: TransferEntry = { extension: request.extension, destinations, mode: request.confirm ? 'confirm' : 'auto', setBy: request.user, setAt: Date.now() };
    this.transfers.set(request.extension, entry);
    return entry;
  }

  async peerClearTransfer(_origin: string, request: PeerTransferRequest): Promise<TransferEntry> {
    const entry = this.transfers.get(request.extension);
    if (!entry) throw new CtiError('not-found', `no transfer is set for ${request.extension}`);
    this.transfers.delete(request.extension);
    return entry;
  }

  peerListTransfers(_origin: string, user: string): TransferEntry[] {
    return [...this.transfers.values()].filter((t) => t.setBy === user);
  }

  // ------------------------------------------------------------ the test's hands

  /** Changes a forwarded request's state and tells its watchers; after a final state they are done. */
  advance(id: string, change: Partial<PeerRequestState>): PeerRequestState {
    const forwarded = this.forwarded.get(id)!;
    forwarded.state = { ...forwarded.state, ...change };
    for (const w of [...this.watchers]) {
      if (w.id !== id) continue;
      w.onState(forwarded.state);
      if (isFinal(forwarded.state)) {
        this.watchers.delete(w);
        w.onEnd();
      }
    }
    return forwarded.state;
  }

  notify(number: string, n: PeerStatusNotification): void {
    for (const m of this.monitors) if (m.number === number) m.onStatus(n);
  }

  /** Open subscriptions (to check that a cancelled client stream unsubscribes). */
  get subscriptions(): number {
    return this.watchers.size + this.monitors.size;
  }

  /** Only the office that forwarded a request may see it. */
  private get(origin: string, id: string): Forwarded {
    const forwarded = this.forwarded.get(id);
    if (!forwarded || forwarded.origin !== origin) throw new CtiError('not-found', `no forwarded request ${id} from office ${origin}`);
    return forwarded;
  }
}
