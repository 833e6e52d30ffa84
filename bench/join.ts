// Issue 6, Benchmark: accept-to-bridged latency of a join, inside one office
// and across offices, against a plain two-point call measured in the same run.
//
//   join, local   a/2001 joins a/2000, which talks with a/2002. The clock
//                 starts when a.core.answerPrompt(accept) is called and stops
//                 when the simulator's talk paths hold a/2001, a/2000 and
//                 a/2002 in one group (a's port 7001 conferenced into the
//                 call, port 7002 ringing a/2001, the two ports bridged).
//   join, across  a/2001 joins 044-222-3333 (b/2000, talking with b/2002):
//                 a forwards the request to b over the peer gRPC API, the
//                 prompt is answered at b (b.core.answerPrompt), b rings
//                 044-123-4567 (a/2001) from its port 7002 through the public
//                 network and bridges its ports; a mirrors b's result.
//   call          the baseline: Core.submit(kind 'call', a/2001 -> a/2000
//                 idle), from the submit to the talk paths holding both.
//
// Also measured: until a's request reads `succeeded` (published in a's
// registry: what a watching user sees); this process's CPU time over each
// sample (steadier than wall time when other processes take the CPUs); and
// a timeline of every sample (each CSTA request sent and answered on either
// office's link, numbered when a type repeats; each kind of durable put and
// how long it took; each state published) to say where the time goes.
//
// Setup as bench/federation.ts (whose helpers this reuses): one node process,
// the simulator with offices a and b (CSTA over loopback TCP, time scale
// 100), each office's Core on the real CstaLink/CstaSwitch with the real file
// store (fdatasync per group commit), GrpcPeers from a to b's PeerService.
// Every phone answers by itself with autoAnswerRings 0 (in the tick it
// rings: no ring period is waited), and voice-board ports connect at once,
// so the figures are our code's: CSTA round trips, puts, gRPC. Each office
// has voice-board ports 7001-7004 (a join holds two).
//
// One request at a time. Between samples the previous one is torn down: the
// requester hangs up, the owner's JoinFollower undoes the join (unbridge,
// clear both ports) and gives the ports back; the next sample starts once the
// ports and the requester are idle, the record's `joined` is gone and every
// put is durable. The target's call with its partner stays up (re-dialled if
// not). Flows alternate in rounds, the order rotating; medians are compared.
//
// Usage: node dist/bench/join.js [--rounds N, default 6] [--samples N per flow per round, default 20]
//          [--profile DIR] (a CPU profile of the measured rounds)

import type { CstaRequest } from '../src/csta/messages.js';
import type { RequestRecord } from '../src/daemon/core/request.js';
import type { RunningSimulator } from '../src/switch-sim/simulator.js';
import { cpuSeconds, isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile } from './common.js';
import { ADMIN, alternatingRounds, median, profileWindow } from './ctid-office.js';
import { idle, quiet, RING_MS, signedFixed, startBench, TIME_SCALE, until, type Bench, type Office } from './federation.js';

const PORTS = ['7001', '7002', '7003', '7004'];

type FlowName = 'call (baseline)' | 'join, local' | 'join, across';

interface Flow {
  name: FlowName;
  kind: 'call' | 'join';
  /** What a/2001 asks for. */
  destination: string;
  /** The office that owns the destination (and answers the prompt, rings from its ports). */
  owner: 'a' | 'b';
}

const FLOWS: Flow[] = [
  { name: 'call (baseline)', kind: 'call', destination: '2000', owner: 'a' },
  { name: 'join, local', kind: 'join', destination: '2000', owner: 'a' },
  { name: 'join, across', kind: 'join', destination: '044-222-3333', owner: 'b' },
];

interface Sample {
  /** Start (answerPrompt called; for the baseline: submit called) -> the talk paths hold everyone, ms. */
  connected: number;
  /** Start -> a's request reads `succeeded`, ms. */
  succeeded: number;
  /** First occurrence of each event of the timeline, ms after the start. */
  marks: Map<string, number>;
  /** How long the puts of the timeline took (put() to durable), ms, by label. */
  putTook: Map<string, number>;
  /** This process's CPU time from the start until both clocks stopped (simulator, both cores, gRPC), ms. */
  cpu: number;
  /** CSTA requests from the start until torn down, by `office: type`. */
  requests: Map<string, number>;
}

// ---------------------------------------------------------------- the timeline

/** The timeline of the sample being measured; undefined between samples. */
let marks: Map<string, number> | undefined;
/** How long each put of the timeline took, from the store's put() to durable, ms, by its label. */
let putTook: Map<string, number> | undefined;
let t0 = 0;

function mark(label: string): void {
  if (marks && !marks.has(label)) marks.set(label, performance.now() - t0);
}

