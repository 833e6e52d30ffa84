// Shared by the ctid-*.ts benchmarks (issue 4): one office in this process on
// the real switch path (the simulator over loopback TCP, CstaLink,
// CstaSwitch), a big world whose destination lines are made busy so camp-ons
// stay pending in `watching`, the real file store, and a Core with its caps
// raised. Nothing here measures; the scripts do.
//
// The world: office `a` with stations DEST.. (the lines camped on), PARTNER..
// (each destination is in a call with its partner, so it is busy) and
// SOURCE.. (the requesters' phones). Destinations and sources answer by
// themselves at once (autoAnswerRings 0), so a camp-on whose line frees up
// connects within a few ms and the line is busy again: no request is left
// ringing to fire again later in the run.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledClock } from '../src/common/clock.js';
import { NumberingPlan } from '../src/common/numbering.js';
import type { Principal } from '../src/daemon/core/api.js';
import { Core, type CoreLimits } from '../src/daemon/core/core.js';
import { DEFAULT_DIAL_POLICY, DialPolicy } from '../src/daemon/core/dial-policy.js';
import { DEFAULT_TRANSFER } from '../src/daemon/core/transfer-call.js';
import { NumberResolver } from '../src/daemon/core/numbers.js';
import { NO_PEERS } from '../src/daemon/core/peering.js';
import { RouteTable } from '../src/daemon/core/routes.js';
import type { RequestStore } from '../src/daemon/core/ports.js';
import type { RequestRecord } from '../src/daemon/core/request.js';
import { openRequestStore, type FileRequestStore } from '../src/daemon/store/request-store.js';
import { CstaLink } from '../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../src/daemon/switch/csta/csta-switch.js';
import { startSimulator, type RunningSimulator } from '../src/switch-sim/simulator.js';
import { parseWorld } from '../src/switch-sim/world-file.js';
import { loadLine } from './common.js';

export const DEST0 = 2000;
export const PARTNER0 = 4000;
export const SOURCE0 = 6000;

export const BENCH_TOKEN = 'bench-admin-token-0123456789';
export const ADMIN: Principal = { name: 'bench', admin: true, extensions: [] };

/** Caps raised far above any figure here (the point is to measure, not to refuse). */
export const BENCH_LIMITS: CoreLimits = {
  defaultWindowMs: 30 * 60_000,
  maxWindowMs: 8 * 3600_000,
  retryEveryMs: 30_000,
  perRequester: 10_000_000,
  perDestination: 10_000_000,
  total: 10_000_000,
  retentionMs: 24 * 3600_000,
  promptTimeoutMs: 30_000,
};

export const dest = (i: number): string => String(DEST0 + i);
export const source = (i: number): string => String(SOURCE0 + i);

export interface BenchLink {
  link: CstaLink;
  sw: CstaSwitch;
  close(): Promise<void>;
}

export interface LinkOptions {
  /**
   * CstaLink's request deadline. Default here 120 s, not the link's 10 s:
   * Core.start() with 100k pending blocks the event loop for longer than 10 s
   * on this machine, and MonitorStart / SnapshotDevice sent from it would
   * time out before their responses are read (ctid-memory.ts shows it).
   */
  requestTimeoutMs?: number;
}

export interface BenchSwitch extends BenchLink {
  sim: RunningSimulator;
  /** Destination lines 0..lines-1 (extensions DEST0+i), all busy. */
  lines: number;
  /** Another CSTA link (its own application session) to the same simulator. */
  connect(options?: LinkOptions): Promise<BenchLink>;
}

/**
 * The simulator (time scale 1, no control API) with `lines` destination
 * lines, as many partners and `sources` requester phones, each destination
 * in a call with its partner; then a CSTA link, up. close() ends both.
 */
