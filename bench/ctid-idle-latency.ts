// Line-idle event to MakeCall sent, with 10k and with 100k pending camp-ons
// (issue 4, Benchmarks; target p99 under 2 ms). Everything in this process:
// the simulator, a CstaLink + CstaSwitch, and a Core with the real file store
// whose pending camp-ons (pre-filled, then resumed by Core.start()) watch 900
// busy lines: about 11 per line at 10k, 111 at 100k.
//
// One sample: hang up one watched line with sim.control.hangup (the
// destination was talking with its partner), then wait until everything is
// quiet again. Measurement points, all performance.now() in this process:
//   t0     just before sim.control.hangup()
//   event  the first ConnectionClearedEvent frame the CstaLink emits after
//          t0 (a listener prepended to the link's 'frame' event, so it runs
//          before the adapter dispatches it): the switch's line-idle event
//          as ctid receives it, decoded
//   write  the first write of a request of that line in state `calling`
//          (RequestStore.write wrapped), and when it returned: in between
//          the event and here ctid tracks the line state and the head of
//          the line's camp-ons, waiting on it, stores itself `calling`
//          before its MakeCall, all within the event: a journal frame
//          written, not awaited to its fdatasync (camp-on.ts says why). The
//          script also counts the journal's fdatasyncs from the event to
//          that point.
//   sent   the first CstaLink.request() of a MakeCall from that line (the
//          method wrapped): ctid sends the call.
//   sim    the simulator's Exchange.makeCall for that line (wrapped): the
//          MakeCall arrived and was decoded by the switch.
// Figures: event->sent (ctid's own reaction, the target) and its parts,
// t0->sent, t0->sim.
//
// Baselines, measured in the same run and interleaved with the samples:
//   bare   100 other busy lines, not camped on, watched by this script
//          through the same CstaSwitch.watchLine; on idle it sends the
//          MakeCall at once (no Core, no store): what the simulator, TCP,
//          the codec and the line watch cost on their own.
//   fsync  a write + fdatasync of the size of the `calling` frame into a
//          preallocated file in the same directory: what the reaction would
//          cost more if it awaited the fsync.
//
// The camp-ons of a freed line take turns (src/daemon/core/line-turns.ts):
// the oldest stores itself `calling` and sends its MakeCall, the others wait
// (before that, every one of them did, and all but one were refused busy).
// The script prints how many MakeCalls one freed line caused (those sent
// before the first is answered): one, now. The camp-ons ring
// phones the bare baseline never calls, so a baseline call never makes a
// camp-on's requester busy.
//
// Usage: node --expose-gc dist/bench/ctid-idle-latency.js [--samples N per figure, default 150]
//          [--pending 10000,100000] [--profile DIR]

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { CstaFrame, CstaRequest } from '../src/csta/messages.js';
import type { Exchange } from '../src/switch-sim/exchange.js';
import { fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile } from './common.js';
import {
  CountingStore,
  dest,
  gc,
  linesKnown,
  makeCore,
  pendingRecord,
  prefill,
  profileWindow,
  sleep,
  source,
  startBenchSwitch,
  tempDir,
  type BenchSwitch,
} from './ctid-office.js';
import { openRequestStore } from '../src/daemon/store/request-store.js';

const LINES = 1000;
/** Lines 0..CORE_LINES-1 carry the camp-ons; the rest are the bare baseline's. */
const CORE_LINES = 900;
const SOURCES = 1000;
/** Camp-ons ring sources 0..CAMP_ON_SOURCES-1; the bare baseline calls the others, so it never takes a camp-on's phone. */
const CAMP_ON_SOURCES = 800;
const QUIET_MS = 15;
const SAMPLE_TIMEOUT_MS = 5000;

interface Sample {
  event: number;
  /** The first `calling` write after the event (a runner storing itself before its MakeCall), and when it returned. */
  write: number;
  written: number;
  sent: number;
  sim: number;
  makeCalls: number;
  /** Journal fdatasyncs completed between the event and the first `calling` write. */
  fsyncs: number;
}

