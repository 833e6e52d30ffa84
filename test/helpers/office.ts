// One office's core in process, on the real switch path: the simulator over
// TCP, the CSTA link and adapter, and the Core with a memory store. Tests
// drive requests through the CoreApi and the phones through sim.control.

import { ScaledClock } from '../../src/common/clock.js';
import { NumberingPlan } from '../../src/common/numbering.js';
import type { Principal } from '../../src/daemon/core/api.js';
import { Core, type CoreLimits } from '../../src/daemon/core/core.js';
import { NumberResolver } from '../../src/daemon/core/numbers.js';
import type { RequestRecord } from '../../src/daemon/core/request.js';
import { CstaLink } from '../../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../../src/daemon/switch/csta/csta-switch.js';
import { eventually } from './eventually.js';
import { MemoryStore } from './memory-store.js';
import { startTestSim, type TestSim } from './world.js';

export const alice: Principal = { name: 'alice', admin: false, extensions: ['2001'] };
export const bob: Principal = { name: 'bob', admin: false, extensions: ['2002'] };

export const TEST_LIMITS: CoreLimits = {
  defaultWindowMs: 60_000,
  maxWindowMs: 3_600_000,
  retryEveryMs: 30_000,
  perRequester: 5,
  perDestination: 5,
  total: 20,
  retentionMs: 3_600_000,
};

export interface TestOffice {
  sim: TestSim;
  core: Core;
  store: MemoryStore;
  link: CstaLink;
  /** Waits until the request reaches a state accepted by `done`. */
  until(id: string, done: (r: RequestRecord) => boolean, what?: string): Promise<RequestRecord>;
  /** A new core over the same store and switch: a daemon restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startOffice(options: { limits?: Partial<CoreLimits>; sim?: TestSim } = {}): Promise<TestOffice> {
  const sim = options.sim ?? (await startTestSim());
  const store = new MemoryStore();
  const address = sim.csta('a');
  const link = new CstaLink({
    host: '127.0.0.1',
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    ...sim.credentials('a'),
    clock: sim.world.clock,
    heartbeatMs: sim.world.config.heartbeatMs,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  const sw = new CstaSwitch(link);
  link.start();
  const makeCore = () =>
    new Core({
      office: 'a',
      version: 'test',
      switchUrl: 'embedded',
      users: [
        { ...alice, token: 'alice-token-0123456789' },
        { ...bob, token: 'bob-token-0123456789ab' },
      ],
      limits: { ...TEST_LIMITS, ...options.limits },
      numbers: new NumberResolver(new NumberingPlan(sim.world.config.offices[0]!.numbering), 'JP'),
      switch: sw,
      store,
      clock: new ScaledClock(),
      logger: () => {},
    });
  const office: TestOffice = {
    sim,
    core: makeCore(),
    store,
    link,
    until: (id, done, what = 'the request to move on') =>
      eventually(what, async () => office.core.get({ name: 'admin', admin: true, extensions: [] }, id), done, 20_000),
    restart: async () => {
      office.core.stop();
      office.core = makeCore();
      office.core.start();
    },
    close: async () => {
      office.core.stop();
      await link.close();
      await sim.close();
    },
  };
  office.core.start();
  await eventually('the switch link to be up', async () => link.state, (s) => s === 'up');
  return office;
}