export async function startBenchSwitch(lines: number, sources = 1000, linkOptions: LinkOptions = {}): Promise<BenchSwitch> {
  if (lines > 2000 || sources > 4000) throw new RangeError('the extension ranges of ctid-office.ts hold 2000 destinations and 4000 sources');
  const devices: Record<string, { answer: 'auto' }> = {};
  for (let i = 0; i < lines; i++) devices[dest(i)] = { answer: 'auto' };
  for (let i = 0; i < sources; i++) devices[source(i)] = { answer: 'auto' };
  const range = (from: number, n: number) => `${from}-${from + n - 1}`;
  const world = parseWorld({
    autoAnswerRings: 0,
    offices: [
      {
        id: 'a',
        csta: { listen: '127.0.0.1:0', user: 'ctid-a', password: 'secret-a' },
        stations: [range(DEST0, lines), range(PARTNER0, lines), range(SOURCE0, sources)],
        devices,
      },
    ],
  });
  const sim = await startSimulator({ world, timeScale: 1, controlListen: null, logger: () => {} });
  // Each destination talks with its partner: busy from the start.
  for (let i = 0; i < lines; i++) {
    sim.control.dial('a', dest(i), String(PARTNER0 + i));
    sim.control.answer('a', String(PARTNER0 + i));
  }
  const address = sim.offices[0]!.csta;
  const connect = async (options: LinkOptions = linkOptions): Promise<BenchLink> => {
    const link = new CstaLink({
      host: '127.0.0.1',
      port: Number(address.slice(address.lastIndexOf(':') + 1)),
      user: 'ctid-a',
      password: 'secret-a',
      backoff: { initialMs: 100, maxMs: 1000 },
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    });
    const sw = new CstaSwitch(link);
    link.start();
    await until(() => link.state === 'up', 10_000, 'the switch link to come up');
    return { link, sw, close: () => link.close() };
  };
  const first = await connect();
  return {
    ...first,
    sim,
    lines,
    connect,
    close: async () => {
      await first.close();
      await sim.close();
    },
  };
}

/**
 * Resolves once the switch has reported every one of the first `lines`
 * destination lines to `sw` (their monitors started and first snapshots
 * back): after Core.start(), the cue that every resumed watch knows its line.
 */
export async function linesKnown(sw: CstaSwitch, lines: number, timeoutMs = 120_000): Promise<void> {
  const watches = Array.from({ length: lines }, (_, i) => sw.watchLine(dest(i), () => {}));
  try {
    await until(() => watches.every((w) => w.state !== undefined), timeoutMs, 'every line to be reported');
  } finally {
    for (const w of watches) w.stop();
  }
}

/** A camp-on as Core stores it once its runner watches the busy line. */
export function pendingRecord(n: number, lines: number, sources: number, now = Date.now()): RequestRecord {
  const line = n % lines;
  return {
    id: `a-${n.toString(16).padStart(16, '0')}`,
    kind: 'camp-on',
    requester: ADMIN.name,
    destination: dest(line),
    dial: dest(line),
    source: source(n % sources),
    network: 'station',
    campOn: true,
    strategy: 'watch',
    retryEveryMs: 30_000,
    recallFirst: false,
    state: 'watching',
    createdAt: now,
    deadline: now + 8 * 3600_000,
    attempts: 0,
    history: [
      { state: 'accepted', at: now },
      { state: 'watching', at: now, detail: 'line busy' },
    ],
  };
}

/** Fills a new store in `dir` with `n` records (group commits of 1000), folds it, and closes it. */
export async function prefill(dir: string, n: number, make: (i: number) => RequestRecord): Promise<void> {
  const store = await openRequestStore(dir);
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) batch.push(store.put(make(j)));
    await Promise.all(batch);
  }
  await store.fold();
  await store.close();
}

/** A RequestStore that counts puts in flight, so a script can wait until every change is durable. */
export class CountingStore implements RequestStore {
  inFlight = 0;
  puts = 0;
  /** performance.now() when the last put or remove became durable. */
  lastDurable = 0;
  private idle: (() => void)[] = [];

  constructor(readonly inner: FileRequestStore) {}

  load(): RequestRecord[] {
    return this.inner.load();
  }

