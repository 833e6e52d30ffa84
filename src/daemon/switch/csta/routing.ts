// Switch.routeCalls over CSTA (csta-link.md "routing"): RouteRegister per
// routed device, issued again every time the link comes up (registrations
// live in the application session, like monitors); each RouteRequest is
// handed to the device's router, whose choice goes back as RouteSelect.
// A call ctid itself sends on to a routed device (a parked transfer call
// deflected to ring its extension, parked.ts) is expected: its RouteRequest
// is answered with the device at once, without asking the router again.
// RouteSelect is unconfirmed: a refusal arrives as a CSTAErrorCode naming
// its invoke id; the call is then offered to the device itself rather than
// left waiting for the switch's route timeout.

import type { RouteRegisterResponse, RouteRequest } from '../../../csta/messages.js';
import type { OfferedCall } from '../../core/ports.js';
import type { CstaLink, LinkLogger } from './link.js';

/** How long a RouteSelect's refusal is waited for (the switch answers at once; this bounds the memory). */
const REFUSAL_MS = 30_000;

interface SentSelect {
  device: string;
  destination: string;
  req: RouteRequest;
  at: number;
}

/** How long an expected RouteRequest is waited for (the switch asks at once; this only bounds the memory). */
const RING_NEXT_MS = 60_000;

interface Registration {
  device: string;
  onCall: (call: OfferedCall) => void;
  /** routeRegisterReqID in the current session. */
  id: string | undefined;
}

export class RouteRegistrations {
  private readonly byDevice = new Map<string, Registration>();
  private readonly byId = new Map<string, Registration>();
  /** callID -> the device its next RouteRequest rings. */
  private readonly ringing = new Map<string, string>();
  /** RouteSelects sent lately, by invoke id, oldest first. */
  private readonly sent = new Map<number, SentSelect>();

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
    link.on('frame', ({ invokeId, message }) => {
      if (message.type === 'RouteRequest') this.offered(message);
      else if (message.type === 'CSTAErrorCode') this.refused(invokeId, `${message.category} ${message.value}`);
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

  /** The next RouteRequest for `callId` rings `device` itself; returns the function that forgets this. */
  ringNext(callId: string, device: string): () => void {
    this.ringing.set(callId, device);
    const timer = setTimeout(() => this.ringing.delete(callId), RING_NEXT_MS);
    timer.unref();
    return () => {
      clearTimeout(timer);
      if (this.ringing.get(callId) === device) this.ringing.delete(callId);
    };
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
    const select = (destination: string) => this.select(r.device, req, destination);
    if (this.ringing.get(req.routedCall.callId) === r.device) {
      this.ringing.delete(req.routedCall.callId);
      return select(r.device);
    }
    r.onCall({ device: r.device, caller: req.callingDevice, routeTo: select, ringHere: () => select(r.device) });
  }

  private select(device: string, req: RouteRequest, destination: string): void {
    const invokeId = this.link.sendUnconfirmed({ type: 'RouteSelect', routeRegisterReqId: req.routeRegisterReqId, crossRefIdentifier: req.crossRefIdentifier, routeSelected: destination });
    if (invokeId === undefined) return this.log('switch route not selected: the link is down', { device, destination });
    const now = Date.now();
    for (const [id, s] of this.sent) {
      if (now - s.at < REFUSAL_MS) break;
      this.sent.delete(id);
    }
    this.sent.delete(invokeId); // re-inserted last: the map stays in sending order
    this.sent.set(invokeId, { device, destination, req, at: now });
  }

  /** A CSTAErrorCode nobody waited for: if it refuses one of our RouteSelects, the call rings its device. */
  private refused(invokeId: number, error: string): void {
    const s = this.sent.get(invokeId);
    if (!s) return;
    this.sent.delete(invokeId);
    this.log('switch refused the route', { device: s.device, destination: s.destination, error });
    if (s.destination !== s.device) this.select(s.device, s.req, s.device);
  }
}
