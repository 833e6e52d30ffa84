// Issue 7, Benchmark: RouteRequest -> RouteSelect latency (p50/p99) with 1k
// transfer entries, against 1 entry and a raw echo measured in the same run.
//
// The clock runs on the simulator side, the switch's view of the routing
// dialogue (csta-link.md "routing"):
//   start  Routing.intercept on the exchange is about to ask: the call is
//          being offered to a device with a router, and the RouteRequest is
//          built, encoded and written to that application's session;
//   stop   Routing.select is entered: the application's RouteSelect for that
//          dialogue (same crossRefIdentifier) arrived and was decoded.
// Both are wrappers this script puts on each exchange's Routing object
// (instance methods, nothing changed in src/): the simulator's encode of the
// RouteRequest and decode of the RouteSelect are inside the window, the
// divert that follows the RouteSelect is not.
//
// Flows, one simulator (time scale 1, every station auto-answers with
// autoAnswerRings 0), three offices of the same shape: extensions 2000-2999
// (routed), 3000-3999 (their destinations, free), callers 4000-4003,
// voice-board ports 7001-7008.
//   ctid, 1k entries   office a served by the real ctid (startDaemon: config
//                      file, file stores in a temp dir, gRPC server, CstaLink
//                      / CstaSwitch over loopback TCP; pino at info into
//                      /dev/null as a default ctid logs), with 1000 entries
//                      2000+i -> 3000+i set through its gRPC API (SetTransfer,
//                      admin token). Each sample calls the next extension of
//                      a shuffled order, so every entry is used.
//   ctid, 1 entry      office b, its own ctid set up the same way, with the
//                      one entry 2000 -> 3000.
//   echo               office e: a bare CstaLink (ctid's link, no core) that
//                      registers as the router of 2000-2999 and answers each
//                      RouteRequest at once with RouteSelect 3000+i.
// In each sample a caller dials the routed extension (the simulator's
// control API, as a phone would), the RouteSelect is timed, the call is
// followed until it is through (direct: the destination answered; voice
// board: the caller and the destination hear each other through the
// bridged ports), the caller hangs up, and the next sample starts once the
// caller, the destination and every port are idle again (voice board: and
// ctid logged that the transfer ended). One call at a time; the flows
// alternate in rounds, the order rotating each round.
//
// Modes (config `transfer.mode`): `direct` (ctid looks whether the first
// destination is in a call, SnapshotDevice, then selects it) and
// `voice-board` (ctid selects a free voice-board port at once, then carries
// the call there). Both ctids are restarted on the same data directories
// between modes, so the entries are set once and come back from the store.
//
// Usage: node dist/bench/transfer-route.js [--samples N per flow in direct mode, default 2000]
//          [--vb-samples N per flow in voice-board mode, default 600] [--rounds N, default 8]
//          [--warmup N per flow and mode, default 100] [--entries N, default 1000]
//          [--modes direct,voice-board] [--profile DIR] (a CPU profile of each mode's measured rounds)

import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { RouteRegisterResponse } from '../src/csta/messages.js';
import { startDaemon, type RunningDaemon } from '../src/daemon/daemon.js';
import type { TransferMode } from '../src/daemon/core/transfer-routing.js';
import { CstaLink } from '../src/daemon/switch/csta/link.js';
import { CtiServiceDefinition, SetTransferRequest } from '../src/gen/cti/v1/cti.js';
import { grpcJsClient } from '../src/rpc/grpc-js-service.js';
import type { Exchange } from '../src/switch-sim/exchange.js';
import { startSimulator, type RunningSimulator } from '../src/switch-sim/simulator.js';
import { parseWorld } from '../src/switch-sim/world-file.js';
import { isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile } from './common.js';
import { median, profileWindow, sleep, threadCpu } from './ctid-office.js';

/** The modes measured, in this order (config `transfer.mode`). */
const MODES: TransferMode[] = ['direct', 'voice-board'];

const ROUTED0 = 2000;
const DEST_OFFSET = 1000;
const CALLERS = ['4000', '4001', '4002', '4003'];
const PORTS = ['7001', '7002', '7003', '7004', '7005', '7006', '7007', '7008'];
const TOKEN = 'bench-transfer-route-token-0123456789';
const SAMPLE_TIMEOUT_MS = 5000;

