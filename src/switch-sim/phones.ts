// The SimulatorControl behind the control API: a phone's own buttons and
// settings, the link switch, and the world's views. Errors are sentences
// (SimulatorError); a switch refusal becomes a `conflict` with its reason.

import { isCstaServiceError } from '../csta/errors.js';
import type { Connection, Device } from './call.js';
import type { DeviceSettings, LogEntry, SimulatorControl, TalkPaths, WorldStatus } from './control.js';
import type { CstaServer } from './csta-server.js';
import { SimulatorError } from './errors.js';
import type { Exchange } from './exchange.js';
import type { RequestLog } from './request-log.js';
import type { World } from './world.js';

export class Phones implements SimulatorControl {
  constructor(
    private readonly world: World,
    private readonly servers: Map<string, CstaServer>,
    private readonly requestLog: RequestLog,
    private readonly credentials: Map<string, { user: string; password: string }>,
  ) {}

  status(): WorldStatus {
    return this.world.status((office) => {
      const server = this.servers.get(office);
      return { csta: server?.address, ...this.credentials.get(office), link: server?.link, sessions: server?.sessionCount };
    });
  }

  paths(): TalkPaths {
    return this.world.paths();
  }

  log(office?: string): LogEntry[] {
    if (office !== undefined) this.exchange(office);
    return this.requestLog.list(office);
  }

  dial(office: string, ext: string, number: string): void {
    const { exchange, device } = this.phone(office, ext);
    this.press(() => exchange.dial(device, number));
  }

  answer(office: string, ext: string): void {
    const { exchange, device } = this.phone(office, ext);
    const ringing = [...device.connections].find((c) => c.state === 'alerting' || (c.state === 'initiated' && c.prompting));
    if (!ringing) throw new SimulatorError('conflict', `${device.name} is not ringing`);
    this.press(() => exchange.answerConnection(ringing));
  }

  hangup(office: string, ext: string): void {
    const { exchange, device } = this.phone(office, ext);
    const connections = [...device.connections];
    if (connections.length === 0) throw new SimulatorError('conflict', `${device.name} is not in a call`);
    this.press(() => connections.forEach((c) => exchange.clear(c)));
  }

  hold(office: string, ext: string): void {
    const { exchange, device } = this.phone(office, ext);
    const talking = this.find(device, 'connected', `${device.name} has no call to hold`);
    this.press(() => exchange.hold(talking, 'self'));
  }

  retrieve(office: string, ext: string): void {
    const { exchange, device } = this.phone(office, ext);
    const held = this.find(device, 'hold', `${device.name} has no call on hold`);
    this.press(() => exchange.retrieve(held));
  }

  set(office: string, ext: string, settings: DeviceSettings): void {
    const { exchange, device } = this.phone(office, ext);
    if (settings.rings !== undefined && !(Number.isInteger(settings.rings) && settings.rings >= 1 && settings.rings <= 100)) {
      throw new SimulatorError('invalid', `rings must be a whole number from 1 to 100, got ${settings.rings}`);
    }
    if (settings.answer !== undefined) device.answer = settings.answer;
    if (settings.rings !== undefined) device.rings = settings.rings;
    if (settings.dnd !== undefined) device.dnd = settings.dnd;
    if (settings.service !== undefined) exchange.setService(device, settings.service === 'in');
  }

  link(office: string, state: 'up' | 'down'): void {
    const server = this.servers.get(office);
    if (!server) throw new SimulatorError('not-found', `office "${office}" has no CSTA link (offices: ${[...this.servers.keys()].join(', ')})`);
    server.setLink(state);
  }

  private exchange(office: string): Exchange {
    const exchange = this.world.exchange(office);
    if (!exchange) throw new SimulatorError('not-found', `no office "${office}" (offices: ${[...this.world.exchanges.keys()].join(', ')})`);
    return exchange;
  }

  private phone(office: string, ext: string): { exchange: Exchange; device: Device } {
    const exchange = this.exchange(office);
    const device = exchange.devices.get(exchange.isPublic ? ext.replace(/\D/g, '') : ext);
    if (!device) throw new SimulatorError('not-found', `no device ${office}/${ext}`);
    return { exchange, device };
  }

  private find(device: Device, state: Connection['state'], message: string): Connection {
    const c = [...device.connections].find((x) => x.state === state);
    if (!c) throw new SimulatorError('conflict', message);
    return c;
  }

  /** Runs a button press; a switch refusal reads as a conflict with the switch's reason. */
  private press(action: () => void): void {
    try {
      action();
    } catch (err) {
      if (isCstaServiceError(err)) throw new SimulatorError('conflict', err.message);
      throw err;
    }
  }
}