/** CSTA requests sent by each office from the start until the sample is torn down, by `office: type`. */
let requests: Map<string, number> | undefined;

/** How often each repeated label occurred in this sample. */
const repeats = new Map<string, number>();

/** A mark for something that may happen more than once in a sample (two MonitorStarts): `label`, `label #2`, ... */
function markEach(label: string): void {
  if (!marks) return;
  const n = (repeats.get(label) ?? 0) + 1;
  repeats.set(label, n);
  mark(n === 1 ? label : `${label} #${n}`);
}

/** What is checked after every exchange event and every voice-board command while a sample runs. */
let onSwitchChange: (() => void) | undefined;

/**
 * Hooks the timeline into the bench, once: each office's CSTA requests (sent,
 * answered), its durable puts, its registry's states, and the simulator's
 * exchange events and voice-board commands.
 */
function instrument(bench: Bench): void {
  for (const office of [bench.a, bench.b]) {
    const id = office.id;
    const link = office.link;
    const request = link.request.bind(link);
    link.request = ((msg: CstaRequest, opts?: { timeoutMs?: number }) => {
      markEach(`${id}: ${msg.type} sent`);
      if (requests) requests.set(`${id}: ${msg.type}`, (requests.get(`${id}: ${msg.type}`) ?? 0) + 1);
      const p = request(msg, opts);
      // Registered before the caller's await: runs first, when the response is decoded.
      p.then(
        () => markEach(`${id}: ${msg.type} answered`),
        () => markEach(`${id}: ${msg.type} refused`),
      );
      return p;
    }) as typeof link.request;

    const store = office.store;
    const put = store.put.bind(store);
    store.put = (record: RequestRecord) => {
      const label = `${id}: put ${record.state}${record.state === 'waiting-consent' && record.prompt?.answer ? ' +answer' : ''}${record.joined ? ' +joined' : ''} durable`;
      const start = performance.now();
      return put(record).then(() => {
        if (marks && !marks.has(label)) putTook?.set(label, performance.now() - start);
        mark(label);
      });
    };

    office.core.registry.subscribe((r) => mark(`${id}: ${r.state} published`));
  }
  const check = () => onSwitchChange?.();
  for (const x of bench.sim.world.exchanges.values()) {
    x.on('event', () => {
      if (marks) check();
    });
  }
  const board = bench.sim.world.voiceBoard;
  const run = board.run.bind(board);
  board.run = (exchange, command) => {
    run(exchange, command);
    mark(`sim: ${command.op}`);
    check();
  };
}

/** Whether the switch's talk paths hold all these devices (office/ext) in one group. */
function together(sim: RunningSimulator, devices: string[]): boolean {
  return sim.world.paths().paths.some((g) => devices.every((d) => g.devices.includes(d)));
}

// ---------------------------------------------------------------- one sample

const officeOf = (bench: Bench, id: 'a' | 'b'): Office => (id === 'a' ? bench.a : bench.b);

/** The target (owner/2000) talking with its partner (owner/2002); dials the call when it is not up. */
async function targetTalking(bench: Bench, office: string): Promise<void> {
  const { sim } = bench;
  if (together(sim, [`${office}/2000`, `${office}/2002`])) return;
  if (!idle(sim, office, '2000')) sim.control.hangup(office, '2000');
  await until(() => idle(sim, office, '2000') && idle(sim, office, '2002'), 5000, `${office}/2000 and ${office}/2002 idle`);
  sim.control.dial(office, '2000', '2002');
  await until(() => together(sim, [`${office}/2000`, `${office}/2002`]), 5000, `${office}/2000 to talk with ${office}/2002`);
}

