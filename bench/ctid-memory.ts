// 100k pending camp-ons (issue 4, Benchmarks): heap per request (target
// under 900 bytes), restart restore time against a plain JSON.parse of a file
// of the same records (target under 3x), and the longest event-loop stall
// while folding the journal (target under 50 ms).
//
// The data: 100k pending camp-ons on 1000 busy lines, written with
// openRequestStore().put and folded, as a clean stop leaves the directory
// (the tables hold everything, the journal is empty). Each restore runs in a
// fresh child process on a copy of it, as ctid restarts (daemon.ts): a
// CstaLink to the simulator with the default 10 s request deadline,
// openRequestStore, new Core, start(). In that child:
//   restore  openRequestStore + new Core + start(): every pending request
//            live again with its window armed (the first camp-on of each
//            line runs; the others wait their turn as data and store
//            nothing). Also "ready": until the switch reported every watched
//            line and the last put the resumed requests made is durable (the
//            1000 lines' MonitorStart and SnapshotDevice cost the same at 1k
//            requests as at 100k). Baseline, a fresh child before
//            and after each restore: readFile + JSON.parse of a file holding
//            the same records as one JSON array. The child prints how many
//            of the 1000 watched lines the switch reported afterwards: a
//            MonitorStart sent from inside a start() that blocks the event
//            loop for longer than the link's deadline times out, and that
//            line is never reported.
//   heap     heapUsed after a full GC (node --expose-gc), outside the timed
//            spans: before openRequestStore, after it (the records), and
//            once everything settled (Core: registry, runners, timers, line
//            watchers). Per request = delta / N. The simulator and the link
//            exist before the first reading, so they are not counted.
//   fold     with the runners live, after the fold of the journal the
//            restore wrote: three folds, each after 1000 puts (a fold
//            rewrites the whole table, whatever the journal holds).
//            Stalls: perf_hooks monitorEventLoopDelay (1 ms resolution) and a
//            1 ms setInterval drift probe, the larger of the two; baseline:
//            the same probes over 1 s of the idle loop just before.
// Then, in this process, what single structures cost (100k of each), for the
// report: AbortController, a ScaledClock timer, a suspended async chain, a
// parsed record, and removing one of 100k EventEmitter listeners (what each
// finishing runner pays on the link's 'state' event).
//
// Usage: node --expose-gc dist/bench/ctid-memory.js [--pending N, default 100000]
//          [--rounds N restores, default 1]

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ScaledClock } from '../src/common/clock.js';
import { openRequestStore } from '../src/daemon/store/request-store.js';
import { fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft } from './common.js';
import { CountingStore, dest, gc, linesKnown, makeCore, median, pendingRecord, prefill, sleep, startBenchSwitch, tempDir } from './ctid-office.js';

const LINES = 1000;
const SOURCES = 1000;

const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** The longest event-loop stall while `work` runs: the larger of monitorEventLoopDelay's max and a 1 ms interval's worst gap. */
async function stallDuring<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; maxStallMs: number; p99StallMs: number; maxGcMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worst = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  let maxGcMs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) maxGcMs = Math.max(maxGcMs, e.duration);
  });
  gcs.observe({ entryTypes: ['gc'] });
  h.enable();
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  h.disable();
  clearInterval(probe);
  await sleep(10); // the observer's last entries
  gcs.disconnect();
  return { result, ms, maxStallMs: Math.max(worst, h.max / 1e6), p99StallMs: h.percentile(99) / 1e6, maxGcMs };
}

// ---------------------------------------------------------------- the restart (fresh child process)

