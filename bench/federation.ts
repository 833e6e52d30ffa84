// Issue 5, Benchmark: camp-on across offices against the same flow inside one
// office, measured in one run.
//
//   latency  line frees -> both parties connected. Office a's user at a/2001
//            camps on a busy line; the line's partner hangs up
//            (sim.control.hangup); the clock stops at the EstablishedEvent
//            after which the switch's talk paths hold a/2001 together with
//            the destination (subscribed on the exchanges, in process).
//              same office   a/2001 -> a/2000
//              remote        a/2001 -> 044-222-3333 (b/2000), place remote
//                            (FIG. 13-14: b watches its line and places the
//                            call; a only mirrors b's replies)
//              local         the same number, place local (FIG. 15-16: b's
//                            status monitor tells a, a places the call)
//            Also printed: how long the placing office's awaited `calling`
//            put took (journal + fdatasync, stored before every MakeCall), and
//            until a's request reads `succeeded` (what the user sees).
//            After the rate phase the latency is measured again, with the
//            thousands of requests it left pending in both offices.
//   rate     durable camp-on submissions per second with 64 in flight:
//            local (a's user camps on a's busy lines a/2100..) against
//            forwarded (on b's busy lines 044-222-2100.., place remote). Each
//            of the 64 workers submits, then waits until the request is
//            accepted by the office that owns the line (local: a's runner
//            stored it `watching`; forwarded: b stored it and replied, so a
//            mirrors `watching`), then submits the next. A round ends once
//            every put of both stores is durable (the trailing `watching` and
//            progress notes included).
//
// Everything is one node process on loopback: the simulator (offices a and b,
// one world, CSTA over TCP), each office's Core on the real switch path
// (CstaLink + CstaSwitch) with the real file store (openRequestStore, one temp
// dir per office, fdatasync per group commit), and between them the real
// peer gRPC path: a's Peers is GrpcPeers, b serves PeerService with
// startGrpcServer (per-peer secret, plain text). Cores log nothing.
//
// Phones answer by themselves with autoAnswerRings 0, so no ring period is
// waited: a two-point connection completes in the tick that places it, and the
// latency is our code (CSTA, cores, stores, gRPC), not the world's timing. The
// simulator runs at time scale 100 (heartbeats and session timers far apart).
//
// The machine is small and shared: flows and kinds alternate in rounds (the
// order rotating), and medians are compared.
//
// Usage: node dist/bench/federation.js [--rounds N latency rounds, default 6]
//          [--samples N per flow per round, default 25] [--rate-rounds N, default 3]
//          [--per-round N submissions per rate round, default 1000] [--in-flight N, default 64]
//          [--only latency|rate|local|forwarded] (local / forwarded: that kind of rate round alone)
//          [--profile DIR] (a CPU profile of the measured phases)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledClock } from '../src/common/clock.js';
import { NumberingPlan } from '../src/common/numbering.js';
import { Core } from '../src/daemon/core/core.js';
import { DEFAULT_DIAL_POLICY, DialPolicy } from '../src/daemon/core/dial-policy.js';
import { DEFAULT_TRANSFER } from '../src/daemon/core/transfer-call.js';
import { NumberResolver } from '../src/daemon/core/numbers.js';
import { NO_PEERS, type Peers } from '../src/daemon/core/peering.js';
import type { RequestStore, RouteStore } from '../src/daemon/core/ports.js';
import type { RequestRecord } from '../src/daemon/core/request.js';
import { RouteTable, type Route } from '../src/daemon/core/routes.js';
import { startGrpcServer, type RunningGrpcServer } from '../src/daemon/grpc/server.js';
import { GrpcPeers } from '../src/daemon/peers/grpc-peers.js';
import { openRequestStore, type FileRequestStore } from '../src/daemon/store/request-store.js';
import { CstaLink } from '../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../src/daemon/switch/csta/csta-switch.js';
import type { Device } from '../src/switch-sim/call.js';
import type { ExchangeEvent } from '../src/switch-sim/exchange.js';
import { startSimulator, type RunningSimulator } from '../src/switch-sim/simulator.js';
import { parseWorld, type WorldConfig } from '../src/switch-sim/world-file.js';
import { cpuSeconds, fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile } from './common.js';
import { ADMIN, alternatingRounds, BENCH_LIMITS, BENCH_TOKEN, median, profileWindow } from './ctid-office.js';

