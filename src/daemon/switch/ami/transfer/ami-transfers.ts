// Transfer entries over AMI, put together: ctid's FastAGI server (where the
// dialplan asks), the AstDB keys (which extensions it asks for), the router
// of each extension and the calls parked on ctid's slots. AmiSwitch hands
// routeCalls, connectParked, releaseParked, the slots' line states and
// the following of transfers that connected to this.

import { ROUTE_SCRIPT } from '../../../../agi/ctid-dialplan.js';
import type { ConnectParkedOptions, ConnectParkedOutcome, JoinedCall, LineState, LineWatch, OfferedCall, ParkedRelease } from '../../../core/ports.js';
import type { AmiLink, LinkLogger } from '../ami-link.js';
import { AgiServer } from '../fastagi/agi-server.js';
import { AgiRouter } from './agi-router.js';
import { ParkedCalls } from './parked-calls.js';
import { connectParked } from './parked-dial.js';
import { RouteKeys } from './route-keys.js';
import { followTransfer, undoTransfer } from './transfer-follow.js';

export interface AmiTransfersOptions {
  link: AmiLink;
  /** The dialplan context destinations are dialled in (switch.context). */
  context: string;
  /** ctid's slots: the "voice-board ports" the core lends parked calls. */
  slots: Iterable<string>;
  /** Where the FastAGI server listens (switch.agi). */
  listen: string;
  log: LinkLogger;
}

export class AmiTransfers {
  private readonly parked: ParkedCalls;
  private readonly router: AgiRouter;

  private constructor(
    private readonly opts: AmiTransfersOptions,
    private readonly server: AgiServer,
  ) {
    this.parked = new ParkedCalls(new Set(opts.slots), opts.log);
    this.router = new AgiRouter(new RouteKeys(opts.link, opts.log), this.parked);
    server.serve(ROUTE_SCRIPT, (session) => this.router.serve(session));
  }

  /** Listens on opts.listen; resolves once it does. */
  static async start(opts: AmiTransfersOptions): Promise<AmiTransfers> {
    const server = new AgiServer({ log: (event, fields) => opts.log(event, fields) });
    await server.listen(opts.listen).catch((err: Error) => {
      throw new Error(`switch.agi: ${err.message}`);
    });
    return new AmiTransfers(opts, server);
  }

  /** Where the FastAGI server listens (the port picked, for port 0). */
  get address(): string {
    return this.server.address;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  isSlot(device: string): boolean {
    return this.parked.isSlot(device);
  }

  watchSlot(slot: string, onChange: (state: LineState) => void): LineWatch {
    return this.parked.watch(slot, onChange);
  }

  routeCalls(device: string, onCall: (call: OfferedCall) => void): () => void {
    return this.router.route(device, onCall);
  }

  connectParked(options: ConnectParkedOptions): Promise<ConnectParkedOutcome> {
    return connectParked({ link: this.opts.link, parked: this.parked, context: this.opts.context, log: this.opts.log }, options);
  }

  releaseParked(slot: string, to: ParkedRelease): Promise<boolean> {
    return this.parked.release(slot, to);
  }

  follow(joined: JoinedCall, onEnd: (why: string) => void): () => void {
    return followTransfer(this.opts.link, this.parked, joined, onEnd, this.opts.log);
  }

  undo(joined: JoinedCall): Promise<void> {
    return undoTransfer(this.opts.link, joined, this.opts.log);
  }
}
