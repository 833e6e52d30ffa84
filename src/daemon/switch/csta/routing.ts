// Switch.routeCalls over CSTA (csta-link.md "routing"): RouteRegister per
// routed device, issued again every time the link comes up (registrations
// live in the application session, like monitors); each RouteRequest is
// handed to the device's router, whose choice goes back as RouteSelect.

import type { RouteRegisterResponse, RouteRequest } from '../../../csta/messages.js';
import type { OfferedCall } from '../../core/ports.js';
import type { CstaLink, LinkLogger } from './link.js';

interface Registration {
  device: string;
  onCall: (call: OfferedCall) => void;
  /** routeRegisterReqID in the current session. */
  id: string | undefined;
}

export class RouteRegistrations {
  private readonly byDevice = new Map<string, Registration>();
  private readonly byId = new Map<string, Registration>();

  constructor(
    private readonly link: CstaLink,
    private readonly log: LinkLogger,
  ) {
    link.on('up', () => {
      for (const r of this.byDevice.values()) void this.register(r);
    });
    link.on('down', () => {
      this.byId.clear();
      for (const r of this.byDevice.values()) r.id = undefined;
    });
    link.on('frame', ({ message }) => {
      if (message.type === 'RouteRequest') this.offered(message);
    });
  }

  route(device: string, onCall: (call: OfferedCall) => void): () => void {
    const existing = this.byDevice.get(device);
    if (existing) {
      existing.onCall = onCall;
    } else {
      const r: Registration = { device, onCall, id: undefined };
      this.byDevice.set(device, r);
      void this.register(r);
    }
    return () => this.unregister(device, onCall);
  }

  private async register(r: Registration): Promise<void> {
    if (this.link.state !== 'up') return; // the next 'up' registers it
    try {
      const { routeRegisterReqId } = await this.link.request<RouteRegisterResponse>({ type: 'RouteRegister', routingDevice: r.device });
      if (this.byDevice.get(r.device) !== r) return this.cancel(routeRegisterReqId); // stopped meanwhile
      r.id = routeRegisterReqId;
      this.byId.set(routeRegisterReqId, r);
    } catch (err) {
      this.log('switch route registration failed', { device: r.device, err: (err as Error).message });
    }
  }

  private unregister(device: string, onCall: (call: OfferedCall) => void): void {
    const r = this.byDevice.get(device);
    if (!r || r.onCall !== onCall) return;
    this.byDevice.delete(device);
    if (r.id === undefined) return;
    this.byId.delete(r.id);
    this.cancel(r.id);
  }

  private cancel(id: string): void {
    this.link
      .request({ type: 'RouteRegisterCancel', routeRegisterReqId: id })
      .catch((err: Error) => this.log('switch route registration not cancelled', { id, err: err.message }));
  }

  private offered(req: RouteRequest): void {
    const r = this.byId.get(req.routeRegisterReqId);
    if (!r) return; // a registration we no longer hold: the switch's route timeout offers the call to the device
    const select = (destination: string) => {
      const sent = this.link.sendUnconfirmed({ type: 'RouteSelect', routeRegisterReqId: req.routeRegisterReqId, crossRefIdentifier: req.crossRefIdentifier, routeSelected: destination });
      if (!sent) this.log('switch route not selected: the link is down', { device: r.device, destination });
    };
    r.onCall({ device: r.device, caller: req.callingDevice, routeTo: select, ringHere: () => select(r.device) });
  }
}