interface Figure {
  pending: number;
  perLine: number;
  core: Sample[];
  bare: Sample[];
  fsync: number[];
  frameBytes: number;
  setupS: number;
}

async function main(): Promise<void> {
  const samples = numberArg('samples', 150, 10, 900);
  const at = process.argv.indexOf('--pending');
  const pendingList = (at === -1 ? '10000,100000' : process.argv[at + 1]!).split(',').map(Number);
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for a clean heap before each figure)');
  console.log(`ctid-idle-latency: ${machineLine()}`);
  console.log(`${samples} samples per figure and kind; camp-ons on ${CORE_LINES} lines, bare baseline on ${LINES - CORE_LINES}`);

  const office = await startBenchSwitch(LINES, SOURCES);
  const exchange = office.sim.world.exchange('a')!;
  const figures: Figure[] = [];
  try {
    for (const pending of pendingList) figures.push(await figure(office, exchange, pending, samples));
  } finally {
    await office.close();
  }
  summary(figures);
}

async function figure(office: BenchSwitch, exchange: Exchange, pending: number, samples: number): Promise<Figure> {
  const setupStart = performance.now();
  const dir = await tempDir('ctid-bench-idle-');
  const link = await office.connect();
  // ------------------------------------------------------------ instruments
  let t0 = 0;
  let watched: string | undefined;
  let eventAt = 0;
  let sentAt = 0;
  let simAt = 0;
  let writeAt = 0;
  let writtenAt = 0;
  let makeCalls = 0;
  /** Set when the first MakeCall from the freed line is answered: what follows is not the idle event's doing. */
  let herdOver = false;
  let lastActivity = performance.now();
  let linkInFlight = 0;
  /** Journal fdatasyncs done when the event came, and on the way to the first `calling` write. */
  let fsyncs = (): number => 0;
  let fsyncsAtEvent = 0;
  let fsyncsOnPath = 0;
  link.link.prependListener('frame', (frame: CstaFrame) => {
    lastActivity = performance.now();
    if (watched && eventAt === 0 && frame.message.type === 'ConnectionClearedEvent') {
      eventAt = lastActivity;
      fsyncsAtEvent = fsyncs();
    }
  });
  const request = link.link.request.bind(link.link);
  link.link.request = ((msg: CstaRequest, opts?: { timeoutMs?: number }) => {
    const now = performance.now();
    lastActivity = now;
    const herd = msg.type === 'MakeCall' && msg.callingDevice === watched;
    if (herd && !herdOver) {
      makeCalls++;
      if (sentAt === 0) sentAt = now;
    }
    linkInFlight++;
    return request(msg, opts).finally(() => {
      linkInFlight--;
      lastActivity = performance.now();
      if (herd) herdOver = true; // later MakeCalls answer a later line change
    });
  }) as typeof link.link.request;
  const originalMakeCall = exchange.makeCall;
  const makeCall = originalMakeCall.bind(exchange);
  exchange.makeCall = (calling, number, prompt) => {
    if (calling === watched && simAt === 0) simAt = performance.now();
    return makeCall(calling, number, prompt);
  };

  // ------------------------------------------------------------ the office
  await prefill(dir.path, pending, (i) => pendingRecord(i, CORE_LINES, CAMP_ON_SOURCES));
  const inner = await openRequestStore(dir.path);
  fsyncs = () => inner.stats.fsyncs;
  const store = new CountingStore(inner);
  const write = store.write.bind(store);
  store.write = (record) => {
    if (!watched || eventAt === 0 || writeAt !== 0 || record.state !== 'calling' || record.dial !== watched) return write(record);
    writeAt = performance.now();
    write(record);
    writtenAt = performance.now();
    fsyncsOnPath = fsyncs() - fsyncsAtEvent;
  };
  const core = makeCore(store, link.sw);
  core.start();
  await linesKnown(link.sw, CORE_LINES);
  await store.settled();
  await inner.fold();
  const perLine = pending / CORE_LINES;
  // The bare baseline: MakeCall the moment a line reports idle.
  let bareArmed: string | undefined;
  const bareWatches = [];
  for (let i = CORE_LINES; i < LINES; i++) {
    const d = dest(i);
    bareWatches.push(
      link.sw.watchLine(d, (state) => {
        if (state !== 'idle' || bareArmed !== d) return;
        bareArmed = undefined;
        link.link.request({ type: 'MakeCall', callingDevice: d, calledDirectoryNumber: source(CAMP_ON_SOURCES + (i % (SOURCES - CAMP_ON_SOURCES))), autoOriginate: 'prompt' }).catch(() => undefined);
      }),
    );
  }
  const frameBytes = Buffer.byteLength(JSON.stringify({ put: { ...pendingRecord(0, CORE_LINES, CAMP_ON_SOURCES), state: 'calling', attempts: 1 } }) + ',');
  const probe = await open(join(dir.path, 'fsync-probe'), 'w+');
  await probe.write(Buffer.alloc(32 << 20));
  await probe.sync();
  const frame = Buffer.alloc(frameBytes, 'x');
  let probeAt = 0;
  const fsyncOnce = async (): Promise<number> => {
    if (probeAt + frame.length > 32 << 20) probeAt = 0;
    const t = performance.now();
    await probe.write(frame, 0, frame.length, probeAt);
    await probe.datasync();
    probeAt += frame.length;
    return performance.now() - t;
  };
  const quiet = async () => {
    const end = performance.now() + SAMPLE_TIMEOUT_MS;
    while (performance.now() < end) {
      await sleep(5);
      if (store.inFlight === 0 && linkInFlight === 0 && performance.now() - lastActivity > QUIET_MS) return;
    }
  };
  // Lines whose phones are all settled (a busy destination) after the start-up.
  await quiet();
  gc();
  const setupS = (performance.now() - setupStart) / 1000;
  console.log(`\n${fmt(pending)} pending camp-ons (${perLine.toFixed(0)} per line), set up in ${setupS.toFixed(1)} s, heap ${fmt(process.memoryUsage().heapUsed / 1e6)} MB, ${loadLine()}`);

  const free = async (line: number, bare: boolean): Promise<Sample | undefined> => {
    const d = dest(line);
    const device = exchange.devices.get(d)!;
    if (device.connections.size === 0) return undefined; // not in a call (a failed attempt left it idle): skip it
    watched = d;
    eventAt = sentAt = simAt = writeAt = writtenAt = fsyncsOnPath = 0;
    makeCalls = 0;
    herdOver = false;
    if (bare) bareArmed = d;
    t0 = performance.now();
    office.sim.control.hangup('a', d);
    const end = t0 + SAMPLE_TIMEOUT_MS;
    while ((sentAt === 0 || simAt === 0) && performance.now() < end) await sleep(1);
    await quiet();
    watched = undefined;
    bareArmed = undefined;
    if (sentAt === 0 || simAt === 0 || eventAt === 0) return undefined;
    return { event: eventAt - t0, write: writeAt - t0, written: writtenAt - t0, sent: sentAt - t0, sim: simAt - t0, makeCalls, fsyncs: fsyncsOnPath };
  };

  const result: Figure = { pending, perLine, core: [], bare: [], fsync: [], frameBytes, setupS };
  const stopProfile = await profileWindow(`ctid-idle-latency-${pending}`);
  let coreLine = 0;
  let bareLine = CORE_LINES;
  let missed = 0;
  for (let s = 0; s < samples; s++) {
    // Alternate which kind goes first, so a slow spell of the machine hits both.
    for (const kind of s % 2 === 0 ? (['core', 'bare'] as const) : (['bare', 'core'] as const)) {
      let sample: Sample | undefined;
      for (let tries = 0; tries < 5 && !sample; tries++) {
        if (kind === 'core') sample = await free(coreLine++ % CORE_LINES, false);
        else sample = await free(CORE_LINES + (bareLine++ % (LINES - CORE_LINES)), true);
      }
      if (sample) result[kind].push(sample);
      else missed++;
    }
    result.fsync.push(await fsyncOnce());
  }
  await stopProfile();
  if (missed > 0) console.log(`  (${missed} samples missed: the line was not in a call or no MakeCall came within ${SAMPLE_TIMEOUT_MS} ms)`);
  printFigure(result);

  for (const w of bareWatches) w.stop();
  exchange.makeCall = originalMakeCall;
  await probe.close();
  if (pending <= 20_000) core.stop(); // O(pending^2) beyond (ctid-submit.ts says why): left to the closed link
  await link.close();
  await store.drained();
  await store.close();
  await dir.remove();
  gc();
  return result;
}

