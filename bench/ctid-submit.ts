// Durable camp-on submissions per second through ctid's gRPC API with 64 in
// flight (issue 4, Benchmarks), at 1k, 10k and 100k requests stored, against
// a raw grpc-js unary echo server measured in the same run.
//
//   ctid   the real stack in this process: Core with the real file store
//          (journal + lowdb tables) in a temp dir, startGrpcServer on
//          127.0.0.1:0, a CstaSwitch over a CstaLink to the in-process
//          simulator. Each Submit is a camp-on (proto defaults, as `cti
//          camp-on --no-wait` sends it) to one of 1000 busy lines, so every
//          request stays pending in `watching`: acknowledged after its first
//          journal fdatasync, then its runner stores `watching` and watches
//          the line (more puts: the figures print how many). ctid logs
//          `request accepted` at info, as it does by default (pino, sync,
//          here into /dev/null).
//   echo   a grpc-js Server on the same path (/cti.v1.CtiService/Submit)
//          whose handler answers at once with the bytes of a real ctid
//          response: same request and response sizes, no decode, no work.
//
// The client is a grpc-js client of CtiService (src/rpc/grpc-js-service.ts)
// in a worker thread (its own event loop, like a separate client process),
// the same for both. The store
// is pre-filled with `stored` pending camp-ons (openRequestStore().put, then
// a fold) and Core.start() resumes them all before the figure is measured:
// pending rather than finished records, because every per-request structure
// of ctid grows with pending ones (runners, timers, line watchers, pending
// counts, the tables a fold rewrites), while finished ones only sit in the
// maps and the tables. `--prefill finished` measures the other case.
//
// Each figure gets a fresh store and Core; its rounds alternate echo and ctid
// (the order swapping each round) and the medians are compared, because this
// 2-core machine is shared. Each ctid round adds its submissions to the store,
// so the figures print the stored count at their start and end. Beside the
// rates: each thread's CPU time per request (/proc/thread-self/schedstat),
// which other processes on the machine move far less than the rates.
// Targets: ctid >= 0.8 x echo at 10k stored; ctid at 100k >= 0.9 x ctid at 1k.
//
// Usage: node --expose-gc dist/bench/ctid-submit.js [--rounds N, default 3]
//          [--per-round N submissions, default 2000] [--in-flight N, default 64]
//          [--prefill pending|finished] [--stored 1000,10000,100000] [--log info|none]
//          [--only ctid|echo] [--profile DIR] (a CPU profile of the measured rounds)

