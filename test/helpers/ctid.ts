// The real ctid for end-to-end tests (style.md section 12): `node bin/ctid.js
// --config FILE --data DIR` with a config written to a temp directory, every
// listener on port 0, the embedded simulator's clock sped up, and its
// readiness lines read under a deadline. And `cti` run against it, isolated
// from the developer's own CTI_* variables and config. Children are killed at teardown by
// processes.ts's killAll() (and, failing that, when the test process exits).
//
// For the tests where the switch is a process of its own (issue 4: kill -9,
// link outages), also `switch-sim serve` on a world whose listeners are all on
// port 0, and its one-shot commands (`switch-sim dial|answer|status ...`) run
// as the real bin against its control API.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, TalkPaths, WorldStatus } from '../../src/switch-sim/control.js';
import { defaultWorldInput, type WorldInput } from '../../src/switch-sim/world-file.js';
import { eventually } from './eventually.js';
import { binPath, runBin, startBin, type Exit, type RunningBin, type RunResult } from './processes.js';

/** Users every test ctid knows (tokens: config users need at least 16 characters). */
export const USERS = {
  bob: { name: 'bob', token: 'bob-token-0123456789', extensions: ['2001'], admin: false },
  carol: { name: 'carol', token: 'carol-token-0123456789', extensions: ['2002'], admin: false },
  boss: { name: 'boss', token: 'boss-token-0123456789', extensions: [], admin: true },
} as const;

export interface CtidOptions {
  /** Config keys (interfaces.md) over the test defaults: office a, embedded switch, USERS, timeScale 20. */
  config?: Record<string, unknown>;
  /** Reuse a data directory (a restart after kill -9); default a new temp directory. */
  dataDir?: string;
  env?: Record<string, string | undefined>;
}

export interface TestCtid {
  /** HOST:PORT of the gRPC API (the `ctid OFFICE listening` line). */
  address: string;
  /** The embedded simulator's control API (the `control` line), if embedded. */
  controlAddress: string | undefined;
  dataDir: string;
  configFile: string;
  process: RunningBin;
  /** Sends the signal (default SIGTERM) and resolves with how ctid exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  kill9(): Promise<Exit>;
}

const READY_DEADLINE_MS = 20_000;

/** Where a test ctid's files are: a new temp directory with its config (and, unless reused, its data directory). */
export interface CtidFiles {
  /** The temp directory (also ctid's XDG_DATA_HOME). */
  dir: string;
  dataDir: string;
  configFile: string;
  config: Record<string, unknown> & { office: string; switch: unknown };
}

/** Writes the config of startCtid() (test defaults, then options.config) to a new temp directory. */
export function writeCtidConfig(options: CtidOptions = {}): CtidFiles {
  const dir = mkdtempSync(join(tmpdir(), 'ctid-test-'));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const config: CtidFiles['config'] = {
    office: 'a',
    listen: '127.0.0.1:0',
    switch: { url: 'embedded', control: '127.0.0.1:0' },
    users: Object.values(USERS),
    timeScale: 20,
    ...options.config,
  };
  // Every listener on port 0: an ami:// ctid's FastAGI server too, unless the test names its port.
  const sw = config.switch as { url?: string; agi?: string };
  if (sw.url?.startsWith('ami://') && sw.agi === undefined) config.switch = { ...sw, agi: '127.0.0.1:0' };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, dataDir, configFile, config };
}

function spawnCtid(files: CtidFiles, options: CtidOptions): RunningBin {
  return startBin(binPath('ctid'), ['--config', files.configFile, '--data', files.dataDir], {
    env: { CTID_LOG: process.env.CTID_LOG ?? 'warn', XDG_DATA_HOME: files.dir, ...options.env },
  });
}

