// The real ctid for end-to-end tests (style.md section 12): `node bin/ctid.js
// --config FILE --data DIR` with a config written to a temp directory, every
// listener on port 0, the embedded simulator's clock sped up, and its
// readiness lines read under a deadline. And `cti` run against it, isolated
// from the developer's own CTI_* variables and config. Children are killed at teardown by
// processes.ts's killAll() (and, failing that, when the test process exits).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export async function startCtid(options: CtidOptions = {}): Promise<TestCtid> {
  const dir = mkdtempSync(join(tmpdir(), 'ctid-test-'));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const config = {
    office: 'a',
    listen: '127.0.0.1:0',
    switch: { url: 'embedded', control: '127.0.0.1:0' },
    users: Object.values(USERS),
    timeScale: 20,
    ...options.config,
  };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const embedded = (config.switch as { url?: string }).url === 'embedded';
  const child = startBin(binPath('ctid'), ['--config', configFile, '--data', dataDir], {
    env: { CTID_LOG: process.env.CTID_LOG ?? 'warn', XDG_DATA_HOME: dir, ...options.env },
  });
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

function ctiEnv(options: CtiOptions): Record<string, string | undefined> {
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