export const TIME_SCALE = 100;
export const RING_MS = 3000;
const SECRET = 'bench-peer-secret-a-b-0123456789';

/** Lines a/2100.. and b/2100.. (busy with partners 3100..) take the rate phase's camp-ons; requesters are a/2400... */
const RATE_LINES = 200;
const RATE_SOURCES = 64;

// ---------------------------------------------------------------- the world and the offices

export interface BenchWorldOptions {
  /** The rate phase's lines (and their partners and requesters); false for a world of 2000-2009 only (bench/join.ts). */
  rateLines?: boolean;
  /** Each office's voice-board ports (also given to its Core). */
  voiceBoardPorts?: string[];
}

export function benchWorld(options: BenchWorldOptions = {}): WorldConfig {
  const rate = options.rateLines ?? true;
  const office = (id: string, numbering: { extension: string; external: string }[]) => ({
    id,
    csta: { listen: '127.0.0.1:0', user: `ctid-${id}`, password: `secret-${id}` },
    trunks: 1000,
    stations: ['2000-2009', ...(rate ? [`2100-${2100 + RATE_LINES - 1}`, `3100-${3100 + RATE_LINES - 1}`, `2400-${2400 + RATE_SOURCES - 1}`] : [])],
    voiceBoardPorts: options.voiceBoardPorts ?? [],
    numbering,
    // Every phone answers by itself (with autoAnswerRings 0: in the same tick).
    devices: {} as Record<string, { answer: 'auto' }>,
  });
  const a = office('a', [
    { extension: '2001', external: '044-123-4567' },
    { extension: '2xxx', external: '044-123-2xxx' },
  ]);
  const b = office('b', [
    { extension: '2000', external: '044-222-3333' },
    { extension: '2xxx', external: '044-222-2xxx' },
  ]);
  const input = {
    ringMs: RING_MS,
    autoAnswerRings: 0,
    // Heartbeats and session timers run on the scaled clock: keep them far apart.
    heartbeatMs: 600_000,
    maxSessionDurationS: 86_400,
    offices: [a, b],
  };
  const parsed = parseWorld(input);
  for (const o of input.offices) for (const ext of parsed.offices.find((x) => x.id === o.id)!.stations.flat()) o.devices[ext] = { answer: 'auto' };
  return parseWorld(input);
}

/** A RequestStore that counts puts in flight, so the script knows when every change is durable. */
export class DurableCount implements RequestStore {
  inFlight = 0;
  puts = 0;
  /** performance.now() when the latest put became durable. */
  lastDurable = 0;

  constructor(readonly inner: FileRequestStore) {}

  load(): RequestRecord[] {
    return this.inner.load();
  }

  /** How long each write of a request in state `calling` took (before its MakeCall), ms, by id (the latency phase reads it). */
  readonly callingPuts = new Map<string, number>();

  put(record: RequestRecord): Promise<void> {
    this.inFlight++;
    this.puts++;
    return this.inner.put(record).finally(() => this.settle());
  }

  write(record: RequestRecord): void {
    this.puts++;
    const start = performance.now();
    this.inner.write(record);
    if (record.state === 'calling') this.callingPuts.set(record.id, performance.now() - start);
  }

  remove(id: string): Promise<void> {
    this.inFlight++;
    return this.inner.remove(id).finally(() => this.settle());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private settle(): void {
    this.inFlight--;
    this.lastDurable = performance.now();
  }
}

/** a's Peers: GrpcPeers, with the time each CampOn call takes (a diagnostic of the forwarded rate). */
class TimedPeers implements Peers {
  /** CampOn call durations, ms, since last taken. */
  campOns: number[] = [];