function stats(values: number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

const ms = (x: number) => x.toFixed(2);

function printFigure(f: Figure): void {
  const row = (name: string, values: number[]) => {
    const { p50, p99, max } = stats(values);
    return `  ${pad(name, 34)}${padLeft(ms(p50), 8)}${padLeft(ms(p99), 8)}${padLeft(ms(max), 8)}`;
  };
  console.log(`  ${pad('ms', 34)}${padLeft('p50', 8)}${padLeft('p99', 8)}${padLeft('max', 8)}`);
  console.log(row('ctid: hang-up -> MakeCall sent', f.core.map((x) => x.sent)));
  console.log(row('ctid: idle event -> MakeCall sent', f.core.map((x) => x.sent - x.event)));
  console.log(row('ctid: hang-up -> idle event', f.core.map((x) => x.event)));
  console.log(row('ctid:   idle event -> `calling` write', f.core.map((x) => x.write - x.event)));
  console.log(row('ctid:   the write (journal frame)', f.core.map((x) => x.written - x.write)));
  console.log(row('ctid:   written -> MakeCall sent', f.core.map((x) => x.sent - x.written)));
  console.log(row('ctid: hang-up -> switch has MakeCall', f.core.map((x) => x.sim)));
  console.log(row('bare: hang-up -> MakeCall sent', f.bare.map((x) => x.sent)));
  console.log(row('bare: idle event -> MakeCall sent', f.bare.map((x) => x.sent - x.event)));
  console.log(row(`fsync: write ${fmt(f.frameBytes / 1024, 1)} KiB + fdatasync`, f.fsync));
  const fs = f.core.map((x) => x.fsyncs).sort((a, b) => a - b);
  console.log(`  journal fdatasyncs between the idle event and the \`calling\` write: median ${percentile(fs, 50)}, max ${fs[fs.length - 1]}`);
  const mc = f.core.map((x) => x.makeCalls).sort((a, b) => a - b);
  console.log(
    `  MakeCalls sent for one freed line before the first is answered: median ${percentile(mc, 50)}, max ${mc[mc.length - 1]} ` +
      `(the camp-ons of a line take turns: one; more would be refused busy)`,
  );
  const c = stats(f.core.map((x) => x.sent));
  const b = stats(f.bare.map((x) => x.sent));
  console.log(`  hang-up -> MakeCall sent, ctid / bare: p50 ${(c.p50 / b.p50).toFixed(1)}, p99 ${(c.p99 / b.p99).toFixed(1)}`);
}

function summary(figures: Figure[]): void {
  console.log('\nidle event -> MakeCall sent (target p99 < 2 ms), and the same from the hang-up, ms');
  console.log(`${pad('pending', 10)}${padLeft('p50', 8)}${padLeft('p99', 8)}${padLeft('bare p99', 10)}  target   ${padLeft('hang-up p50', 12)}${padLeft('p99', 8)}${padLeft('bare p99', 10)}`);
  for (const f of figures) {
    const reaction = (samples: Sample[]) => stats(samples.map((x) => x.sent - x.event));
    const c = reaction(f.core);
    const h = stats(f.core.map((x) => x.sent));
    console.log(
      `${pad(fmt(f.pending), 10)}${padLeft(ms(c.p50), 8)}${padLeft(ms(c.p99), 8)}${padLeft(ms(reaction(f.bare).p99), 10)}  ${pad(c.p99 < 2 ? 'met' : 'missed', 7)}  ` +
        `${padLeft(ms(h.p50), 12)}${padLeft(ms(h.p99), 8)}${padLeft(ms(stats(f.bare.map((x) => x.sent)).p99), 10)}`,
    );
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
