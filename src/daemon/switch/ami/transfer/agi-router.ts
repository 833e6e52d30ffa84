// Switch.routeCalls over AMI: the dialplan hands each call to a routed
// extension to ctid's FastAGI server (script `route`); the extension's
// router (the core) says where it goes, as it does for a CSTA RouteRequest:
//
//   routeTo(slot)   voice-board mode: the call is parked on that slot,
//                   its session kept open (parked-calls.ts)
//   routeTo(DEST)   `SET VARIABLE CTID_DEST DEST`, and the session ends:
//                   the dialplan goes to DEST
//   ringHere()      the session ends with CTID_DEST empty: the dialplan
//                   dials the extension itself
//
// No answer within DECIDE_MS rings the extension, as a CSTA switch's route
// timeout does. Routed extensions are announced to the dialplan as AstDB
// keys (route-keys.ts).

import { DEST_VARIABLE } from '../../../../agi/ctid-dialplan.js';
import type { OfferedCall } from '../../../core/ports.js';
import type { AgiSession } from '../fastagi/agi-session.js';
import type { ParkedCalls } from './parked-calls.js';
import type { RouteKeys } from './route-keys.js';

/** How long a router may take to decide (a CSTA switch's route timeout is about this). */
const DECIDE_MS = 10_000;

type Router = (call: OfferedCall) => void;

export class AgiRouter {
  private readonly routers = new Map<string, Router>();

  constructor(
    private readonly keys: RouteKeys,
    private readonly parked: ParkedCalls,
  ) {}

  route(device: string, onCall: Router): () => void {
    this.routers.set(device, onCall);
    this.keys.add(device);
    return () => {
      if (this.routers.get(device) !== onCall) return;
      this.routers.delete(device);
      this.keys.remove(device);
    };
  }

  /** The `route` script: one call to a routed extension. */
  serve(session: AgiSession): void {
    const device = session.env('extension') ?? '';
    const router = this.routers.get(device);
    if (!router) return session.close(`${device || 'no extension'} is not routed by ctid (a stale AstDB key)`);
    let decided = false;
    const decide = (what: () => void) => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      what();
    };
    const timer = setTimeout(() => decide(() => session.close(`no route decided within ${DECIDE_MS} ms: ${device} rings`, true)), DECIDE_MS);
    session.once('close', () => clearTimeout(timer));
    // Asterisk keeps a hung-up channel's AGI (answering 511) until the server lets go: let go at once, whatever stage the call is in.
    session.once('hangup', () => session.close('the caller hung up'));
    const sendTo = async (destination: string) => {
      await session.command(['SET', 'VARIABLE', DEST_VARIABLE, destination]).catch(() => {}); // a caller who left needs no destination
      session.close('routed');
    };
    const caller = session.env('callerid') ?? '';
    router({
      device,
      caller: /^[\d*#+]{1,32}$/.test(caller) ? caller : 'unknown',
      routeTo: (destination) =>
        decide(() => {
          if (this.parked.isSlot(destination)) this.parked.park(destination, session, device);
          else void sendTo(destination);
        }),
      ringHere: () => decide(() => session.close('rings here')),
    });
  }
}
