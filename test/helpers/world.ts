// Test worlds: the default offices on free ports, with a fast clock.

import { parseWorld, defaultWorldInput, type WorldConfig, type WorldInput } from '../../src/switch-sim/world-file.js';
import { startSimulator, type RunningSimulator } from '../../src/switch-sim/simulator.js';
import { CstaLink, type CstaLinkOptions } from '../../src/daemon/switch/csta/link.js';
import { AmiTestClient } from './ami-client.js';

/** The default world with every listener on port 0; `edit` may change it further. */
export function testWorld(edit: (w: WorldInput) => void = () => {}): WorldConfig {
  const input = defaultWorldInput();
  for (const office of input.offices) office.csta.listen = '127.0.0.1:0';
  edit(input);
  return parseWorld(input);
}

/** testWorld with an AMI face on every office (user ctid-OFFICE, secret secret-OFFICE), as `switch-sim serve --ami` gives. */
export function amiTestWorld(): WorldConfig {
  return testWorld((w) => {
    for (const o of w.offices) o.ami = { listen: '127.0.0.1:0', user: `ctid-${o.id}`, secret: `secret-${o.id}` };
  });
}

/** A test world with AMI faces, and a manager logged in to office a's (events on); `close` ends both. */
export async function startAmiSim(): Promise<{ sim: TestSim; manager: AmiTestClient; close: () => Promise<void> }> {
  const sim = await startTestSim({ world: amiTestWorld() });
  const manager = await AmiTestClient.login(sim.offices.find((o) => o.id === 'a')!.ami!, 'ctid-a', 'secret-a');
  return {
    sim,
    manager,
    close: async () => {
      manager.close();
      await sim.close();
    },
  };
}

export interface TestSim extends RunningSimulator {
  csta(office: string): string;
  credentials(office: string): { user: string; password: string };
}

export async function startTestSim(options: { world?: WorldConfig; timeScale?: number; control?: boolean } = {}): Promise<TestSim> {
  const world = options.world ?? testWorld();
  const sim = await startSimulator({
    world,
    timeScale: options.timeScale ?? 20,
    controlListen: options.control ? '127.0.0.1:0' : null,
    logger: () => {},
  });
  return {
    ...sim,
    csta: (office) => sim.offices.find((o) => o.id === office)!.csta,
    credentials: (office) => {
      const o = world.offices.find((x) => x.id === office)!;
      return { user: o.csta.user, password: o.csta.password };
    },
  };
}

/**
 * ctid's CSTA link to one office of a test world, not started: on the
 * world's clock (its session timers and heartbeat run there), patient
 * requests (a loaded machine), a quick reconnect. `options` override.
 */
export function linkTo(sim: TestSim, office: string, options: Partial<CstaLinkOptions> = {}): CstaLink {
  const address = sim.csta(office);
  return new CstaLink({
    host: address.slice(0, address.lastIndexOf(':')),
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    ...sim.credentials(office),
    clock: sim.world.clock,
    heartbeatMs: sim.world.config.heartbeatMs,
    requestTimeoutMs: 100_000,
    backoff: { initialMs: 200, maxMs: 2_000 },
    ...options,
  });
}
