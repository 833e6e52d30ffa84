// One office's core in process, on the real switch path: the simulator over
// TCP, the CSTA link and adapter, and the Core with a memory store. Tests
// drive requests through the CoreApi and the phones through sim.control.

import { ScaledClock } from '../../src/common/clock.js';
import { NumberingPlan } from '../../src/common/numbering.js';
import type { Principal } from '../../src/daemon/core/api.js';
import { Core, type CoreLimits } from '../../src/daemon/core/core.js';
import { DEFAULT_DIAL_POLICY, DialPolicy } from '../../src/daemon/core/dial-policy.js';
import { DEFAULT_TRANSFER } from '../../src/daemon/core/transfer-call.js';
import { NumberResolver } from '../../src/daemon/core/numbers.js';
import { NO_PEERS, type Peers } from '../../src/daemon/core/peering.js';
import type { RouteStore, TransferStore } from '../../src/daemon/core/ports.js';
import { RouteTable, type Route } from '../../src/daemon/core/routes.js';
import type { RequestRecord } from '../../src/daemon/core/request.js';
import { CstaLink } from '../../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../../src/daemon/switch/csta/csta-switch.js';
import { eventually } from './eventually.js';
import { MemoryStore, memoryTable } from './memory-store.js';
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
  promptTimeoutMs: 30_000,
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

export interface OfficeOptions {
  /** Default `a`. */
  office?: string;
  limits?: Partial<CoreLimits>;
  /** Share a simulator between offices (then close() leaves it running). */
  sim?: TestSim;
  routes?: Route[];
  peers?: Peers;
  /** Default: the world's ports of this office. */
  voiceBoardPorts?: string[];
}

export async function startOffice(options: OfficeOptions = {}): Promise<TestOffice> {
  const id = options.office ?? 'a';
  const sim = options.sim ?? (await startTestSim());
  const store = new MemoryStore();
  const routeStore = memoryRouteStore();
  const transferStore = memoryTransferStore();
  const address = sim.csta(id);
  const link = new CstaLink({
    host: '127.0.0.1',
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    ...sim.credentials(id),
    clock: sim.world.clock,
    heartbeatMs: sim.world.config.heartbeatMs,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  const sw = new CstaSwitch(link);
  link.start();
  const makeCore = () =>
    new Core({
      office: id,
      version: 'test',
      switchUrl: 'embedded',
      users: [
        { ...alice, token: 'alice-token-0123456789' },
        { ...bob, token: 'bob-token-0123456789ab' },
      ],
      limits: { ...TEST_LIMITS, ...options.limits },
      numbers: new NumberResolver(new NumberingPlan(sim.world.config.offices.find((o) => o.id === id)!.numbering), 'JP'),
      routes: new RouteTable(options.routes ?? [], routeStore, (o) => options.peers?.has(o) ?? false),
      peers: options.peers ?? NO_PEERS,
      switch: sw,
      voiceBoardPorts: options.voiceBoardPorts ?? sim.world.config.offices.find((o) => o.id === id)!.voiceBoardPorts,
      store,
      transfers: transferStore,
      dialPolicy: new DialPolicy(DEFAULT_DIAL_POLICY, 'JP'),
      transfer: DEFAULT_TRANSFER,
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
      if (!options.sim) await sim.close();
    },
  };
  office.core.start();
  await eventually('the switch link to be up', async () => link.state, (s) => s === 'up');
  return office;
}

function memoryRouteStore(): RouteStore {
  return memoryTable<ReturnType<RouteStore['load']>>({ added: [], removed: [] });
}

function memoryTransferStore(): TransferStore {
  return memoryTable<ReturnType<TransferStore['load']>>([]);
}