type OfficeId = 'a' | 'b' | 'e';

interface Flow {
  name: string;
  office: OfficeId;
  /** Routed extensions 2000.. of this office; a sample calls one of them. */
  entries: number;
}

const routed = (i: number): string => String(ROUTED0 + i);
const destinationOf = (ext: string): string => String(Number(ext) + DEST_OFFSET);

// ---------------------------------------------------------------- the simulator and its observation

/** One routing dialogue the script waits for: started when the exchange asks, resolved by the RouteSelect. */
interface Dialogue {
  office: OfficeId;
  /** The extension called. */
  device: string;
  t0: number;
  crossRef?: string;
  resolve?: (r: { ms: number; destination: string }) => void;
}

let expecting: Dialogue | undefined;
/** RouteRequests that were not the one a sample waited for (a second one in a sample: the call rang the extension after all). */
let strayRequests = 0;
/** Route registrations the simulator accepted, per office, since the counter was reset. */
const registrations = new Map<OfficeId, number>();
/** Conditions waited on: checked at every exchange event, voice-board command and ctid log line. */
const waiters = new Set<() => void>();
const notify = (): void => {
  for (const check of [...waiters]) check();
};

function observe(sim: RunningSimulator, office: OfficeId): void {
  const exchange = sim.world.exchange(office)!;
  const routing = exchange.routing;
  const intercept = routing.intercept.bind(routing);
  routing.intercept = (call, device) => {
    const t0 = performance.now();
    const asked = intercept(call, device);
    if (asked) {
      const d = expecting;
      if (d && d.office === office && d.device === device.ext && d.crossRef === undefined) {
        d.t0 = t0;
        d.crossRef = call.routing!.crossRef;
      } else strayRequests++;
    }
    return asked;
  };
  const select = routing.select.bind(routing);
  routing.select = (regId, crossRef, destination, sink) => {
    const t1 = performance.now();
    const d = expecting;
    if (d && d.office === office && d.crossRef === crossRef) {
      expecting = undefined;
      d.resolve?.({ ms: t1 - d.t0, destination });
    }
    select(regId, crossRef, destination, sink);
  };
  const register = routing.register.bind(routing);
  routing.register = (ext, sink) => {
    const id = register(ext, sink);
    registrations.set(office, (registrations.get(office) ?? 0) + 1);
    return id;
  };
  exchange.on('event', notify);
}

function waitFor(cond: () => boolean, what: string, ms = SAMPLE_TIMEOUT_MS): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!cond()) return;
      done();
      resolve();
    };
    const poll = setInterval(check, 5);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const done = () => {
      clearInterval(poll);
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
  });
}

function device(sim: RunningSimulator, office: OfficeId, ext: string) {
  return sim.world.exchange(office)!.devices.get(ext)!;
}

const idle = (sim: RunningSimulator, office: OfficeId, ext: string): boolean => device(sim, office, ext).connections.size === 0;

const talking = (sim: RunningSimulator, office: OfficeId, ext: string): boolean => {
  for (const c of device(sim, office, ext).connections) if (c.state === 'connected') return true;
  return false;
};

/** Whether the talk paths hold both devices (OFFICE/EXT) in one group. */
const together = (sim: RunningSimulator, a: string, b: string): boolean => sim.world.paths().paths.some((g) => g.devices.includes(a) && g.devices.includes(b));

async function startWorld(): Promise<RunningSimulator> {
  const office = (id: OfficeId) => ({
    id,
    csta: { listen: '127.0.0.1:0', user: `ctid-${id}`, password: `secret-${id}` },
    stations: ['2000-2999', '3000-3999', `${CALLERS[0]}-${CALLERS[CALLERS.length - 1]}`],
    voiceBoardPorts: PORTS,
    devices: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [destinationOf(routed(i)), { answer: 'auto' as const }])),
  });
  const world = parseWorld({ autoAnswerRings: 0, offices: [office('a'), office('b'), office('e')] });
  const sim = await startSimulator({ world, timeScale: 1, controlListen: null, logger: () => {} });
  for (const id of ['a', 'b', 'e'] as const) observe(sim, id);
  const board = sim.world.voiceBoard;
  const run = board.run.bind(board);
  board.run = (exchange: Exchange, command) => {
    run(exchange, command);
    notify();
  };
  return sim;
}