interface RestoreResult {
  records: number;
  /** Store puts the resumed requests made (at start, and when their line's first report came). */
  puts: number;
  /** Watched lines whose state the switch reported after the restore (a MonitorStart that timed out leaves its line unreported). */
  linesReported: number;
  openMs: number;
  startMs: number;
  settleMs: number;
  /** openRequestStore + Core.start(): every pending request live again, its window armed (the target's figure). */
  totalMs: number;
  /** totalMs + until the switch reported every line and the puts were durable: ready to place a call. */
  readyMs: number;
  /** Longest event-loop stall from openRequestStore to the last put being durable. */
  maxStallMs: number;
  /** heapUsed after a full GC: before openRequestStore, after it, once everything settled. */
  heap0: number;
  heap1: number;
  heap2: number;
  rss: number;
  tableBytes: number;
  /** Three folds, each after 1000 puts: median time, longest stall, worst p99 of the event-loop delay. */
  foldMs: number;
  foldStallMs: number;
  foldP99StallMs: number;
  /** The longest GC pause during the folds. */
  foldGcMs: number;
  idleStallMs: number;
  idleP99StallMs: number;
}

/**
 * One restart, as ctid does it (daemon.ts): a CstaLink with the default 10 s
 * request deadline, openRequestStore, new Core, start(). Timed up to the last
 * put the resumed requests make; full GCs for the heap readings happen
 * outside the timed spans. Then, with the runners live, the two folds.
 */
async function childRestore(dir: string): Promise<RestoreResult> {
  const office = await startBenchSwitch(LINES, SOURCES, { requestTimeoutMs: 10_000 });
  const heap0 = heap();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const inner = await openRequestStore(dir);
  const t1 = performance.now();
  h.disable();
  const heap1 = heap();
  h.enable();
  const t1b = performance.now();
  const store = new CountingStore(inner);
  const core = makeCore(store, office.sw);
  core.start();
  const t2 = performance.now();
  // Every line's first report (unless its MonitorStart timed out: then it never comes), then the puts it causes.
  await linesKnown(office.sw, LINES, 12_000).catch(() => undefined);
  const linesAt = performance.now();
  await store.settled();
  const t3 = Math.max(linesAt, store.lastDurable);
  h.disable();
  const maxStallMs = h.max / 1e6;
  const watches = Array.from({ length: LINES }, (_, i) => office.sw.watchLine(dest(i), () => {}));
  await sleep(100);
  const linesReported = watches.filter((w) => w.state !== undefined).length;
  for (const w of watches) w.stop();
  const heap2 = heap();
  const rss = process.memoryUsage().rss;

  await inner.fold(); // the journal the restore wrote (a fold may be running already: this joins it)
  const idle = await stallDuring(() => sleep(1000));
  const folds: { ms: number; maxStallMs: number; p99StallMs: number; maxGcMs: number }[] = [];
  for (let i = 0; i < 3; i++) {
    for (const r of inner.load().slice(i * 1000, (i + 1) * 1000)) void store.put(r);
    await store.drained();
    folds.push(await stallDuring(() => inner.fold()));
  }
  void core; // Core.stop() would take O(n^2) (see the parts): the process exits instead
  return {
    records: inner.load().length,
    puts: store.puts - 3000,
    linesReported,
    openMs: t1 - t0,
    startMs: t2 - t1b,
    settleMs: t3 - t2,
    totalMs: t1 - t0 + (t2 - t1b),
    readyMs: t1 - t0 + (t3 - t1b),
    maxStallMs,
    heap0,
    heap1,
    heap2,
    rss,
    tableBytes: statSync(join(dir, 'requests.json')).size,
    foldMs: median(folds.map((f) => f.ms)),
    foldStallMs: Math.max(...folds.map((f) => f.maxStallMs)),
    foldP99StallMs: Math.max(...folds.map((f) => f.p99StallMs)),
    foldGcMs: Math.max(...folds.map((f) => f.maxGcMs)),
    idleStallMs: idle.maxStallMs,
    idleP99StallMs: idle.p99StallMs,
  };
}

async function childParse(file: string): Promise<{ totalMs: number; maxStallMs: number; records: number }> {
  gc();
  const { result, ms, maxStallMs } = await stallDuring(async () => (JSON.parse(await readFile(file, 'utf8')) as unknown[]).length);
  return { totalMs: ms, maxStallMs, records: result };
}