async function sample(bench: Bench, flow: Flow): Promise<Sample> {
  const { sim, a } = bench;
  const owner = officeOf(bench, flow.owner);
  await until(() => idle(sim, 'a', '2001'), 5000, 'a/2001 idle');
  let id: string | undefined;
  if (flow.kind === 'join') {
    await targetTalking(bench, flow.owner);
    const submitted = await a.core.submit(ADMIN, { kind: 'join', destination: flow.destination, source: '2001', display: 'Bench' });
    id = submitted.id;
    // Ready: the owner's prompt is out, a shows it (across: b's reply mirrored), every put durable.
    await until(
      () => owner.core.registry.get(submitted.id)?.state === 'waiting-consent' && a.core.registry.get(submitted.id)?.state === 'waiting-consent',
      5000,
      `${flow.name}: the prompt to go out`,
    );
  } else {
    if (!idle(sim, 'a', '2000')) sim.control.hangup('a', '2000');
    await until(() => idle(sim, 'a', '2000') && idle(sim, 'a', '2002'), 5000, 'a/2000 idle');
  }
  await quiet(bench, 5);

  const everyone = flow.kind === 'join' ? ['a/2001', `${flow.owner}/2000`, `${flow.owner}/2002`] : ['a/2001', 'a/2000'];
  let connectedAt = 0;
  let succeededAt = 0;
  onSwitchChange = () => {
    if (!connectedAt && together(sim, everyone)) {
      connectedAt = performance.now();
      mark('connected (talk paths)');
    }
  };
  // One request at a time: the first to succeed at a is this sample's (the baseline's id is known only after submit).
  const off = a.core.registry.subscribe((r) => {
    if (!succeededAt && r.state === 'succeeded' && r.source === '2001' && r.kind === flow.kind) succeededAt = performance.now();
  });
  marks = new Map();
  putTook = new Map();
  repeats.clear();
  const sent = (requests = new Map());
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  let answered: Promise<unknown>;
  let cpu = NaN;
  try {
    if (flow.kind === 'join') {
      answered = owner.core.answerPrompt(ADMIN, id!, { accept: true }).then(() => mark('answerPrompt returned'));
    } else {
      answered = a.core.submit(ADMIN, { kind: 'call', destination: flow.destination, source: '2001' }).then((r) => {
        id = r.id;
        mark('submit returned');
      });
    }
    await until(() => connectedAt > 0 && succeededAt > 0, 10_000, `${flow.name}: connected and succeeded`);
    await answered;
  } finally {
    cpu = cpuSeconds(cpu0) * 1000;
    off();
    onSwitchChange = undefined;
  }
  const result: Sample = { connected: connectedAt - t0, succeeded: succeededAt - t0, marks, putTook: putTook!, cpu, requests: sent };
  marks = putTook = undefined;

  // Tear down: the requester hangs up; the owner undoes the join and frees its ports.
  sim.control.hangup('a', '2001');
  const ownerRecord = () => owner.core.registry.get(id!);
  await until(
    () =>
      idle(sim, 'a', '2001') &&
      PORTS.every((p) => idle(sim, flow.owner, p)) &&
      ownerRecord()?.state === 'succeeded' &&
      ownerRecord()?.joined === undefined &&
      a.core.registry.get(id!)?.state === 'succeeded',
    5000,
    `${flow.name}: the join to be undone and the ports idle`,
  );
  await quiet(bench, 5);
  requests = undefined;
  return result;
}

// ---------------------------------------------------------------- rounds and figures

interface FlowFigures {
  connected: number[];
  succeeded: number[];
  roundMedians: number[];
  timelines: Map<string, number>[];
  putTook: Map<string, number>[];
  cpu: number[];
  requests: Map<string, number>[];
}

async function measure(bench: Bench, rounds: number, samples: number, warmUp: number): Promise<Map<FlowName, FlowFigures>> {
  const figures = new Map<FlowName, FlowFigures>(FLOWS.map((f) => [f.name, { connected: [], succeeded: [], roundMedians: [], timelines: [], putTook: [], cpu: [], requests: [] }]));
  // Warm-up, not counted: JIT, the first monitors, the gRPC connection.
  for (const flow of FLOWS) for (let i = 0; i < warmUp; i++) await sample(bench, flow);
  const stopProfile = await profileWindow('join');
  try {
    const medians = await alternatingRounds(FLOWS, rounds, samples, async (flow) => {
      const s = await sample(bench, flow);
      const f = figures.get(flow.name)!;
      f.connected.push(s.connected);
      f.succeeded.push(s.succeeded);
      f.timelines.push(s.marks);
      f.putTook.push(s.putTook);
      f.cpu.push(s.cpu);
      f.requests.push(s.requests);
      return s.connected;
    });
    for (const [name, m] of medians) figures.get(name as FlowName)!.roundMedians = m;
  } finally {
    await stopProfile();
  }
  return figures;
}