function cstaAddress(sim: RunningSimulator, office: OfficeId): { host: string; port: number } {
  const address = sim.offices.find((o) => o.id === office)!.csta;
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

// ---------------------------------------------------------------- ctid

/** What the script reads from a ctid's log lines (DaemonHooks.logger). */
interface CtidLog {
  counts: Map<string, number>;
}

interface Ctid {
  office: OfficeId;
  daemon: RunningDaemon;
  log: CtidLog;
  dir: string;
}

const devNull = pino({ level: 'info', base: { pid: process.pid } }, pino.destination({ dest: '/dev/null', sync: true }));

async function startCtid(sim: RunningSimulator, office: OfficeId, dir: string, mode: TransferMode): Promise<Ctid> {
  const { host, port } = cstaAddress(sim, office);
  const config = {
    office,
    listen: '127.0.0.1:0',
    switch: { url: `csta://${host}:${port}`, user: `ctid-${office}`, password: `secret-${office}` },
    voiceBoardPorts: PORTS,
    users: [{ name: 'bench', token: TOKEN, admin: true }],
    transfer: { mode },
  };
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  const log: CtidLog = { counts: new Map() };
  const daemon = await startDaemon(
    { config: file, data: join(dir, 'data') },
    {
      ready: () => {},
      logger: (event, fields) => {
        devNull.info(fields ?? {}, event); // what a default ctid pays per line (pino, sync), into /dev/null
        log.counts.set(event, (log.counts.get(event) ?? 0) + 1);
        notify();
      },
    },
  );
  return { office, daemon, log, dir };
}

const logCount = (ctid: Ctid, event: string): number => ctid.log.counts.get(event) ?? 0;

/** Sets `n` entries 2000+i -> 3000+i through ctid's gRPC API, one at a time (each is stored before the next); returns the per-call ms. */
async function setEntries(ctid: Ctid, n: number): Promise<number[]> {
  const client = new (grpcJsClient(CtiServiceDefinition))(ctid.daemon.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  const took: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const req = SetTransferRequest.fromPartial({ extension: routed(i), destinations: [destinationOf(routed(i))] });
      const t = performance.now();
      await new Promise<void>((resolve, reject) =>
        client.setTransfer(req, metadata, { deadline: Date.now() + 30_000 }, (err: ServiceError | null) => (err ? reject(err) : resolve())),
      );
      took.push(performance.now() - t);
    }
  } finally {
    client.close();
  }
  return took;
}

// ---------------------------------------------------------------- the echo router

async function startEcho(sim: RunningSimulator, entries: number): Promise<CstaLink> {
  const { host, port } = cstaAddress(sim, 'e');
  const link = new CstaLink({ host, port, user: 'ctid-e', password: 'secret-e', applicationId: 'bench-echo' });
  link.on('frame', ({ message }) => {
    if (message.type !== 'RouteRequest') return;
    link.sendUnconfirmed({
      type: 'RouteSelect',
      routeRegisterReqId: message.routeRegisterReqId,
      crossRefIdentifier: message.crossRefIdentifier,
      routeSelected: destinationOf(message.currentRoute),
    });
  });
  link.start();
  await waitFor(() => link.state === 'up', 'the echo link to come up', 10_000);
  for (let i = 0; i < entries; i += 100) {
    const batch: Promise<RouteRegisterResponse>[] = [];
    for (let j = i; j < Math.min(entries, i + 100); j++) batch.push(link.request<RouteRegisterResponse>({ type: 'RouteRegister', routingDevice: routed(j) }));
    await Promise.all(batch);
  }
  return link;
}

// ---------------------------------------------------------------- one sample

interface Sample {
  ms: number;
  /**
   * How long this thread (simulator, ctid and echo all run on it) waited for
   * a CPU while runnable, from just before the dial to just after the
   * RouteSelect (/proc/thread-self/schedstat): time other processes took.
   */
  waitMs: number;
  /** The extension called, and where the RouteSelect sent the call. */
  ext: string;
  destination: string;
}

/** Shuffled extension indices per flow, and where each flow is in its order. */
const orders = new Map<string, { order: number[]; next: number }>();
let callerNext = 0;

