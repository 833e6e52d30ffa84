// Peers for in-process tests of the core's federation logic: each office's
// calls go straight to the other office's PeerDesk (as the gRPC adapter would
// deliver them, values copied), and an office can be made unreachable. The
// gRPC peer adapter has its own tests; the acceptance tests run real ctids.

import type { Unsubscribe } from '../../src/daemon/core/api.js';
import { CtiError } from '../../src/daemon/core/errors.js';
import type { PeerFacingApi, PeerHealth, Peers } from '../../src/daemon/core/peering.js';

export class DirectPeers implements Peers {
  readonly down = new Set<string>();
  private readonly streams = new Map<string, Set<() => void>>();

  constructor(
    private readonly self: string,
    private readonly desks: Map<string, PeerFacingApi>,
  ) {}

  has(office: string): boolean {
    return this.desks.has(office);
  }

  /** Makes an office unreachable: calls fail, its open streams break. */
  cut(office: string): void {
    this.down.add(office);
    for (const breakStream of this.streams.get(office) ?? []) breakStream();
  }

  campOn: Peers['campOn'] = async (office, request) => structuredClone(await this.desk(office).peerCampOn(this.self, structuredClone(request)));
  cancelCampOn: Peers['cancelCampOn'] = async (office, id) => structuredClone(await this.desk(office).peerCancel(this.self, id));
  setTransfer: Peers['setTransfer'] = async (office, request) => structuredClone(await this.desk(office).peerSetTransfer(this.self, structuredClone(request)));
  clearTransfer: Peers['clearTransfer'] = async (office, request) => structuredClone(await this.desk(office).peerClearTransfer(this.self, structuredClone(request)));
  listTransfers: Peers['listTransfers'] = async (office, user) => structuredClone(this.desk(office).peerListTransfers(this.self, user));

  watchCampOn: Peers['watchCampOn'] = (office, id, onState, onEnd) =>
    this.stream(office, onEnd, (end) => this.desk(office).peerWatch(this.self, id, (s) => onState(structuredClone(s)), () => end()));

  monitorStatus: Peers['monitorStatus'] = (office, number, windowMs, via, onStatus, onEnd) =>
    this.stream(office, onEnd, (end) => this.desk(office).peerMonitor(this.self, number, windowMs, via, (n) => onStatus({ ...n }), end));

  list(): PeerHealth[] {
    return [...this.desks.keys()].filter((o) => o !== this.self).map((office) => ({ office, address: 'in-process', health: this.down.has(office) ? 'unreachable' : 'serving' }));
  }

  private desk(office: string): PeerFacingApi {
    if (this.down.has(office) || !this.desks.has(office)) throw new CtiError('unavailable', `office ${office} is unreachable`, 'peer-unavailable');
    return this.desks.get(office)!;
  }

  /** Opens a stream that ends once, by the far side (end), by a cut, or by us (the returned function). */
  private stream(office: string, onEnd: (err?: Error) => void, open: (end: (err?: Error) => void) => Unsubscribe): Unsubscribe {
    let done = false;
    let close: Unsubscribe = () => {};
    const set = this.streams.get(office) ?? new Set<() => void>();
    this.streams.set(office, set);
    const end = (err?: Error) => {
      if (done) return;
      done = true;
      set.delete(cut);
      close();
      onEnd(err);
    };
    const cut = () => end(new CtiError('unavailable', `office ${office} went away`, 'peer-unavailable'));
    set.add(cut);
    try {
      close = open(end);
    } catch (err) {
      queueMicrotask(() => end(err as Error));
    }
    return () => {
      if (done) return;
      done = true;
      set.delete(cut);
      close();
    };
  }
}
