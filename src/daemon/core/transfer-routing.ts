// Carrying out the transfer table (FIG. 55-56): ctid is the router of every
// extension with an entry, so the switch asks it where each call to that
// extension goes. The first destination that can take the call gets it: a
// destination of this switch that is already in a call is passed over
// (busy), an outside number is tried. When none can, the extension itself
// rings. Registrations follow the table: set registers, clear stops, and a
// start (after a restart) registers every stored entry again; the switch
// adapter re-registers after a link outage.
//
// This is the direct mode: the switch routes the call straight to the
// destination. The voice-board mode (port 1 takes the call, port 2 calls the
// destination, the ports are bridged), which also falls back on no-answer,
// and the confirm prompts, are still to come: a `confirm` entry is routed
// like a direct one.

import type { OfferedCall, Switch } from './ports.js';
import type { TransferEntry, TransferTable } from './transfers.js';

export class TransferRouting {
  private readonly registered = new Map<string, () => void>();

  constructor(
    private readonly sw: Switch,
    private readonly table: TransferTable,
    private readonly logger: (event: string, fields?: Record<string, unknown>) => void,
  ) {}

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
    const destination = entry && (await this.firstFree(entry, call.caller));
    this.logger('transfer routed', { extension: call.device, caller: call.caller, to: destination ?? call.device });
    if (destination) call.routeTo(destination);
    else call.ringHere();
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
