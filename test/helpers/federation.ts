// Three offices in one world for the federation end-to-end tests (issue 5,
// "Tests"): one `switch-sim serve` process with offices a, b and a third
// office c, and one real `ctid` per office on csta://, each knowing the other
// two as peers (a shared secret per pair) and routing the other offices'
// numbers to them. Peers need each other's addresses before any of them
// starts, so every ctid's port is picked free up front and kept across its
// restarts (kill -9, then the same data directory and address).
//
// The phones ring 100 rings (30 s at --time-scale 10), long enough to be
// answered by a test on a loaded machine; extension 2005 of every office
// answers by itself, so `busy()` can put a line in a call. ctid logs at info
// (stderr) so that a test can read what a peer logged (a refused office).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorldInput } from '../../src/switch-sim/world-file.js';
import { USERS, startCti, startCtid, startSwitchSim, untilCtidLink, type CtiOptions, type SwitchSimCli, type TestCtid, type TestSwitchSim } from './ctid.js';
import { closedPort } from './ports.js';
import type { RunningBin } from './processes.js';

export const OFFICES = ['a', 'b', 'c'] as const;
export type Office = (typeof OFFICES)[number];

/** A user of office a (extension 2001 = 044-123-4567); every office knows her, with her own token. */
export const ALICE = { name: 'alice', token: 'alice-token-0123456789', extensions: ['2001'], admin: false } as const;

/** Each office's numbering plan (the world's and ctid's config alike). */
export const NUMBERING: Record<Office, { extension: string; external: string }[]> = {
  a: [
    { extension: '2001', external: '044-123-4567' },
    { extension: '20xx', external: '044-123-40xx' },
  ],
  b: [
    { extension: '2000', external: '044-222-3333' },
    { extension: '20xx', external: '044-222-30xx' },
  ],
  c: [
    { extension: '2000', external: '06-6000-1000' },
    { extension: '20xx', external: '06-6000-10xx' },
  ],
};

/** The number prefixes each office owns: every other office routes them to it. */
export const OWNS: Record<Office, string> = { a: '044-123', b: '044-222', c: '06-6000' };

/** The secret a pair of offices shares (at least 16 characters). */
export function pairSecret(x: Office, y: Office): string {
  const [first, second] = [x, y].sort();
  return `secret-of-${first}-and-${second}-0123456789`;
}

/** Rings before a phone gives up: 100 rings of 300 ms (3 s at --time-scale 10). */
const RINGS = 100;
const TIME_SCALE = 10;

/** Office c: stations 2000-2009, its numbers 06-6000-10xx. */
function addOfficeC(world: WorldInput): void {
  world.offices.push({
    id: 'c',
    csta: { listen: '127.0.0.1:0', user: 'ctid-c', password: 'secret-c' },
    stations: ['2000-2009'],
    numbering: NUMBERING.c,
  });
}

/** Every station rings RINGS times; 2005 answers by itself (a partner for busy()). */
function slowPhones(world: WorldInput): void {
  for (const office of world.offices) {
    const devices = { ...office.devices };
    for (let n = 2000; n <= 2009; n++) devices[String(n)] = { ...devices[String(n)], rings: RINGS };
    devices['2005'] = { ...devices['2005'], answer: 'auto' };
    office.devices = devices;
  }
}

export interface FederationOptions {
  /** The ctids to start (default all three); the others stay configured as peers but are not running. */
  start?: readonly Office[];
  /** Changes to an office's ctid config (after the defaults), e.g. a wrong peer secret. */
  configure?: (office: Office, config: OfficeConfig) => void;
  /** Offices whose ctid drives its PBX over AMI (`switch-sim serve --ami`) instead of CSTA. */
  ami?: readonly Office[];
}

export interface OfficeConfig extends Record<string, unknown> {
  office: Office;
  listen: string;
  peers: Record<string, { address: string; secret: string }>;
  routes: { prefix: string; office: string; network: string; place: string }[];
}

export class Federation {
  private readonly ctids = new Map<Office, TestCtid>();
  /** Each office's data directory, once its ctid has started: kept for restarts. */
  private readonly dataDirs = new Map<Office, string>();
  /** The stderr of each office's ctids that were killed. */
  private readonly logs = new Map<Office, string[]>();

  private constructor(
    readonly sim: TestSwitchSim,
    /** Each office's ctid config, fixed (its listen address too) across restarts. */
    readonly configs: Record<Office, OfficeConfig>,
  ) {}