export async function startCtid(options: CtidOptions = {}): Promise<TestCtid> {
  const files = writeCtidConfig(options);
  const { config, dataDir, configFile } = files;
  const embedded = (config.switch as { url?: string }).url === 'embedded';
  const child = spawnCtid(files, options);
  try {
    const controlAddress = embedded ? (await child.waitForLine(/^control (\S+)$/, READY_DEADLINE_MS))[1] : undefined;
    const address = (await child.waitForLine(new RegExp(`^ctid ${config.office} listening (\\S+)$`), READY_DEADLINE_MS))[1]!;
    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return child.exited;
    };
    return { address, controlAddress, dataDir, configFile, process: child, stop, kill9: () => stop('SIGKILL') };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

export interface CtidRun extends Exit {
  /** Whether it said it was listening (it was then killed). */
  started: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Starts ctid expecting it to refuse (a locked or damaged data directory):
 * resolves with how it exited, or, should it come up after all, with
 * started: true once it is killed again.
 */
export async function runCtid(options: CtidOptions = {}): Promise<CtidRun> {
  const files = writeCtidConfig(options);
  const child = spawnCtid(files, options);
  const started = await child.waitForLine(new RegExp(`^ctid ${files.config.office} listening `), READY_DEADLINE_MS).then(
    () => true,
    () => false,
  );
  child.kill('SIGKILL'); // came up after all, or hangs: either way it goes (a no-op once exited)
  const exit = await child.exited;
  return { ...exit, started, stdout: child.lines.join('\n'), stderr: child.stderr };
}

export interface CtiOptions {
  /** CTI_SERVER; unset when undefined. */
  server?: string;
  /** CTI_TOKEN; unset when undefined. */
  token?: string;
  /** More environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

/** Empty config and data homes: no developer's cti config or local admin token leaks in. */
const home = mkdtempSync(join(tmpdir(), 'cti-home-'));

export function ctiEnv(options: CtiOptions): Record<string, string | undefined> {
  return {
    CTI_SERVER: options.server,
    CTI_TOKEN: options.token,
    CTI_TOKEN_FILE: undefined,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    ...options.env,
  };
}

/** Runs `cti ARGS...` to its end. */
export function runCti(args: string[], options: CtiOptions = {}): Promise<RunResult> {
  return runBin(binPath('cti'), args, { env: ctiEnv(options), deadlineMs: 60_000 });
}

/** Starts `cti ARGS...` and keeps it running (a wait, a watch). */
export function startCti(args: string[], options: CtiOptions = {}): RunningBin {
  return startBin(binPath('cti'), args, { env: ctiEnv(options) });
}

/** The cti.v1 users' options for runCti / startCti against `address`. */
export function ctiAs(address: string, user: keyof typeof USERS): CtiOptions {
  return { server: address, token: USERS[user].token };
}

/** `cti status --json` until its switchLink satisfies accept (e.g. up again after an outage). */
export function untilCtidLink(address: string, accept: (link: string) => boolean, what: string): Promise<string> {
  return eventually(
    `ctid's switch link ${what}`,
    async () => {
      const result = await runCti(['status', '--json'], ctiAs(address, 'boss'));
      return result.code === 0 ? (JSON.parse(result.stdout) as { switchLink: string }).switchLink : `exit ${result.code}: ${result.stderr}`;
    },
    accept,
    20_000,
  );
}

/** `cti requests --json` (as an admin: --all) until request `id` satisfies accept. */
export function untilRequest<T extends { state: string }>(address: string, id: string, accept: (request: T) => boolean, what: string): Promise<T> {
  return eventually(
    `request ${id} ${what}`,
    async () => {
      const result = await runCti(['requests', '--all', '--json'], ctiAs(address, 'boss'));
      const lines = result.stdout.trim().split('\n').filter(Boolean);
      return lines.map((line) => JSON.parse(line) as T & { id: string }).find((r) => r.id === id) ?? ({ state: `not listed (exit ${result.code})` } as T);
    },
    accept,
    20_000,
  );
}

// ------------------------------------------------------------ switch-sim as a process of its own

export interface SwitchSimOptions {
  /** `--time-scale`; default 20, as the test ctid's timeScale. */
  timeScale?: number;
  /** Changes to the default world (every office's CSTA and AMI listener is on port 0 regardless). */
  world?: (world: WorldInput) => void;
  /** `serve --ami`: every office also serves AMI (user ctid-OFFICE, secret secret-OFFICE, context internal). */
  ami?: boolean;
  /** By office: the FastAGI address its dialplan asks about routed extensions (world `ami.agi`; the office gets an AMI face). */
  agi?: Record<string, string>;
}

export interface TestSwitchSim {
  /** `office OFFICE csta HOST:PORT` lines: HOST:PORT by office. */
  csta: Record<string, string>;
  /** `office OFFICE ami HOST:PORT` lines: HOST:PORT by office (offices with an AMI face). */
  ami: Record<string, string>;
  /** The `control HOST:PORT` line. */
  control: string;
  process: RunningBin;
  /** The `switch-sim` one-shot commands against this world. */
  cli: SwitchSimCli;
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** `switch-sim serve --world FILE --control 127.0.0.1:0 --time-scale N`, once its readiness lines are out. */
export async function startSwitchSim(options: SwitchSimOptions = {}): Promise<TestSwitchSim> {
  const world = defaultWorldInput();
  options.world?.(world);
  for (const [id, agi] of Object.entries(options.agi ?? {})) {
    const office = world.offices.find((o) => o.id === id)!;
    office.ami = { listen: '127.0.0.1:0', user: `ctid-${id}`, secret: `secret-${id}`, ...office.ami, agi };
  }
  for (const office of world.offices) {
    office.csta.listen = '127.0.0.1:0';
    if (office.ami) office.ami.listen = '127.0.0.1:0';
  }
  const worldFile = join(mkdtempSync(join(tmpdir(), 'switch-sim-test-')), 'world.json');
  writeFileSync(worldFile, JSON.stringify(world, null, 2));
  const args = ['serve', '--world', worldFile, '--control', '127.0.0.1:0', '--time-scale', String(options.timeScale ?? 20), ...(options.ami ? ['--ami'] : [])];
  const child = startBin(binPath('switch-sim'), args, { env: { SWITCH_SIM_CONTROL: undefined } });
  try {
    const control = (await child.waitForLine(/^control (\S+)$/, READY_DEADLINE_MS))[1]!;
    const csta: Record<string, string> = {};
    const ami: Record<string, string> = {};
    for (const line of child.lines) {
      const match = /^office (\S+) (csta|ami) (\S+)$/.exec(line);
      if (match) (match[2] === 'csta' ? csta : ami)[match[1]!] = match[3]!;
    }
    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return child.exited;
    };
    return { csta, ami, control, process: child, cli: new SwitchSimCli(control), stop };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** The config keys of a ctid for `office` on the simulator's csta:// listener, with the default world's credentials. */
export function cstaSwitch(sim: TestSwitchSim, office = 'a'): Record<string, unknown> {
  return { switch: { url: `csta://${sim.csta[office]}`, user: `ctid-${office}`, password: `secret-${office}` } };
}

/** `switch-sim COMMAND ... --control ADDRESS`: the real bin, one process per command. */
export class SwitchSimCli {
  constructor(readonly control: string) {}

  /** Runs `switch-sim ARGS...` to its end, whatever its exit. */
  run(args: string[]): Promise<RunResult> {
    return runBin(binPath('switch-sim'), [...args, '--control', this.control], { env: { SWITCH_SIM_CONTROL: undefined } });
  }

  /** Runs `switch-sim ARGS...`; throws (with what it printed) unless it exits 0. Resolves with its stdout. */
  async ok(args: string[]): Promise<string> {
    const result = await this.run(args);
    if (result.code !== 0) throw new Error(`switch-sim ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  dial(office: string, ext: string, number: string): Promise<string> {
    return this.ok(['dial', office, ext, number]);
  }

  answer(office: string, ext: string): Promise<string> {
    return this.ok(['answer', office, ext]);
  }

  hangup(office: string, ext: string): Promise<string> {
    return this.ok(['hangup', office, ext]);
  }

  /** Hangs each phone up in turn, if it is still in a call (clean-up: one hang-up may end the others' call too). */
  async release(office: string, ...extensions: string[]): Promise<void> {
    for (const ext of extensions) {
      const result = await this.run(['hangup', office, ext]);
      if (result.code !== 0 && !/not in a call/.test(result.stderr)) throw new Error(`switch-sim hangup ${office} ${ext}: ${result.stderr.trim()}`);
    }
  }

  /** `switch-sim set OFFICE EXT --answer auto|manual|never --rings N --dnd on|off --service in|out` */
  set(office: string, ext: string, settings: { answer?: 'auto' | 'manual' | 'never'; rings?: number; dnd?: 'on' | 'off'; service?: 'in' | 'out' }): Promise<string> {
    const flags = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, String(value)]);
    return this.ok(['set', office, ext, ...flags]);
  }

  link(office: string, state: 'up' | 'down'): Promise<string> {
    return this.ok(['link', office, state]);
  }

  async status(): Promise<WorldStatus> {
    return JSON.parse(await this.ok(['status', '--json'])) as WorldStatus;
  }

  async paths(): Promise<TalkPaths> {
    return JSON.parse(await this.ok(['paths', '--json'])) as TalkPaths;
  }

  async log(office?: string): Promise<LogEntry[]> {
    return (JSON.parse(await this.ok(['log', ...(office ? ['--office', office] : []), '--json'])) as { entries: LogEntry[] }).entries;
  }

  /** The MakeCall requests the office's PBX received, in order. */
  async makeCalls(office: string): Promise<LogEntry[]> {
    return (await this.log(office)).filter((entry) => entry.type === 'MakeCall');
  }

  /** The interfaces.md line state of OFFICE/EXT. */
  async lineState(office: string, ext: string): Promise<string> {
    const device = (await this.status()).offices.find((o) => o.id === office)?.devices.find((d) => d.id === `${office}/${ext}`);
    return device?.state ?? 'no such device';
  }

  /** Polls `switch-sim status --json` until OFFICE/EXT is in `state`. */
  untilLine(office: string, ext: string, state: string, deadlineMs = 20_000): Promise<string> {
    return eventually(`${office}/${ext} ${state}`, () => this.lineState(office, ext), (s) => s === state, deadlineMs);
  }

  /** Waits for OFFICE/EXT to ring, then answers it (the phone's own button). */
  async answerWhenRinging(office: string, ext: string, deadlineMs = 20_000): Promise<void> {
    await this.untilLine(office, ext, 'ringing', deadlineMs);
    await this.answer(office, ext);
  }

  /** Whether the two devices (`a/2000`) hear each other. */
  async talking(a: string, b: string): Promise<boolean> {
    return (await this.paths()).paths.some((path) => path.devices.includes(a) && path.devices.includes(b));
  }

  /** The simulator's own view of office's link (`switch-sim link`) and its open sessions. */
  async officeLink(office: string): Promise<{ link?: string; sessions?: number }> {
    const o = (await this.status()).offices.find((x) => x.id === office);
    return { link: o?.link, sessions: o?.sessions };
  }
}