function nextExtension(flow: Flow): string {
  let o = orders.get(flow.name);
  if (!o) {
    const order = Array.from({ length: flow.entries }, (_, i) => i);
    let seed = 12345;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    orders.set(flow.name, (o = { order, next: 0 }));
  }
  return routed(o.order[o.next++ % o.order.length]!);
}

async function sample(sim: RunningSimulator, flow: Flow, mode: TransferMode, ctid: Ctid | undefined): Promise<Sample> {
  const office = flow.office;
  const ext = nextExtension(flow);
  const dest = destinationOf(ext);
  const caller = CALLERS[callerNext++ % CALLERS.length]!;
  const parked = mode === 'voice-board' && ctid !== undefined;
  await waitFor(
    () => idle(sim, office, caller) && idle(sim, office, ext) && idle(sim, office, dest) && (!parked || PORTS.every((p) => idle(sim, office, p))),
    `${office}/${caller}, ${ext}, ${dest} and the ports to be idle`,
  );
  const endedBefore = ctid ? logCount(ctid, 'transfer ended') : 0;

  const dialogue: Dialogue = { office, device: ext, t0: 0 };
  const selected = new Promise<{ ms: number; destination: string }>((resolve, reject) => {
    dialogue.resolve = resolve;
    setTimeout(() => reject(new Error(`${flow.name}: no RouteSelect for ${office}/${ext} within ${SAMPLE_TIMEOUT_MS} ms`)), SAMPLE_TIMEOUT_MS).unref();
  });
  expecting = dialogue;
  const wait0 = threadCpu().waitNs;
  sim.control.dial(office, caller, ext);
  const { ms, destination } = await selected;
  const waitMs = (threadCpu().waitNs - wait0) / 1e6;

  // Through: the destination answered (direct); the caller hears it through the bridged ports (voice board).
  if (parked) await waitFor(() => together(sim, `${office}/${caller}`, `${office}/${dest}`), `${flow.name}: ${caller} to talk with ${dest}`);
  else await waitFor(() => talking(sim, office, dest), `${flow.name}: ${dest} to answer`);
  sim.control.hangup(office, caller);
  await waitFor(
    () =>
      idle(sim, office, caller) &&
      idle(sim, office, dest) &&
      (!parked || (PORTS.every((p) => idle(sim, office, p)) && logCount(ctid, 'transfer ended') > endedBefore)),
    `${flow.name}: the call from ${caller} to be cleared`,
  );
  if (parked) await sleep(1); // the ports go back to ctid's pool once its last ClearConnection is answered
  return { ms, waitMs, ext, destination };
}

// ---------------------------------------------------------------- one mode

interface FlowResult {
  flow: Flow;
  ms: number[];
  /** Each sample less the time its thread waited for a CPU (at least 0): what an unloaded machine would show, roughly. */
  unloaded: number[];
  roundMedians: number[];
  /** Samples whose RouteSelect named something else than expected (direct: the destination; voice board: a port). */
  unexpected: number;
}

interface ModeResult {
  mode: TransferMode;
  samples: number;
  flows: FlowResult[];
  /** CSTA requests ctid sent per measured call, by type, per ctid office. */
  requests: Map<OfficeId, Map<string, number>>;
  strays: number;
  routedDirectly: number;
  seconds: number;
}

const FLOWS = (entries: number): Flow[] => [
  { name: `ctid, ${entries >= 1000 ? `${entries / 1000}k` : entries} entries`, office: 'a', entries },
  { name: 'ctid, 1 entry', office: 'b', entries: 1 },
  { name: 'echo', office: 'e', entries },
];