function runChild(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`child ${args.join(' ')} exited with ${code}: ${out.slice(0, 500)}`));
      else resolve(JSON.parse(line.slice(7)) as Record<string, number>);
    });
  });
}

// ---------------------------------------------------------------- parts

/** Heap bytes per object that `make` returns (the array holding them is allocated before the first reading). */
function bytesEach<T>(n: number, make: (i: number) => T, dispose: (items: T[]) => void = () => {}): number {
  const keep = new Array<T>(n).fill(undefined as T);
  const before = heap();
  for (let i = 0; i < n; i++) keep[i] = make(i);
  const after = heap();
  dispose(keep);
  keep.length = 0;
  return (after - before) / n;
}

async function parts(n: number): Promise<void> {
  console.log(`\nwhat single structures cost here (${fmt(n)} of each, heapUsed after a full GC):`);
  const clock = new ScaledClock();
  const row = (what: string, bytes: number) => console.log(`  ${pad(what, 64)}${padLeft(fmt(bytes), 6)} B`);
  row('AbortController (+ its AbortSignal), as each RequestRunner has', bytesEach(n, () => new AbortController()));
  row(
    'ScaledClock.setTimer(8 h) (closures + Node Timeout), the deadline timer',
    bytesEach(
      n,
      (i) => clock.setTimer(8 * 3600_000 + i, () => {}),
      (timers) => timers.forEach((t) => t.cancel()),
    ),
  );
  const never = new Promise<void>(() => {});
  const inner = async () => {
    await never;
  };
  const middle = async () => {
    await inner();
  };
  const outer = async () => {
    await middle();
  };
  row('three nested async functions suspended on a promise (run/waitForChance/waitFor)', bytesEach(n, () => outer()));
  row('a record as JSON.parse builds it (a pending camp-on, 2 history entries)', bytesEach(n, (i) => JSON.parse(JSON.stringify(pendingRecord(i, LINES, SOURCES)))));

  // The link's 'state' event: one listener per runner (Switch.onLinkState), removed one by one.
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const listeners = Array.from({ length: n }, () => () => {});
  for (const l of listeners) emitter.on('state', l);
  const removals = 2000;
  const t = performance.now();
  for (let i = 0; i < removals; i++) emitter.off('state', listeners[i]!);
  const perRemoval = (performance.now() - t) / removals;
  console.log(
    `  removing one of ${fmt(n)} listeners of an EventEmitter event, oldest first: ${fmt(perRemoval * 1000, 1)} us ` +
      `(each request that ends pays it; Core.stop() pays it for all: about ${fmt((perRemoval * n) / 2 / 1000, 1)} s at ${fmt(n)})`,
  );
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const n = numberArg('pending', 100_000, 1000, 1_000_000);
  const rounds = numberArg('rounds', 1, 1, 10);
  if (!(globalThis as { gc?: unknown }).gc) {
    console.log('ctid-memory needs node --expose-gc (heap figures after a full GC)');
    process.exitCode = 2;
    return;
  }
  console.log(`ctid-memory: ${machineLine()}`);
  const dir = await tempDir('ctid-bench-memory-');
  try {
    // The data: N pending camp-ons on 1000 busy lines, folded into the tables; the same records as a plain JSON array.
    const pristine = join(dir.path, 'pristine');
    const t = performance.now();
    await prefill(pristine, n, (i) => pendingRecord(i, LINES, SOURCES));
    const table = JSON.parse(await readFile(join(pristine, 'requests.json'), 'utf8')) as { requests: unknown[] };
    const plain = join(dir.path, 'records.json');
    await writeFile(plain, JSON.stringify(table.requests));
    table.requests = [];
    console.log(`${fmt(n)} pending camp-ons on ${LINES} busy lines written in ${fmt((performance.now() - t) / 1000, 1)} s`);

    // Fresh processes, alternating: parse, restore, parse, restore, ..., parse.
    const restores: RestoreResult[] = [];
    const parses: number[] = [];
    const parse = async () => {
      const p = await runChild(['parse', plain]);
      parses.push(p.totalMs!);
      console.log(`  JSON.parse ${padLeft(fmt(p.totalMs!), 7)} ms: readFile + JSON.parse of ${fmt(p.records!)} records, longest stall ${fmt(p.maxStallMs!)} ms, ${loadLine()}`);
    };
    console.log(`\nrestart restore time (a fresh process each, ${rounds} restore${rounds > 1 ? 's' : ''}):`);
    for (let r = 0; r < rounds; r++) {
      await parse();
      const round = join(dir.path, `round-${r}`);
      await cp(pristine, round, { recursive: true });
      const x = (await runChild(['restore', round])) as unknown as RestoreResult;
      restores.push(x);
      console.log(
        `  restore    ${padLeft(fmt(x.totalMs), 7)} ms = openRequestStore ${fmt(x.openMs)} + Core.start() ${fmt(x.startMs)}; ` +
          `ready ${fmt(x.readyMs)} ms: + until the switch reported the lines and the ${fmt(x.puts)} puts it caused are durable ${fmt(x.settleMs)}; longest stall ${fmt(x.maxStallMs)} ms; ` +
          `lines the switch reported afterwards: ${x.linesReported}/${LINES}, ${loadLine()}`,
      );
      await rm(round, { recursive: true, force: true });
    }
    await parse();
    const restore = median(restores.map((x) => x.totalMs));
    const parsed = median(parses);
    console.log(
      `  restore / JSON.parse: ${(restore / parsed).toFixed(1)} (target < 3); openRequestStore alone ${(median(restores.map((x) => x.openMs)) / parsed).toFixed(1)}; ` +
        `ready / JSON.parse ${(median(restores.map((x) => x.readyMs)) / parsed).toFixed(1)} (1000 lines' MonitorStart + SnapshotDevice, in this process with the simulator)`,
    );
    if (restores.some((x) => x.linesReported < LINES)) {
      console.log(
        '  (a restore whose Core.start() blocked longer than the link\'s 10 s request deadline left lines unreported: their MonitorStart timed out, ' +
          'so those camp-ons cannot fire until the link reconnects; it also skips the puts a line report causes, so it reads faster)',
      );
    }

    const x = restores[0]!;
    console.log(`\nheap per pending request (the first restore): ${fmt((x.heap2 - x.heap0) / n)} B (target < 900)`);
    console.log(`  the records in the store (openRequestStore): ${fmt((x.heap1 - x.heap0) / n)} B`);
    console.log(`  Core: registry, runners, timers, line watchers, history notes: ${fmt((x.heap2 - x.heap1) / n)} B`);
    console.log(`  heapUsed ${fmt(x.heap0 / 1e6)} MB -> ${fmt(x.heap1 / 1e6)} MB -> ${fmt(x.heap2 / 1e6)} MB; rss ${fmt(x.rss / 1e6)} MB`);

    console.log(`\nlongest event-loop stall while folding (target < 50 ms), the ${fmt(n)} runners live:`);
    console.log(
      `  3 folds of the ${fmt(x.tableBytes / 1e6, 1)} MB table, each after 1000 puts: ${fmt(x.foldMs)} ms each (median), ` +
        `longest stall ${fmt(x.foldStallMs, 1)} ms, event-loop delay p99 ${fmt(x.foldP99StallMs, 1)} ms, longest GC pause ${fmt(x.foldGcMs, 1)} ms`,
    );
    console.log(`  baseline, the same probes over 1 s of the idle loop just before: longest stall ${fmt(x.idleStallMs, 1)} ms, p99 ${fmt(x.idleP99StallMs, 1)} ms`);

    await parts(n);
  } finally {
    await dir.remove();
  }
}

async function child(): Promise<void> {
  const at = process.argv.indexOf('--child');
  const [kind, path] = [process.argv[at + 1], process.argv[at + 2]!];
  const result = kind === 'restore' ? await childRestore(path) : await childParse(path);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0); // the restored runners and the simulator are not wound down: the figure is taken
}

if (isMain(import.meta.url)) {
  (process.argv.includes('--child') ? child() : main()).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
