// Routing devices (csta-link.md "routing"; ECMA-269 clause 23): an
// application registers as the router for a device with RouteRegister; the
// switch then asks it (RouteRequest) before offering any call to that device,
// and follows its RouteSelect. Selecting the device itself, RouteEnd from the
// application, the route timeout, or the application going away all give the
// default treatment: the call is offered to the device as if unrouted.

import type { Timer } from '../common/clock.js';
import { CstaServiceError } from '../csta/errors.js';
import type { RouteEnd, RouteRequest } from '../csta/messages.js';
import type { Call, Device } from './call.js';
import type { Exchange } from './exchange.js';
import { dialledDigits } from './exchange.js';

/** Where the routing dialogue's messages go: one application session. */
export interface RouteSink {
  request(req: Omit<RouteRequest, 'type'>): void;
  end(end: Omit<RouteEnd, 'type'>): void;
}

interface Registration {
  id: string;
  device: Device;
  sink: RouteSink;
}

interface Dialogue {
  crossRef: string;
  call: Call;
  registration: Registration;
  timer: Timer;
}

const invalid = (value: string, message: string) => new CstaServiceError('operation', value, message);

export class Routing {
  private readonly registrations = new Map<string, Registration>();
  private readonly byDevice = new Map<string, Registration>();
  private readonly dialogues = new Map<string, Dialogue>();
  private seq = 0;

  constructor(private readonly exchange: Exchange) {}

  register(ext: string, sink: RouteSink): string {
    const device = this.exchange.device(ext);
    const current = this.byDevice.get(ext);
    if (current && current.sink !== sink) {
      throw new CstaServiceError('operation', 'requestIncompatibleWithObject', `another application is already the router for ${ext}`);
    }
    if (current) return current.id;
    const registration = { id: String(++this.seq), device, sink };
    this.registrations.set(registration.id, registration);
    this.byDevice.set(ext, registration);
    return registration.id;
  }

  cancel(regId: string, sink: RouteSink): void {
    const registration = this.registrations.get(regId);
    if (!registration || registration.sink !== sink) throw invalid('invalidCrossRefID', `no route registration ${regId}`);
    this.remove(registration);
  }

  /** The application behind `sink` is gone: its registrations end, and pending calls get the default treatment. */
  dropSink(sink: RouteSink): void {
    for (const registration of [...this.registrations.values()]) if (registration.sink === sink) this.remove(registration);
  }

  /** Called before a call is offered to a device: true when a router was asked instead. */
  intercept(call: Call, device: Device): boolean {
    const registration = this.byDevice.get(device.ext);
    if (!registration) return false;
    const crossRef = String(++this.seq);
    const timer = this.exchange.network.clock.setTimer(this.exchange.network.routeTimeoutMs, () => this.finish(crossRef, 'timeout'));
    const dialogue = { crossRef, call, registration, timer };
    this.dialogues.set(crossRef, dialogue);
    call.routing = dialogue;
    registration.sink.request({
      routeRegisterReqId: registration.id,
      crossRefIdentifier: crossRef,
      currentRoute: device.ext,
      callingDevice: call.callingDevice,
      routedCall: { callId: call.id, deviceId: device.ext },
    });
    return true;
  }

  /** RouteSelect: send the call where the application says. */
  select(regId: string, crossRef: string, destination: string, sink: RouteSink): void {
    const dialogue = this.dialogueFor(regId, crossRef, sink);
    const digits = dialledDigits(destination);
    if (digits === undefined) throw invalid('invalidDestination', `"${destination}" is not a number the switch can route to`);
    this.close(dialogue);
    dialogue.registration.sink.end({ routeRegisterReqId: regId, crossRefIdentifier: crossRef });
    const { call, registration } = dialogue;
    if (digits === registration.device.ext) this.exchange.offerToDevice(call, registration.device, true);
    else this.exchange.divert(call, registration.device.ext, digits);
  }

  /** RouteEnd from the application: it will not route this call; the device gets it. */
  end(regId: string, crossRef: string, sink: RouteSink): void {
    const dialogue = this.dialogueFor(regId, crossRef, sink);
    this.close(dialogue);
    this.exchange.offerToDevice(dialogue.call, dialogue.registration.device, true);
  }

  /** The call ended while its router was deciding. */
  callEnded(call: Call): void {
    const dialogue = call.routing && this.dialogues.get(call.routing.crossRef);
    if (!dialogue) return;
    this.close(dialogue);
    dialogue.registration.sink.end({ routeRegisterReqId: dialogue.registration.id, crossRefIdentifier: dialogue.crossRef, errorValue: 'callCleared' });
  }

  private dialogueFor(regId: string, crossRef: string, sink: RouteSink): Dialogue {
    const dialogue = this.dialogues.get(crossRef);
    if (!dialogue || dialogue.registration.id !== regId || dialogue.registration.sink !== sink) {
      throw invalid('invalidCrossRefID', `no routing dialogue ${crossRef} for registration ${regId}`);
    }
    return dialogue;
  }

  /** Timeout or the router left: the default treatment (csta-link.md: offer the call to the station). */
  private finish(crossRef: string, errorValue: string): void {
    const dialogue = this.dialogues.get(crossRef);
    if (!dialogue) return;
    this.close(dialogue);
    dialogue.registration.sink.end({ routeRegisterReqId: dialogue.registration.id, crossRefIdentifier: crossRef, errorValue });
    this.exchange.offerToDevice(dialogue.call, dialogue.registration.device, true);
  }

  private close(dialogue: Dialogue): void {
    dialogue.timer.cancel();
    this.dialogues.delete(dialogue.crossRef);
    if (dialogue.call.routing?.crossRef === dialogue.crossRef) dialogue.call.routing = undefined;
  }

  private remove(registration: Registration): void {
    this.registrations.delete(registration.id);
    this.byDevice.delete(registration.device.ext);
    for (const dialogue of [...this.dialogues.values()]) {
      if (dialogue.registration === registration) this.finish(dialogue.crossRef, 'generic');
    }
  }
}
