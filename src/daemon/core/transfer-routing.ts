// Carrying out the transfer table (FIG. 55-56): ctid is the router of every
// extension with an entry, so the switch asks it where each call to that
// extension goes. The first destination that can take the call gets it: a
// destination of this switch that is already in a call is passed over
// (busy), an outside number is tried. When none can, the extension itself
// rings. Registrations follow the table: set registers, clear stops, and a
// start (after a restart) registers every stored entry again; the switch
// adapter re-registers after a link outage.
//
// Two modes (config `transfer.mode`):
//   - voice-board (the source text's way, FIG. 56; the default): the call is
//     routed to a free voice-board port, where it waits while the office
//     tries the destinations from a second port, asks the owner first when
//     the entry says --confirm, and falls back (transfer-call.ts). Each such
//     call is a request record of kind `transfer`.
//   - direct: the switch routes the call straight to the first destination
//     that is not in a call; no fallback on no-answer, no prompt.
// A voice-board call that finds fewer than two free ports is routed directly.

import type { PortPool } from './port-pool.js';
import type { OfferedCall, Switch } from './ports.js';
import type { OfferedTransfer } from './transfer-call.js';
import type { TransferEntry, TransferTable } from './transfers.js';

export type TransferMode = 'voice-board' | 'direct';

export interface TransferRoutingOptions {
  switch: Switch;
  table: TransferTable;
  mode: TransferMode;
  ports: PortPool;
  /** Makes the record of a call parked on a port and starts its runner. */
  carry: (call: OfferedTransfer) => Promise<void>;
  logger: (event: string, fields?: Record<string, unknown>) => void;
}

export class TransferRouting {
  private readonly registered = new Map<string, () => void>();
  private readonly sw: Switch;
  private readonly table: TransferTable;
  private readonly logger: TransferRoutingOptions['logger'];

  constructor(private readonly options: TransferRoutingOptions) {
    this.sw = options.switch;
    this.table = options.table;
    this.logger = options.logger;
  }

  /** Registers for every entry of the table and lets go of extensions that no longer have one. */
  sync(): void {
    const wanted = new Set([...this.table.all()].map((e) => e.extension));
    for (const [extension, stop] of this.registered) {
      if (!wanted.has(extension)) {
        stop();
        this.registered.delete(extension);
      }
    }
    for (const extension of wanted) {
      if (!this.registered.has(extension)) this.registered.set(extension, this.sw.routeCalls(extension, (call) => void this.route(call)));
    }
  }

  stop(): void {
    for (const stop of this.registered.values()) stop();
    this.registered.clear();
  }

  private async route(call: OfferedCall): Promise<void> {
    const entry = this.table.get(call.device);
    if (entry && this.options.mode === 'voice-board') {
      const ports = this.options.ports.take(2);
      if (ports) return this.park(call, entry, ports);
      this.logger('transfer routed directly: no two voice-board ports free', { extension: call.device });
    }
    const destination = entry && (await this.firstFree(entry, call.caller));
    this.logger('transfer routed', { extension: call.device, caller: call.caller, to: destination ?? call.device });
    if (destination) call.routeTo(destination);
    else call.ringHere();
  }

  /** Voice-board mode: the call goes to port 1 at once (no wait for the store), then its record is made. */
  private async park(call: OfferedCall, entry: TransferEntry, ports: string[]): Promise<void> {
    call.routeTo(ports[0]!);
    await new Promise((resolve) => setImmediate(resolve)); // the RouteSelect leaves before the bookkeeping
    this.logger('transfer parked', { extension: call.device, caller: call.caller, port: ports[0] });
    try {
      await this.options.carry({ entry, caller: call.caller, ports });
    } catch (err) {
      // Not stored: nobody will follow the call, so it goes where it was going.
      this.logger('transfer not carried', { extension: call.device, err: (err as Error).message });
      this.options.ports.give(ports);
      await this.sw.releaseParked(ports[0]!, { ring: call.device }).catch(() => {});
    }
  }

  /** The first destination that is not the caller and not known to be in a call; undefined when none. */
  private async firstFree(entry: TransferEntry, caller: string): Promise<string | undefined> {
    for (const d of entry.destinations) {
      if (d.dial === caller) continue; // a destination calling the extension reaches it
      if (d.network !== 'station') return d.dial; // an outside number cannot be looked at first
      const inCall = await this.sw.activeCall(d.dial).then(
        (call) => call !== undefined,
        () => false, // cannot tell: let the switch try
      );
      if (!inCall) return d.dial;
    }
    return undefined;
  }
}
