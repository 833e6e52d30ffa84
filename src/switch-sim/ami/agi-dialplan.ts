// The part of a PBX's dialplan that ctid ships (contrib/asterisk/
// extensions_ctid.conf), as the simulator runs it: a call offered to an
// extension with a `ctid-route` AstDB key, not routed before, goes to
// `AGI(agi://ADDRESS/route)` (world file `ami.agi`) before it rings
// anything. While the AGI runs, the call is held (Call.routing, as for a
// CSTA router: no two-party release). When the AGI ends, the dialplan goes
// on: CTID_DEST set -> the call goes there; else (ctid said nothing, or
// could not be reached: AGISTATUS=FAILURE) the extension itself rings.
// The caller having hung up meanwhile ends it all.

import { ROUTE_FAMILY } from '../../agi/ctid-dialplan.js';
import { parseHostPort } from '../../common/listen.js';
import type { Call, Device } from '../call.js';
import type { AmiPbx } from './ami-pbx.js';
import { AgiCall } from './agi-call.js';

export class AgiDialplan {
  /** Calls routed once (the dialplan's CTID_ROUTED, inherited by every leg). */
  private readonly routed = new WeakSet<Call>();
  private readonly open = new Set<AgiCall>();
  private seq = 0;
  private readonly server: { host: string; port: number };

  constructor(
    private readonly pbx: AmiPbx,
    /** HOST:PORT of the FastAGI server (checked here: a bad one fails the simulator's start, not a call). */
    private readonly address: string,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    this.server = parseHostPort(address);
    pbx.exchange.dialplan = this;
  }

  intercept(call: Call, device: Device): boolean {
    if (this.routed.has(call) || this.pbx.db.get(ROUTE_FAMILY, device.ext) === undefined) return false;
    const caller = call.live[0];
    if (!caller) return false;
    this.routed.add(call);
    const marker = { crossRef: `agi-${++this.seq}` };
    call.routing = marker;
    const agi = new AgiCall(this.pbx, { call, caller, device, address: this.address, server: this.server, logger: this.logger }, (dest) => {
      this.open.delete(agi);
      if (call.routing === marker) call.routing = undefined;
      this.goOn(call, device, dest);
    });
    this.open.add(agi);
    return true;
  }

  close(): void {
    if (this.pbx.exchange.dialplan === this) this.pbx.exchange.dialplan = undefined;
    for (const agi of this.open) agi.close();
  }

  /** After AGI(): Goto the destination ctid named, or Dial the extension. */
  private goOn(call: Call, device: Device, dest: string | undefined): void {
    const caller = call.live[0];
    if (!caller || call.live.length !== 1) return; // hung up, or a Dial of ctid's is still in the call
    const exchange = this.pbx.exchange;
    try {
      if (dest && dest !== device.ext) exchange.divert(call, device.ext, dest);
      else exchange.offerToDevice(call, device, true);
    } catch (err) {
      this.logger('dialplan could not go on after AGI', { office: exchange.id, dest, err: String(err) });
      exchange.clear(caller);
    }
  }
}