import { credentials, Metadata, Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { toProtoRequest } from '../src/daemon/grpc/convert.js';
import { startGrpcServer } from '../src/daemon/grpc/server.js';
import type { RequestRecord } from '../src/daemon/core/request.js';
import { openRequestStore } from '../src/daemon/store/request-store.js';
import { CtiServiceDefinition, Request, SubmitRequest } from '../src/gen/cti/v1/cti.js';
import { grpcJsClient, grpcJsService } from '../src/rpc/grpc-js-service.js';
import { fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft } from './common.js';
import {
  ADMIN,
  BENCH_TOKEN,
  CountingStore,
  dest,
  gc,
  linesKnown,
  makeCore,
  median,
  pendingRecord,
  prefill,
  profileWindow,
  source,
  startBenchSwitch,
  tempDir,
  threadCpu,
  type BenchSwitch,
} from './ctid-office.js';

const LINES = 1000;
const SOURCES = 1000;

// ---------------------------------------------------------------- the client (worker thread)

interface RunOrder {
  address: string;
  count: number;
  inFlight: number;
  /** Rotates destinations and sources across rounds. */
  offset: number;
}

interface RunResult {
  ms: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** The client thread's CPU time during the run, ns. */
  clientCpuNs: number;
}

/** What `cti camp-on NUMBER --from EXT --no-wait` sends: every other field its proto3 default. */
function submitRequest(i: number): SubmitRequest {
  return SubmitRequest.fromPartial({ kind: 'camp-on', destination: dest(i % LINES), source: source(i % SOURCES) });
}

function runWorker(): void {
  const CtiServiceClient = grpcJsClient(CtiServiceDefinition);
  const clients = new Map<string, InstanceType<typeof CtiServiceClient>>();
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${BENCH_TOKEN}`);
  parentPort!.on('message', async (order: RunOrder | 'exit') => {
    if (order === 'exit') {
      for (const c of clients.values()) c.close();
      parentPort!.close();
      return;
    }
    let client = clients.get(order.address);
    if (!client) clients.set(order.address, (client = new CtiServiceClient(order.address, credentials.createInsecure())));
    const submit = (req: SubmitRequest) =>
      new Promise<void>((resolve, reject) => client.submit(req, metadata, { deadline: Date.now() + 60_000 }, (err: ServiceError | null) => (err ? reject(err) : resolve())));
    const latencies = new Float64Array(order.count);
    let next = 0;
    let errors = 0;
    let firstError: string | undefined;
    const cpu0 = threadCpu();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: order.inFlight }, async () => {
        while (next < order.count) {
          const i = next++;
          const t = performance.now();
          try {
            await submit(submitRequest(order.offset + i));
          } catch (err) {
            errors++;
            firstError ??= (err as Error).message;
          }
          latencies[i] = performance.now() - t;
        }
      }),
    );
    const ms = performance.now() - start;
    latencies.sort();
    const result: RunResult = {
      ms,
      p50: latencies[Math.floor(order.count * 0.5)]!,
      p99: latencies[Math.min(order.count - 1, Math.floor(order.count * 0.99))]!,
      errors,
      ...(firstError ? { firstError } : {}),
      clientCpuNs: threadCpu().runNs - cpu0.runNs,
    };
    parentPort!.postMessage(result);
  });
}

// ---------------------------------------------------------------- the servers (main thread)

/** A grpc-js server on ctid's Submit path that answers with fixed bytes. */
async function startEcho(response: Buffer): Promise<{ address: string; close(): Promise<void> }> {
  const server = new Server({ 'grpc.max_receive_message_length': 256 * 1024 });
  const identity = (b: Buffer): Buffer => b;
  server.addService(
    { submit: { ...grpcJsService(CtiServiceDefinition).submit!, requestDeserialize: identity, responseSerialize: identity } },
    { submit: (_call: unknown, callback: (err: null, value: Buffer) => void) => callback(null, response) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

function finishedRecord(n: number): RequestRecord {
  const r = pendingRecord(n, LINES, SOURCES);
  r.state = 'succeeded';
  r.attempts = 1;
  r.endedAt = r.createdAt + 5000;
  r.message = `connected ${r.source} with ${r.destination}`;
  r.history.push(
    { state: 'calling', at: r.createdAt + 1000, detail: 'attempt 1' },
    { state: 'calling', at: r.createdAt + 1001, detail: `ringing ${r.dial}` },
    { state: 'calling', at: r.createdAt + 1002, detail: `ringing ${r.source}` },
    { state: 'succeeded', at: r.endedAt, detail: r.message },
  );
  return r;
}

interface Sample {
  rate: number;
  p50: number;
  p99: number;
  /** CPU time per request of the server's thread (this one) and of the client's, us. */
  serverUs: number;
  clientUs: number;
  /** Time per request the server's thread spent runnable but waiting for a CPU (other processes), us. */
  serverWaitUs: number;
}

interface Figure {
  /** The figure's name: the requests pre-filled. */
  nominal: number;
  /** Requests stored when the rounds began (nominal + the warm-up's), and after them. */
  stored: number;
  storedEnd: number;
  ctid: Sample[];
  echo: Sample[];
  folds: number;
  fsyncsPerSubmit: number;
  setupS: number;
  /** Extra synchronous time of a Submit that carries an idempotency key, us. */
  keyUs: number;
  /** Store puts (journal appends) per submission during the rounds. */
  putsPerSubmit: number;
}

async function main(): Promise<void> {
  const rounds = numberArg('rounds', 3, 1, 20);
  const perRound = numberArg('per-round', 2000, 100, 100_000);
  const inFlight = numberArg('in-flight', 64, 1, 1000);
  const arg = (name: string, fallback: string) => {
    const at = process.argv.indexOf(`--${name}`);
    return at === -1 ? fallback : process.argv[at + 1]!;
  };
  const prefillKind = arg('prefill', 'pending');
  if (prefillKind !== 'pending' && prefillKind !== 'finished') throw new RangeError('--prefill must be pending or finished');
  const storedList = arg('stored', '1000,10000,100000').split(',').map(Number);
  const logLevel = arg('log', 'info');
  const only = arg('only', 'both');
  if (!['both', 'ctid', 'echo'].includes(only)) throw new RangeError('--only must be ctid or echo');
  const logger =
    logLevel === 'none'
      ? () => {}
      : (() => {
          const log = pino({ level: logLevel, base: { pid: process.pid } }, pino.destination({ dest: '/dev/null', sync: true }));
          return (event: string, fields?: Record<string, unknown>) => log.info(fields ?? {}, event);
        })();

  console.log(`ctid-submit: ${machineLine()}`);
  console.log(`${inFlight} in flight, ${rounds} rounds x ${fmt(perRound)} submissions per figure and server, prefill ${prefillKind}, log ${logLevel}`);

  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'client' } });
  const run = async (order: RunOrder): Promise<RunResult> => {
    worker.postMessage(order);
    const [result] = (await once(worker, 'message')) as [RunResult];
    if (result.errors > 0) console.log(`  ${result.errors} errors, first: ${result.firstError}`);
    return result;
  };

  const office: BenchSwitch = await startBenchSwitch(LINES, SOURCES);
  let echo: Awaited<ReturnType<typeof startEcho>> | undefined;
  let offset = 0;
  const figures: Figure[] = [];
  try {
    for (const stored of storedList) {
      const setupStart = performance.now();
      const dir = await tempDir('ctid-bench-submit-');
      try {
        await prefill(dir.path, stored, prefillKind === 'pending' ? (i) => pendingRecord(i, LINES, SOURCES) : finishedRecord);
        const inner = await openRequestStore(dir.path);
        const store = new CountingStore(inner);
        const link = await office.connect(); // each figure its own link and session, closed at its end
        const core = makeCore(store, link.sw, logger);
        core.start();
        await linesKnown(link.sw, LINES);
        await store.settled(); // every resumed runner stored itself again, and once more on its line's first report
        await inner.fold(); // and the journal those puts made is folded: the figure starts clean
        const server = await startGrpcServer(core, { listen: '127.0.0.1:0', logger: () => {} });
        server.setServing(true);
        if (!echo) {
          const sample = await core.submit(ADMIN, { kind: 'camp-on', destination: dest(0), source: source(0) });
          echo = await startEcho(Buffer.from(Request.encode(toProtoRequest(sample)).finish()));
          console.log(`message sizes: SubmitRequest ${SubmitRequestBytes()} B, response ${Request.encode(toProtoRequest(sample)).finish().length} B`);
        }
        gc();
        // Warm both paths (JIT, HTTP/2 windows) outside the measured rounds.
        await run({ address: echo.address, count: 300, inFlight, offset });
        await run({ address: server.address, count: 300, inFlight, offset });
        offset += 300;
        const setupS = (performance.now() - setupStart) / 1000;
        const figure: Figure = { nominal: stored, stored, storedEnd: 0, ctid: [], echo: [], folds: 0, fsyncsPerSubmit: 0, setupS, keyUs: 0, putsPerSubmit: 0 };
        const before = inner.stats;
        const putsBefore = store.puts;
        const storedStart = inner.load().length;
        const stopProfile = await profileWindow(`ctid-submit-${stored}`);
        for (let r = 0; r < rounds; r++) {
          const order = r % 2 === 0 ? (['echo', 'ctid'] as const) : (['ctid', 'echo'] as const);
          for (const which of order) {
            if (only !== 'both' && which !== only) continue;
            const cpu0 = threadCpu();
            const res = await run({ address: which === 'echo' ? echo.address : server.address, count: perRound, inFlight, offset });
            offset += perRound;
            const cpu = threadCpu();
            figure[which].push({
              rate: (perRound * 1000) / res.ms,
              p50: res.p50,
              p99: res.p99,
              serverUs: (cpu.runNs - cpu0.runNs) / 1000 / perRound,
              serverWaitUs: (cpu.waitNs - cpu0.waitNs) / 1000 / perRound,
              clientUs: res.clientCpuNs / 1000 / perRound,
            });
          }
        }
        await stopProfile();
        const after = inner.stats;
        const submissions = rounds * perRound * (only === 'echo' ? 0 : 1);
        figure.putsPerSubmit = (store.puts - putsBefore) / submissions;
        // Submit with an idempotency key: Core.submit looks for an earlier request with the same key.
        // The synchronous part of submit() (before its first await), with and without a key, 200 each.
        const syncPart = async (withKey: boolean): Promise<number> => {
          const times: number[] = [];
          for (let i = 0; i < 200; i++) {
            const input = { kind: 'camp-on' as const, destination: dest(i % LINES), source: source(i % SOURCES), ...(withKey ? { idempotencyKey: `k-${offset}-${i}` } : {}) };
            const t = performance.now();
            const done = core.submit(ADMIN, input);
            times.push(performance.now() - t);
            await done;
          }
          offset += 200;
          return median(times);
        };
        figure.keyUs = ((await syncPart(true)) - (await syncPart(false))) * 1000;
        figure.folds = after.folds - before.folds;
        figure.fsyncsPerSubmit = (after.fsyncs - before.fsyncs) / submissions;
        figure.stored = storedStart;
        figure.storedEnd = inner.load().length;
        figures.push(figure);
        printFigure(figure);
        await server.close(1000);
        // Core.stop() takes O(pending^2) (a link-state listener per runner, each removed by a scan:
        // about 40 s at 100k here), so beyond 20k the runners are left to the closed link instead.
        if (stored <= 20_000) {
          const t = performance.now();
          core.stop();
          console.log(`  Core.stop() with ${fmt(inner.load().length)} stored: ${fmt(performance.now() - t)} ms`);
        }
        await link.close();
        await store.drained();
        await store.close();
      } finally {
        await dir.remove();
      }
      gc();
    }
  } finally {
    worker.postMessage('exit');
    await echo?.close();
    await office.close();
  }
  summary(figures);
}

function SubmitRequestBytes(): number {
  // The size of what the client sends (destination and source are 4 digits each).
  return SubmitRequest.encode(submitRequest(0)).finish().length;
}

const rateOf = (samples: Sample[]): number => median(samples.map((x) => x.rate));

/** Server-thread CPU time per request, us (steadier than the rate when other processes take the CPUs). */
const busyUs = (samples: Sample[]): number => median(samples.map((x) => x.serverUs));

/**
 * The rate the two threads would reach with a CPU each (an estimate from CPU
 * per request: the busier thread sets the pace). Other processes on this
 * shared machine move it far less than the wall-clock rate.
 */
const cpuBound = (samples: Sample[]): number => 1e6 / Math.max(busyUs(samples), median(samples.map((x) => x.clientUs)));

function printFigure(f: Figure): void {
  const line = (name: string, samples: Sample[]) =>
    `  ${pad(name, 5)} ${samples.map((x) => fmt(x.rate)).join(' / ')} /s, median ${fmt(rateOf(samples))} /s; ` +
    `latency p50 ${median(samples.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(samples.map((x) => x.p99)).toFixed(1)} ms; ` +
    `CPU per request: server thread ${fmt(busyUs(samples))} us (+${fmt(median(samples.map((x) => x.serverWaitUs)))} us waiting for a CPU), ` +
    `client thread ${fmt(median(samples.map((x) => x.clientUs)))} us`;
  console.log(
    `\n${fmt(f.nominal)} pre-filled: ${fmt(f.stored)} stored when the rounds began, ${fmt(f.storedEnd)} by the end (set up in ${f.setupS.toFixed(1)} s), ${loadLine()}\n` +
      `${line('echo', f.echo)}\n${line('ctid', f.ctid)}\n` +
      `  ctid / echo ${(rateOf(f.ctid) / rateOf(f.echo)).toFixed(2)} (rounds ${f.ctid.map((x, i) => (x.rate / (f.echo[i]?.rate ?? NaN)).toFixed(2)).join(', ')}); ` +
      `${f.putsPerSubmit.toFixed(2)} journal puts and ${f.fsyncsPerSubmit.toFixed(3)} fdatasyncs per submission, ${f.folds} folds during the rounds\n` +
      `  with a CPU per thread (from CPU per request): echo ${fmt(cpuBound(f.echo))} /s, ctid ${fmt(cpuBound(f.ctid))} /s, ratio ${(cpuBound(f.ctid) / cpuBound(f.echo)).toFixed(2)}\n` +
      `  a Submit with an idempotency key costs ${fmt(f.keyUs)} us more (synchronous, in Core.submit)`,
  );
}

function summary(figures: Figure[]): void {
  console.log(`\n${pad('pre-filled', 12)}${padLeft('echo /s', 10)}${padLeft('ctid /s', 10)}${padLeft('ctid/echo', 11)}${padLeft('echo CPU us/req', 17)}${padLeft('ctid CPU us/req', 17)}${padLeft('CPU-bound ratio', 17)}`);
  for (const f of figures) {
    const c = rateOf(f.ctid);
    const e = rateOf(f.echo);
    console.log(
      `${pad(fmt(f.nominal), 12)}${padLeft(fmt(e), 10)}${padLeft(fmt(c), 10)}${padLeft((c / e).toFixed(2), 11)}${padLeft(fmt(busyUs(f.echo)), 17)}${padLeft(fmt(busyUs(f.ctid)), 17)}${padLeft((cpuBound(f.ctid) / cpuBound(f.echo)).toFixed(2), 17)}`,
    );
  }
  const near = (n: number) => figures.find((f) => f.nominal === n);
  const f1 = near(1000);
  const f10 = near(10_000);
  const f100 = near(100_000);
  if (f10) {
    console.log(
      `target: ctid/echo at 10k stored >= 0.8: ${(rateOf(f10.ctid) / rateOf(f10.echo)).toFixed(2)} ` +
        `(with a CPU per thread, from CPU per request: ${(cpuBound(f10.ctid) / cpuBound(f10.echo)).toFixed(2)})`,
    );
  }
  if (f1 && f100) {
    const raw = rateOf(f100.ctid) / rateOf(f1.ctid);
    const norm = rateOf(f100.ctid) / rateOf(f100.echo) / (rateOf(f1.ctid) / rateOf(f1.echo));
    const busy = busyUs(f1.ctid) / busyUs(f100.ctid);
    console.log(
      `target: rate at 100k / rate at 1k >= 0.9: ${raw.toFixed(2)} (each against its own echo rounds: ${norm.toFixed(2)}; ` +
        `server-thread CPU per request at 1k / at 100k: ${busy.toFixed(2)})`,
    );
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'client') runWorker();
else if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