  put(record: RequestRecord): Promise<void> {
    this.inFlight++;
    this.puts++;
    return this.inner.put(record).finally(() => this.settle());
  }

  write(record: RequestRecord): void {
    this.puts++;
    this.inner.write(record);
  }

  remove(id: string): Promise<void> {
    this.inFlight++;
    return this.inner.remove(id).finally(() => this.settle());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Resolves once no put has started for `quietMs` and none is in flight:
   * after Core.start() the resumed runners store themselves at once and
   * again when their line's first snapshot comes back, a while later.
   */
  async settled(quietMs = 250, timeoutMs = 120_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      await this.drained();
      const puts = this.puts;
      await sleep(quietMs);
      if (this.puts === puts && this.inFlight === 0) return;
      if (performance.now() > end) throw new Error(`the store was still busy after ${timeoutMs} ms`);
    }
  }

  /** Resolves once no put is in flight. */
  drained(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  private settle(): void {
    this.lastDurable = performance.now();
    if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** The Core as daemon.ts builds it, with the caps raised, for one office with no peers. */
export function makeCore(store: RequestStore, sw: CstaSwitch, logger: (event: string, fields?: Record<string, unknown>) => void = () => {}): Core {
  return new Core({
    office: 'a',
    version: 'bench',
    switchUrl: 'embedded',
    users: [{ ...ADMIN, token: BENCH_TOKEN }],
    limits: BENCH_LIMITS,
    numbers: new NumberResolver(new NumberingPlan([]), 'JP'),
    routes: new RouteTable([], { load: () => ({ added: [], removed: [] }), save: async () => {} }, () => false),
    peers: NO_PEERS,
    switch: sw,
    voiceBoardPorts: [],
    transfers: { load: () => [], save: async () => {} },
    dialPolicy: new DialPolicy(DEFAULT_DIAL_POLICY, 'JP'),
      transfer: DEFAULT_TRANSFER,
    store,
    clock: new ScaledClock(),
    logger,
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A full GC when node runs with --expose-gc (run-all passes it where a script needs it). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/**
 * Rounds of `samples` samples per flow, the flows' order rotating each round
 * (a small shared machine drifts, so flows are compared round by round).
 * `take` runs one sample, keeps what it needs, and returns the figure whose
 * median is printed per round. Returns each flow's round medians, by name.
 */
export async function alternatingRounds<F extends { name: string }>(
  flows: readonly F[],
  rounds: number,
  samples: number,
  take: (flow: F) => Promise<number>,
): Promise<Map<string, number[]>> {
  const medians = new Map<string, number[]>(flows.map((f) => [f.name, []]));
  for (let round = 0; round < rounds; round++) {
    const parts: string[] = [];
    for (const flow of flows.map((_, i) => flows[(i + round) % flows.length]!)) {
      const here: number[] = [];
      for (let i = 0; i < samples; i++) here.push(await take(flow));
      const m = median(here);
      medians.get(flow.name)!.push(m);
      parts.push(`${flow.name} ${m.toFixed(2)}`);
    }
    console.log(`  round ${round + 1}/${rounds} (${loadLine()}): median connected ms: ${parts.join(', ')}`);
  }
  return medians;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * This thread's CPU time and run-queue wait so far, in ns (Linux
 * /proc/thread-self/schedstat): per-thread figures that stay meaningful when
 * other processes take the CPUs, unlike wall time. Zeros where unavailable.
 */
export function threadCpu(): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { runNs: run ?? 0, waitNs: wait ?? 0 };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

/**
 * `--profile DIR`: a CPU profile of this thread over the measured part only
 * (node:inspector), written to DIR/NAME.cpuprofile; without the flag, nothing.
 */
export async function profileWindow(name: string): Promise<() => Promise<void>> {
  const at = process.argv.indexOf('--profile');
  if (at === -1) return async () => {};
  const dir = process.argv[at + 1]!;
  const { Session } = await import('node:inspector');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    console.log(`  profile: ${join(dir, `${name}.cpuprofile`)}`);
  };
}