function print(figures: Map<FlowName, FlowFigures>): void {
  const base = figures.get('call (baseline)')!;
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const widths = [16, 4, 8, 7, 7, 7, 8, 7, 7, 7, 8, 7];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  console.log(
    '\nms from accept (join: answerPrompt called; call: submit called) to connected (talk paths) and to succeeded (a\'s registry); ' +
      'p50/p99/max over all samples; "x call": p50 / the baseline\'s p50; CPU: this process\'s CPU ms over the sample (simulator included)',
  );
  console.log(row(['flow', 'n', 'conn p50', 'p99', 'max', 'x call', 'succ p50', 'p99', 'max', 'x call', 'CPU p50', 'x call']));
  const baseCpu = median(base.cpu);
  const baseC = percentile(sorted(base.connected), 50);
  const baseS = percentile(sorted(base.succeeded), 50);
  for (const [name, f] of figures) {
    const c = sorted(f.connected);
    const s = sorted(f.succeeded);
    const p50c = percentile(c, 50);
    const p50s = percentile(s, 50);
    console.log(
      row([
        name,
        String(c.length),
        p50c.toFixed(2),
        percentile(c, 99).toFixed(2),
        c[c.length - 1]!.toFixed(2),
        `x${(p50c / baseC).toFixed(2)}`,
        p50s.toFixed(2),
        percentile(s, 99).toFixed(2),
        s[s.length - 1]!.toFixed(2),
        `x${(p50s / baseS).toFixed(2)}`,
        median(f.cpu).toFixed(2),
        `x${(median(f.cpu) / baseCpu).toFixed(2)}`,
      ]),
    );
  }
  console.log('\nper round (flows alternate): round median of connected against the same round\'s baseline');
  for (const [name, f] of figures) {
    if (f === base) continue;
    const ratios = f.roundMedians.map((m, i) => m / base.roundMedians[i]!);
    const diffs = f.roundMedians.map((m, i) => m - base.roundMedians[i]!);
    console.log(
      `  ${pad(name, 14)} x${median(ratios).toFixed(2)} (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}), ` +
        `median difference ${signedFixed(median(diffs))} ms`,
    );
  }
  const local = figures.get('join, local')!;
  const across = figures.get('join, across')!;
  const acrossDiffs = across.roundMedians.map((m, i) => m - local.roundMedians[i]!);
  console.log(`  across - local: median of round differences ${signedFixed(median(acrossDiffs))} ms (rounds: ${acrossDiffs.map((d) => signedFixed(d)).join(', ')})`);

  console.log('\nCSTA requests per sample, from the start until torn down (the requester hung up, the join undone, ports idle), mean');
  for (const [name, f] of figures) {
    const total = new Map<string, number>();
    for (const r of f.requests) for (const [k, n] of r) total.set(k, (total.get(k) ?? 0) + n);
    const parts = [...total].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${(n / f.requests.length).toFixed(1)}`);
    const all = [...total.values()].reduce((x, y) => x + y, 0) / f.requests.length;
    console.log(`  ${pad(name, 15)} ${all.toFixed(1)}: ${parts.join(', ')}`);
  }

  for (const [name, f] of figures) printTimeline(name, f.timelines, f.putTook);
}

/** Each event's median time (ms after the start) over the samples it occurred in, in order. */
function printTimeline(name: string, timelines: Map<string, number>[], putTook: Map<string, number>[]): void {
  const collect = (maps: Map<string, number>[]) => {
    const all = new Map<string, number[]>();
    for (const t of maps) for (const [label, ms] of t) (all.get(label) ?? all.set(label, []).get(label)!).push(ms);
    return all;
  };
  const at = collect(timelines);
  const took = collect(putTook);
  const rows = [...at]
    .filter(([, xs]) => xs.length >= timelines.length / 2)
    .map(([label, xs]) => ({ label, p50: median(xs), n: xs.length }))
    .sort((x, y) => x.p50 - y.p50);
  console.log(`\ntimeline, ${name} (median ms after the start; step: from the row above; first occurrence of each in a sample; puts: put() -> durable)`);
  let before = 0;
  for (const r of rows) {
    const n = r.n === timelines.length ? '' : ` (${r.n} of ${timelines.length})`;
    const put = took.get(r.label);
    const putText = put ? ` (took ${median(put).toFixed(2)})` : '';
    console.log(`  ${padLeft(r.p50.toFixed(2), 7)}  ${padLeft(`+${(r.p50 - before).toFixed(2)}`, 7)}  ${r.label}${putText}${n}`);
    before = r.p50;
  }
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  const rounds = numberArg('rounds', 6, 1, 50);
  const samples = numberArg('samples', 20, 1, 500);

  console.log(`join: ${machineLine()}`);
  console.log(
    `world: offices a and b in one simulator, time scale ${TIME_SCALE} (ringMs ${RING_MS}), every phone auto-answer with autoAnswerRings 0 ` +
      `(no ring period is waited), voice-board ports ${PORTS.join(', ')} per office (connect at once)`,
  );
  console.log('offices: Core on CstaLink/CstaSwitch, file store (openRequestStore, fdatasync) each; a -> b over GrpcPeers / startGrpcServer PeerService, 127.0.0.1');
  const bench = await startBench({ rateLines: false, voiceBoardPorts: PORTS });
  const safety = setTimeout(() => {
    console.error('join: still running after 170 s: giving up');
    process.exit(1);
  }, 170_000);
  safety.unref();
  try {
    instrument(bench);
    console.log(`\n${rounds} rounds x ${samples} samples per flow, one request at a time, flows alternating (+3 warm-up each)`);
    print(await measure(bench, rounds, samples, 3));
  } finally {
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