  constructor(readonly inner: GrpcPeers) {}

  has(office: string): boolean {
    return this.inner.has(office);
  }

  async campOn(office: string, request: Parameters<Peers['campOn']>[1]): ReturnType<Peers['campOn']> {
    const start = performance.now();
    try {
      return await this.inner.campOn(office, request);
    } finally {
      this.campOns.push(performance.now() - start);
    }
  }

  watchCampOn: Peers['watchCampOn'] = (...args) => this.inner.watchCampOn(...args);
  cancelCampOn: Peers['cancelCampOn'] = (...args) => this.inner.cancelCampOn(...args);
  monitorStatus: Peers['monitorStatus'] = (...args) => this.inner.monitorStatus(...args);
  setTransfer: Peers['setTransfer'] = (...args) => this.inner.setTransfer(...args);
  clearTransfer: Peers['clearTransfer'] = (...args) => this.inner.clearTransfer(...args);
  listTransfers: Peers['listTransfers'] = (...args) => this.inner.listTransfers(...args);
  list: Peers['list'] = () => this.inner.list();
}

export interface Office {
  id: string;
  core: Core;
  store: DurableCount;
  link: CstaLink;
  dir: string;
}

function memoryRouteStore(): RouteStore {
  let changes = { added: [], removed: [] } as ReturnType<RouteStore['load']>;
  return { load: () => structuredClone(changes), save: async (c) => void (changes = structuredClone(c)) };
}

export async function startOffice(sim: RunningSimulator, world: WorldConfig, id: string, routes: Route[], peers: Peers): Promise<Office> {
  const dir = await mkdtemp(join(tmpdir(), `bench-federation-${id}-`));
  const store = new DurableCount(await openRequestStore(dir));
  const config = world.offices.find((o) => o.id === id)!;
  const address = sim.offices.find((o) => o.id === id)!.csta;
  const link = new CstaLink({
    host: '127.0.0.1',
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    user: config.csta.user,
    password: config.csta.password,
    // The link's timers run on the simulator's clock (as the tests' offices do), so
    // its deadlines are given in world time: 10 s real, whatever the scale.
    clock: sim.world.clock,
    heartbeatMs: world.heartbeatMs,
    sessionDurationS: world.maxSessionDurationS,
    requestTimeoutMs: 10_000 * TIME_SCALE,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  const sw = new CstaSwitch(link);
  link.start();
  const core = new Core({
    office: id,
    version: 'bench',
    switchUrl: 'embedded',
    users: [{ ...ADMIN, token: BENCH_TOKEN }],
    limits: BENCH_LIMITS,
    numbers: new NumberResolver(new NumberingPlan(config.numbering), 'JP'),
    routes: new RouteTable(routes, memoryRouteStore(), (o) => peers.has(o)),
    peers,
    switch: sw,
    voiceBoardPorts: config.voiceBoardPorts,
    transfers: { load: () => [], save: async () => {} },
    dialPolicy: new DialPolicy(DEFAULT_DIAL_POLICY, 'JP'),
      transfer: DEFAULT_TRANSFER,
    store,
    clock: new ScaledClock(),
    logger: () => {},
  });
  core.start();
  await until(() => link.state === 'up', 10_000, `office ${id}'s switch link to come up`);
  return { id, core, store, link, dir };
}

export interface Bench {
  sim: RunningSimulator;
  a: Office;
  b: Office;
  peers: TimedPeers;
  server: RunningGrpcServer;
  close(): Promise<void>;
}

export async function startBench(options: BenchWorldOptions = {}): Promise<Bench> {
  const world = benchWorld(options);
  const sim = await startSimulator({ world, timeScale: TIME_SCALE, controlListen: null, logger: () => {} });
  const b = await startOffice(sim, world, 'b', [], NO_PEERS);
  const server = await startGrpcServer(b.core, { listen: '127.0.0.1:0', logger: () => {}, peer: { api: b.core.peerDesk, secrets: { a: SECRET } } });
  server.setServing(true);
  const grpcPeers = new GrpcPeers({ office: 'a', peers: { b: { address: server.address, secret: SECRET } }, logger: () => {} });
  const peers = new TimedPeers(grpcPeers);
  const a = await startOffice(sim, world, 'a', [{ prefix: '044222', office: 'b', network: 'public', place: 'remote' }], peers);
  await grpcPeers.checkHealth();
  // The rate phase's lines: each in a call with its partner, so camp-ons on them stay pending.
  for (const office of (options.rateLines ?? true) ? ['a', 'b'] : []) {
    for (let i = 0; i < RATE_LINES; i++) {
      sim.control.dial(office, String(2100 + i), String(3100 + i));
    }
  }
  const close = async () => {
    a.core.stop();
    b.core.stop();
    grpcPeers.close();
    await server.close(1000);
    await Promise.all([a.link.close(), b.link.close()]);
    await sim.close();
    for (const o of [a, b]) {
      await o.store.close();
      await rm(o.dir, { recursive: true, force: true });
    }
  };
  return { sim, a, b, peers, server, close };
}

// ---------------------------------------------------------------- latency: line frees -> both connected

type FlowName = 'same office' | 'cross, place remote' | 'cross, place local';

interface Flow {
  name: FlowName;
  destination: string;
  place?: 'remote' | 'local';
  /** The office whose line a/2001 camps on (its extension 2000, in a call with its 2002). */
  lineOffice: 'a' | 'b';
}

const FLOWS: Flow[] = [
  { name: 'same office', destination: '2000', lineOffice: 'a' },
  { name: 'cross, place remote', destination: '044-222-3333', place: 'remote', lineOffice: 'b' },
  { name: 'cross, place local', destination: '044-222-3333', place: 'local', lineOffice: 'b' },
];

interface Sample {
  /** Hang-up -> the switch's talk paths hold a/2001 with the destination, ms. */
  connected: number;
  /** Hang-up -> a's request reads `succeeded` (published in its registry), ms. */
  succeeded: number;
  /** Of `connected`: the put of state `calling` the runner awaits before MakeCall (journal write + fdatasync), ms. */
  callingPut: number;
}

const heardBusy = (r: RequestRecord | undefined) => r !== undefined && r.state === 'watching' && r.history.some((h) => h.detail === 'line busy');

async function latencySample(bench: Bench, flow: Flow): Promise<Sample> {
  const { sim, a, b } = bench;
  const office = flow.lineOffice;
  // The destination line busy: 2000 talks with 2002 (who answers by itself).
  sim.control.dial(office, '2000', '2002');
  const submitted = await a.core.submit(ADMIN, { kind: 'camp-on', destination: flow.destination, source: '2001', ...(flow.place ? { place: flow.place } : {}) });
  const id = submitted.id;
  // Ready: whoever watches the line has heard it is busy (and for place remote, a's
  // mirror of b's request heard it too: the watch stream is open), all puts durable.
  await until(
    () => heardBusy(a.core.registry.get(id)) && (flow.place !== 'remote' || heardBusy(b.core.registry.get(id))),
    5000,
    `${flow.name}: the camp-on to watch the busy line`,
  );
  await quiet(bench, 5);

  const requester = sim.world.exchange('a')!.devices.get('2001')!;
  const destination = sim.world.exchange(office)!.devices.get('2000')!;
  let connectedAt = 0;
  let succeededAt = 0;
  const onEvent = (e: ExchangeEvent) => {
    if (!connectedAt && e.body.type === 'EstablishedEvent' && talkTogether(requester, destination)) connectedAt = performance.now();
  };
  const exchanges = [sim.world.exchange('a')!, sim.world.exchange('b')!];
  for (const x of exchanges) x.on('event', onEvent);
  const off = a.core.registry.subscribe((r) => {
    if (r.id === id && r.state === 'succeeded' && !succeededAt) succeededAt = performance.now();
  });
  const t0 = performance.now();
  try {
    sim.control.hangup(office, '2000');
    await until(() => connectedAt > 0 && succeededAt > 0, 5000, `${flow.name}: both parties connected and a's request succeeded`);
  } finally {
    for (const x of exchanges) x.off('event', onEvent);
    off();
  }
  const placer = flow.place === 'remote' ? b : a;
  const sample = { connected: connectedAt - t0, succeeded: succeededAt - t0, callingPut: placer.store.callingPuts.get(id) ?? NaN };
  a.store.callingPuts.clear();
  b.store.callingPuts.clear();

  // Clean up: end the call, wait until every runner let go and every put is durable.
  sim.control.hangup('a', '2001');
  await until(
    () => idle(sim, 'a', '2001') && idle(sim, office, '2000') && idle(sim, office, '2002') && (flow.place !== 'remote' || b.core.registry.get(id)?.state === 'succeeded'),
    5000,
    `${flow.name}: the lines to be idle again`,
  );
  await quiet(bench, 5);
  return sample;
}

/**
 * Whether two devices hear each other: talking in one call, or in two calls
 * joined by a trunk whose both ends talk (what talk-paths.ts calls a group,
 * without building every group of the world on each event).
 */
function talkTogether(x: Device, y: Device): boolean {
  for (const cx of x.connections) {
    if (!cx.talking) continue;
    for (const cy of y.connections) {
      if (!cy.talking) continue;
      if (cx.call === cy.call) return true;
      if (cx.call.connections.some((t) => t.talking && t.peer?.talking && t.peer.call === cy.call)) return true;
    }
  }
  return false;
}

export function idle(sim: RunningSimulator, office: string, ext: string): boolean {
  return sim.world.exchange(office)!.devices.get(ext)!.connections.size === 0;
}

interface FlowFigures {
  connected: number[];
  succeeded: number[];
  callingPut: number[];
  /** Per round: the median of connected. */
  roundMedians: number[];
}

async function latencyPhase(bench: Bench, rounds: number, samples: number, warmUp: number): Promise<Map<FlowName, FlowFigures>> {
  const figures = new Map<FlowName, FlowFigures>(FLOWS.map((f) => [f.name, { connected: [], succeeded: [], callingPut: [], roundMedians: [] }]));
  // Warm-up: a few of each, not counted (JIT, first monitors, the gRPC connection).
  for (const flow of FLOWS) for (let i = 0; i < warmUp; i++) await latencySample(bench, flow);
  const medians = await alternatingRounds(FLOWS, rounds, samples, async (flow) => {
    const s = await latencySample(bench, flow);
    const f = figures.get(flow.name)!;
    f.connected.push(s.connected);
    f.succeeded.push(s.succeeded);
    f.callingPut.push(s.callingPut);
    return s.connected;
  });
  for (const [name, m] of medians) figures.get(name as FlowName)!.roundMedians = m;
  return figures;
}

function printLatency(figures: Map<FlowName, FlowFigures>): void {
  const same = figures.get('same office')!;
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const widths = [22, 5, 8, 8, 8, 12, 12, 14];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  const table = (title: string, pick: (f: FlowFigures) => number[], extra: boolean) => {
    console.log(`\n${title}`);
    console.log(row(['flow', 'n', 'p50', 'p99', 'max', 'p50 vs same', 'p99 vs same', ...(extra ? ['calling put p50'] : [])]));
    const base = sorted(pick(same));
    for (const [name, f] of figures) {
      const xs = sorted(pick(f));
      const diff = (p: number) => (name === 'same office' ? '-' : signedFixed(percentile(xs, p) - percentile(base, p)));
      const put = extra ? [percentile(sorted(f.callingPut), 50).toFixed(2)] : [];
      console.log(row([name, String(xs.length), percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2), xs[xs.length - 1]!.toFixed(2), diff(50), diff(99), ...put]));
    }
  };
  table('line frees -> both parties connected (ms; p50/p99 over all samples; "vs same": this flow minus same office; "calling put": the put (written, not yet fsynced) the placing office awaits before MakeCall)', (f) => f.connected, true);
  table("line frees -> a's request reads succeeded (what the user sees; ms)", (f) => f.succeeded, false);
  console.log('\nper round (flows alternate): difference of the round medians of "connected", cross minus same office');
  for (const [name, f] of figures) {
    if (name === 'same office') continue;
    const diffs = f.roundMedians.map((m, i) => m - same.roundMedians[i]!);
    const ratios = f.roundMedians.map((m, i) => m / same.roundMedians[i]!);
    console.log(`  ${pad(name, 20)} median of round differences ${signedFixed(median(diffs))} ms (rounds: ${diffs.map((d) => signedFixed(d)).join(', ')}), x${median(ratios).toFixed(2)} of same office`);
  }
}

/** The latency pass after the rate phase, against the first one. */
function printLatencyAgain(before: Map<FlowName, FlowFigures> | undefined, after: Map<FlowName, FlowFigures>): void {
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const widths = [22, 5, 8, 8, 12, 14];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  console.log(row(['flow', 'n', 'p50', 'p99', 'p50 vs same', 'p50 vs before']));
  const sameP50 = percentile(sorted(after.get('same office')!.connected), 50);
  for (const [name, f] of after) {
    const c = sorted(f.connected);
    const p50 = percentile(c, 50);
    const was = before ? percentile(sorted(before.get(name)!.connected), 50) : NaN;
    console.log(row([name, String(c.length), p50.toFixed(2), percentile(c, 99).toFixed(2), name === 'same office' ? '-' : signedFixed(p50 - sameP50), before ? signedFixed(p50 - was) : '-']));
  }
}

export const signedFixed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

// ---------------------------------------------------------------- rate: durable submissions with 64 in flight

type Kind = 'local' | 'forwarded';

interface RateResult {
  n: number;
  /** Submissions per second until the last one was accepted by the line's owner. */
  acceptedPerS: number;
  /** Submissions per second until every put of the round was durable (both stores). */
  durablePerS: number;
  /** Submit -> acknowledged (durable at a), ms, p50 / p99. */
  ack: [number, number];
  /** Submit -> accepted by the owner, ms, p50 / p99. */
  accepted: [number, number];
  /** Puts per submission, a and b. */
  putsA: number;
  putsB: number;
  /** a -> b CampOn call, ms, p50 / p99 (forwarded only). */
  campOn: [number, number];
  /** This process's CPU ms per submission (simulator, both cores, gRPC both sides). */
  cpuMs: number;
  pendingA: number;
  pendingB: number;
}

async function rateRound(bench: Bench, kind: Kind, n: number, inFlight: number, offset: number): Promise<RateResult> {
  const { a, b } = bench;
  await quiet(bench, 50);
  // One registry listener: a request reaching `watching` at a (local: its runner; forwarded: b's reply mirrored).
  // (A local runner moves to `watching` before submit() returns; the registry's record is the live one.)
  const waiting = new Map<string, () => void>();
  const off = a.core.registry.subscribe((r) => {
    if (r.state !== 'watching') return;
    const w = waiting.get(r.id);
    if (w) {
      waiting.delete(r.id);
      w();
    }
  });
  const acks: number[] = [];
  const accepts: number[] = [];
  let next = 0;
  bench.peers.campOns = [];
  const putsA0 = a.store.puts;
  const putsB0 = b.store.puts;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lastAccepted = t0;
  const worker = async (w: number) => {
    for (let i = next++; i < n; i = next++) {
      const line = 2100 + ((offset + i) % RATE_LINES);
      const destination = kind === 'local' ? String(line) : `044-222-${line}`;
      const start = performance.now();
      const r = await a.core.submit(ADMIN, { kind: 'camp-on', destination, source: String(2400 + (w % RATE_SOURCES)) });
      acks.push(performance.now() - start);
      if (a.core.registry.get(r.id)?.state !== 'watching') {
        await new Promise<void>((resolve) => waiting.set(r.id, resolve));
      }
      const now = performance.now();
      accepts.push(now - start);
      lastAccepted = Math.max(lastAccepted, now);
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
  } finally {
    off();
  }
  const durableAt = await quiet(bench, 150);
  const cpu = cpuSeconds(cpu0);
  const s = (xs: number[]): [number, number] => {
    const sorted = Float64Array.from(xs).sort();
    return [percentile(sorted, 50), percentile(sorted, 99)];
  };
  return {
    n,
    acceptedPerS: (n * 1000) / (lastAccepted - t0),
    durablePerS: (n * 1000) / (Math.max(durableAt, lastAccepted) - t0),
    ack: s(acks),
    accepted: s(accepts),
    campOn: s(bench.peers.campOns),
    putsA: (a.store.puts - putsA0) / n,
    putsB: (b.store.puts - putsB0) / n,
    cpuMs: (cpu * 1000) / n,
    pendingA: a.core.registry.pendingCount,
    pendingB: b.core.registry.pendingCount,
  };
}

async function ratePhase(bench: Bench, kinds: Kind[], rounds: number, n: number, inFlight: number): Promise<Map<Kind, RateResult[]>> {
  const results = new Map<Kind, RateResult[]>(kinds.map((k) => [k, []]));
  // Warm-up, not counted: local submissions are cheap, and take longer to reach their steady rate (JIT).
  const warmUp = (kind: Kind) => Math.min(kind === 'local' ? 1000 : 200, n);
  for (const kind of kinds) await rateRound(bench, kind, warmUp(kind), inFlight, 0);
  let offset = 1000;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const r = await rateRound(bench, kind, n, inFlight, offset);
      offset += n;
      results.get(kind)!.push(r);
      console.log(
        `  round ${round + 1}/${rounds} ${pad(kind, 9)} accepted ${padLeft(fmt(r.acceptedPerS), 6)}/s, durable ${padLeft(fmt(r.durablePerS), 6)}/s, ` +
          `ack p50 ${r.ack[0].toFixed(1)} ms, accepted p50 ${r.accepted[0].toFixed(1)} p99 ${r.accepted[1].toFixed(1)} ms, ` +
          (kind === 'forwarded' ? `CampOn call p50 ${r.campOn[0].toFixed(1)} p99 ${r.campOn[1].toFixed(1)} ms, ` : '') +
          `puts/submission a ${r.putsA.toFixed(2)} b ${r.putsB.toFixed(2)}, CPU ${r.cpuMs.toFixed(2)} ms/submission; ` +
          `pending after: a ${fmt(r.pendingA)}, b ${fmt(r.pendingB)} (${loadLine()})`,
      );
    }
  }
  return results;
}

function printRate(results: Map<Kind, RateResult[]>, inFlight: number): void {
  const local = results.get('local')!;
  const fwd = results.get('forwarded')!;
  const m = (rs: RateResult[], f: (r: RateResult) => number) => median(rs.map(f));
  console.log(`\ndurable camp-on submissions per second, ${inFlight} in flight (medians of the rounds)`);
  const widths = [11, 12, 12, 12, 14, 14, 12];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  console.log(row(['kind', 'accepted/s', 'durable/s', 'ack p50 ms', 'accept p50 ms', 'accept p99 ms', 'CPU ms/sub']));
  for (const [kind, rs] of [
    ['local', local],
    ['forwarded', fwd],
  ] as const) {
    console.log(
      row([
        kind,
        fmt(m(rs, (r) => r.acceptedPerS)),
        fmt(m(rs, (r) => r.durablePerS)),
        m(rs, (r) => r.ack[0]).toFixed(1),
        m(rs, (r) => r.accepted[0]).toFixed(1),
        m(rs, (r) => r.accepted[1]).toFixed(1),
        m(rs, (r) => r.cpuMs).toFixed(2),
      ]),
    );
  }
  const ratios = fwd.map((r, i) => r.durablePerS / local[i]!.durablePerS);
  const acceptedRatios = fwd.map((r, i) => r.acceptedPerS / local[i]!.acceptedPerS);
  console.log(
    `forwarded / local: durable ${median(ratios).toFixed(2)} (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}), ` +
      `accepted ${median(acceptedRatios).toFixed(2)} (rounds: ${acceptedRatios.map((x) => x.toFixed(2)).join(', ')})`,
  );
}

// ---------------------------------------------------------------- helpers

/** Resolves once neither store has a put in flight nor started one for `quietMs`; returns when the last one was durable. */
export async function quiet(bench: Bench, quietMs: number): Promise<number> {
  const stores = [bench.a.store, bench.b.store];
  const end = performance.now() + 30_000;
  for (;;) {
    const puts = stores.map((s) => s.puts);
    await sleep(quietMs);
    if (stores.every((s, i) => s.inFlight === 0 && s.puts === puts[i])) return Math.max(...stores.map((s) => s.lastDurable));
    if (performance.now() > end) throw new Error('the stores were still busy after 30 s');
  }
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!cond()) await sleep(1);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Only = 'latency' | 'rate' | Kind;

function onlyArg(): Only | undefined {
  const at = process.argv.indexOf('--only');
  if (at === -1) return undefined;
  const v = process.argv[at + 1];
  if (v !== 'latency' && v !== 'rate' && v !== 'local' && v !== 'forwarded') throw new RangeError(`--only must be latency, rate, local or forwarded, got ${JSON.stringify(v)}`);
  return v;
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  const rounds = numberArg('rounds', 6, 1, 50);
  const samples = numberArg('samples', 25, 1, 500);
  const rateRounds = numberArg('rate-rounds', 3, 1, 20);
  const perRound = numberArg('per-round', 1000, 64, 20_000);
  const inFlight = numberArg('in-flight', 64, 1, 1024);
  const only = onlyArg();

  console.log(`federation: ${machineLine()}`);
  console.log(
    `world: offices a and b in one simulator, time scale ${TIME_SCALE} (ringMs ${RING_MS} = ${RING_MS / TIME_SCALE} ms real per ring), ` +
      `every phone auto-answer with autoAnswerRings 0 (picks up in the same tick: no ring period is waited), trunks 1000 per office`,
  );
  console.log('offices: Core on CstaLink/CstaSwitch, file store (openRequestStore, fdatasync) each; a -> b over GrpcPeers / startGrpcServer PeerService, 127.0.0.1, per-peer secret');
  const bench = await startBench();
  const safety = setTimeout(() => {
    console.error('federation: still running after 170 s: giving up');
    process.exit(1);
  }, 170_000);
  safety.unref();
  const stopProfile = await profileWindow('federation');
  try {
    let clean: Map<FlowName, FlowFigures> | undefined;
    if (only === undefined || only === 'latency') {
      console.log(`\nlatency: ${rounds} rounds x ${samples} camp-ons per flow, one at a time, flows alternating (+5 warm-up each)`);
      clean = await latencyPhase(bench, rounds, samples, 5);
      printLatency(clean);
    }
    if (only !== 'latency') {
      const kinds: Kind[] = only === 'local' || only === 'forwarded' ? [only] : ['local', 'forwarded'];
      console.log(`\nrate: ${rateRounds} rounds x ${fmt(perRound)} submissions per kind, ${inFlight} in flight, kinds alternating (after a warm-up of 1,000 local and 200 forwarded); every request stays pending`);
      const results = await ratePhase(bench, kinds, rateRounds, perRound, inFlight);
      if (kinds.length === 2) printRate(results, inFlight);
    }
    if (only === undefined) {
      const again = Math.max(1, Math.round(rounds / 3));
      console.log(
        `\nlatency again, with what the rate phase left pending: a ${fmt(bench.a.core.registry.pendingCount)} requests, ` +
          `b ${fmt(bench.b.core.registry.pendingCount)} forwarded ones (each with its WatchCampOn stream from a); ${again} rounds x ${samples} per flow`,
      );
      printLatencyAgain(clean, await latencyPhase(bench, again, samples, 1));
    }
  } finally {
    await stopProfile();
    await bench.close();
  }
  console.log(`\ndone (${loadLine()})`);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