async function measureMode(
  sim: RunningSimulator,
  ctids: Map<OfficeId, Ctid>,
  mode: TransferMode,
  entries: number,
  rounds: number,
  samples: number,
  warmup: number,
): Promise<ModeResult> {
  const flows = FLOWS(entries);
  const results = new Map(flows.map((f) => [f.name, { flow: f, ms: [] as number[], unloaded: [] as number[], roundMedians: [] as number[], unexpected: 0 }]));
  const expected = (flow: Flow, s: Sample) =>
    mode === 'voice-board' && flow.office !== 'e' ? PORTS.includes(s.destination) : s.destination === destinationOf(s.ext);
  const take = async (flow: Flow): Promise<Sample> => sample(sim, flow, mode, ctids.get(flow.office));

  for (const flow of flows) for (let i = 0; i < warmup; i++) await take(flow);
  const logBefore = new Map([...ctids.keys()].map((o) => [o, sim.control.log(o).length]));
  const strays0 = strayRequests;
  const directly0 = [...ctids.values()].reduce((n, c) => n + logCount(c, 'transfer routed directly: no two voice-board ports free'), 0);
  const stopProfile = await profileWindow(`transfer-route-${mode}`);
  const start = performance.now();
  const perRound = Math.max(1, Math.round(samples / rounds));
  for (let round = 0; round < rounds; round++) {
    const parts: string[] = [];
    for (const flow of flows.map((_, i) => flows[(i + round) % flows.length]!)) {
      const r = results.get(flow.name)!;
      const here: number[] = [];
      for (let i = 0; i < perRound; i++) {
        const s = await take(flow);
        if (!expected(flow, s)) r.unexpected++;
        here.push(s.ms);
        r.unloaded.push(Math.max(0, s.ms - s.waitMs));
      }
      r.ms.push(...here);
      const m = median(here);
      r.roundMedians.push(m);
      parts.push(`${flow.name} ${m.toFixed(3)}`);
    }
    console.log(`  round ${round + 1}/${rounds} (${loadLine()}): median ms: ${parts.join(', ')}`);
  }
  const seconds = (performance.now() - start) / 1000;
  await stopProfile();
  const requests = new Map<OfficeId, Map<string, number>>();
  for (const [office, before] of logBefore) {
    const byType = new Map<string, number>();
    for (const e of sim.control.log(office).slice(before)) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    requests.set(office, byType);
  }
  return {
    mode,
    samples: perRound * rounds,
    flows: [...results.values()],
    requests,
    strays: strayRequests - strays0,
    routedDirectly: [...ctids.values()].reduce((n, c) => n + logCount(c, 'transfer routed directly: no two voice-board ports free'), 0) - directly0,
    seconds,
  };
}