  /** The simulator, its csta:// listeners ready; the ctids in `options.start`, each with its switch link up. */
  static async start(options: FederationOptions = {}): Promise<Federation> {
    const sim = await startSwitchSim({
      timeScale: TIME_SCALE,
      ami: (options.ami?.length ?? 0) > 0,
      world: (world) => {
        addOfficeC(world);
        slowPhones(world);
      },
    });
    const ports = {} as Record<Office, number>;
    for (const office of OFFICES) ports[office] = await closedPort();
    const configs = {} as Record<Office, OfficeConfig>;
    for (const office of OFFICES) {
      const others = OFFICES.filter((o) => o !== office);
      const config: OfficeConfig = {
        office,
        listen: `127.0.0.1:${ports[office]}`,
        switch: { url: options.ami?.includes(office) ? `ami://${sim.ami[office]}` : `csta://${sim.csta[office]}`, user: `ctid-${office}`, password: `secret-${office}` },
        numbering: NUMBERING[office],
        users: [...Object.values(USERS), ALICE],
        peers: Object.fromEntries(others.map((o) => [o, { address: `127.0.0.1:${ports[o]}`, secret: pairSecret(office, o) }])),
        routes: others.map((o) => ({ prefix: OWNS[o], office: o, network: 'public', place: 'remote' })),
        timeScale: TIME_SCALE,
      };
      options.configure?.(office, config);
      configs[office] = config;
    }
    const federation = new Federation(sim, configs);
    await Promise.all((options.start ?? OFFICES).map((office) => federation.startOffice(office)));
    return federation;
  }

  get phones(): SwitchSimCli {
    return this.sim.cli;
  }

  /** The running ctid of `office`. */
  ctid(office: Office): TestCtid {
    const ctid = this.ctids.get(office);
    if (!ctid) throw new Error(`the ctid of office ${office} is not running`);
    return ctid;
  }

  address(office: Office): string {
    return this.configs[office].listen;
  }

  /** `cti` options for a user of `office`: a test user, or the office's local admin (DATA/admin.token). */
  as(office: Office, user: 'alice' | 'admin' | keyof typeof USERS): CtiOptions {
    const token = user === 'alice' ? ALICE.token : user === 'admin' ? this.adminToken(office) : USERS[user].token;
    return { server: this.address(office), token };
  }

  adminToken(office: Office): string {
    const dir = this.dataDirs.get(office);
    if (!dir) throw new Error(`office ${office}'s ctid never started`);
    return readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  }

  /** What `office`'s ctid wrote on stderr (its JSON log lines), across its restarts. */
  log(office: Office): string {
    return (this.logs.get(office) ?? []).join('') + (this.ctids.get(office)?.process.stderr ?? '');
  }

  /** Starts (or, after kill9, restarts on the same data directory and address) the ctid of `office`; resolves once its switch link is up. */
  async startOffice(office: Office): Promise<TestCtid> {
    if (this.ctids.has(office)) throw new Error(`the ctid of office ${office} is already running`);
    const dataDir = this.dataDirs.get(office);
    const ctid = await startCtid({ config: this.configs[office], env: { CTID_LOG: 'info' }, ...(dataDir ? { dataDir } : {}) });
    this.ctids.set(office, ctid);
    this.dataDirs.set(office, ctid.dataDir);
    await untilCtidLink(ctid.address, (link) => link === 'up', `of office ${office} up`);
    return ctid;
  }

  /** kill -9 of `office`'s ctid; its log so far is kept for log(). */
  async kill9(office: Office): Promise<void> {
    const ctid = this.ctid(office);
    const exit = await ctid.kill9();
    if (exit.signal !== 'SIGKILL') throw new Error(`ctid ${office} exited ${JSON.stringify(exit)} before the kill: ${ctid.process.stderr}`);
    this.logs.set(office, [...(this.logs.get(office) ?? []), ctid.process.stderr]);
    this.ctids.delete(office);
  }

  /** Puts OFFICE/EXT in a call with OFFICE/2005 (which answers by itself): the line is busy until hung up. */
  async busy(office: Office, ext: string): Promise<void> {
    await this.phones.dial(office, ext, '2005');
    await this.phones.untilLine(office, '2005', 'busy');
    await this.phones.untilLine(office, ext, 'busy');
  }

  /** The talk paths as strings, one per group, its devices sorted: `a/2001 b/2000`. */
  async groups(): Promise<string[]> {
    return (await this.phones.paths()).paths.map((p) => [...p.devices].sort().join(' ')).sort();
  }

  /** The MakeCall requests the office's PBX received so far. */
  async makeCalls(office: Office): Promise<{ callingDevice: unknown; calledDirectoryNumber: unknown }[]> {
    return (await this.phones.makeCalls(office)).map((e) => ({ callingDevice: e.message.callingDevice, calledDirectoryNumber: e.message.calledDirectoryNumber }));
  }
}

/** alice camps on 044-222-3333 at office a (--json); resolves once a reports the request watching. */
export async function campOnAtA(f: Federation, ...flags: string[]): Promise<RunningBin> {
  const cti = startCti(['camp-on', '044-222-3333', '--from', '2001', '--json', ...flags], f.as('a', 'alice'));
  await cti.waitForLine(/"type":"progress".*"state":"watching"/, 30_000);
  return cti;
}