function printMode(r: ModeResult): void {
  const widths = [18, 6, 8, 8, 8, 8, 8, 14, 28];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  console.log(`\nmode ${r.mode}: RouteRequest -> RouteSelect, ms (${r.samples} samples per flow, ${r.seconds.toFixed(1)} s)`);
  console.log(row(['flow', 'n', 'p50', 'p90', 'p99', 'max', 'mean', 'round medians', 'less CPU wait p50/p99/max']));
  const stats = new Map<string, { p50: number; p99: number }>();
  for (const f of r.flows) {
    const s = Float64Array.from(f.ms).sort();
    const mean = f.ms.reduce((a, b) => a + b, 0) / f.ms.length;
    const p50 = percentile(s, 50);
    const p99 = percentile(s, 99);
    stats.set(f.flow.office, { p50, p99 });
    const rm = Float64Array.from(f.roundMedians).sort();
    const u = Float64Array.from(f.unloaded).sort();
    console.log(
      row([
        f.flow.name,
        String(f.ms.length),
        p50.toFixed(3),
        percentile(s, 90).toFixed(3),
        p99.toFixed(3),
        s[s.length - 1]!.toFixed(3),
        mean.toFixed(3),
        `${rm[0]!.toFixed(3)}-${rm[rm.length - 1]!.toFixed(3)}`,
        `${percentile(u, 50).toFixed(3)} / ${percentile(u, 99).toFixed(3)} / ${u[u.length - 1]!.toFixed(3)}`,
      ]),
    );
  }
  const a = stats.get('a')!;
  const b = stats.get('b')!;
  const e = stats.get('e')!;
  console.log(`  1k / 1 entry:   p50 ${(a.p50 / b.p50).toFixed(2)}x, p99 ${(a.p99 / b.p99).toFixed(2)}x`);
  console.log(`  1k / echo:      p50 ${(a.p50 / e.p50).toFixed(2)}x, p99 ${(a.p99 / e.p99).toFixed(2)}x`);
  console.log(`  1 entry / echo: p50 ${(b.p50 / e.p50).toFixed(2)}x, p99 ${(b.p99 / e.p99).toFixed(2)}x`);
  for (const [office, byType] of r.requests) {
    const calls = r.samples;
    const parts = [...byType].sort((x, y) => y[1] - x[1]).map(([t, n]) => `${t} ${(n / calls).toFixed(2)}`);
    console.log(`  CSTA requests from ctid ${office} per call: ${parts.join(', ') || 'none'} (RouteSelect is unconfirmed)`);
  }
  const unexpected = r.flows.map((f) => `${f.flow.name} ${f.unexpected}`).join(', ');
  console.log(`  checks: unexpected RouteSelect destinations: ${unexpected}; extra RouteRequests: ${r.strays}; routed directly for want of ports: ${r.routedDirectly}`);
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  const samples = numberArg('samples', 2000, 3, 100_000);
  const vbSamples = numberArg('vb-samples', 600, 3, 100_000);
  const rounds = numberArg('rounds', 8, 1, 100);
  const warmup = numberArg('warmup', 100, 0, 10_000);
  const entries = numberArg('entries', 1000, 1, 1000);
  const at = process.argv.indexOf('--modes');
  const modes = at === -1 ? MODES : (process.argv[at + 1] ?? '').split(',').map((m) => m.trim());
  for (const m of modes) if (!MODES.includes(m as TransferMode)) throw new RangeError(`--modes: ${m} is not one of ${MODES.join(', ')}`);

  console.log(`transfer-route: ${machineLine()}`);
  console.log(
    `world: offices a, b, e in one simulator (time scale 1, autoAnswerRings 0), each 2000-2999 routed, 3000-3999 destinations (auto-answer), ` +
      `callers ${CALLERS.join(', ')}, voice-board ports ${PORTS[0]}-${PORTS[PORTS.length - 1]}`,
  );
  console.log(`a: ctid (startDaemon, file stores, CstaLink) with ${entries} entries; b: ctid with 1 entry; e: echo router (bare CstaLink) registered for ${entries}`);
  const safety = setTimeout(() => {
    console.error('transfer-route: still running after 280 s: giving up');
    process.exit(1);
  }, 280_000);
  safety.unref();

  const t0 = performance.now();
  const sim = await startWorld();
  const root = await mkdtemp(join(tmpdir(), 'transfer-route-'));
  const ctids = new Map<OfficeId, Ctid>();
  let echo: CstaLink | undefined;
  const stopCtids = async () => {
    for (const c of ctids.values()) await c.daemon.stop();
    ctids.clear();
  };
  try {
    echo = await startEcho(sim, entries);
    let first = true;
    for (const mode of modes as TransferMode[]) {
      registrations.clear();
      for (const [office, n] of [['a', entries], ['b', 1]] as const) {
        const dir = join(root, office);
        await mkdir(dir, { recursive: true });
        const since = performance.now();
        const ctid = await startCtid(sim, office, dir, mode);
        ctids.set(office, ctid);
        if (first) {
          const took = await setEntries(ctid, n);
          const p50 = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50).toFixed(2);
          console.log(
            `${office}: ${n} SetTransfer through gRPC, one at a time: ${(took.reduce((x, y) => x + y, 0) / 1000).toFixed(1)} s` +
              (n >= 200 ? `, p50 ${p50(took.slice(0, 100))} ms for the first 100, ${p50(took.slice(-100))} ms for the last 100` : ''),
          );
        }
        await waitFor(() => (registrations.get(office) ?? 0) >= n, `${office}: ${n} route registrations`, 60_000);
        if (!first) console.log(`${office}: ctid restarted in mode ${mode}: ${n} entries registered again ${(performance.now() - since).toFixed(0)} ms after startDaemon was called`);
      }
      first = false;
      console.log(`\nmode ${mode}: ${rounds} rounds, flows alternating, one call at a time (+${warmup} warm-up each)`);
      const result = await measureMode(sim, ctids, mode, entries, rounds, mode === 'direct' ? samples : vbSamples, warmup);
      printMode(result);
      await stopCtids();
    }
  } finally {
    await stopCtids();
    await echo?.close();
    await sim.close();
    await rm(root, { recursive: true, force: true });
  }
  console.log(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s (${loadLine()})`);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
