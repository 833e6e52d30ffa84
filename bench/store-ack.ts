// Durable acknowledgements per second from the request store with 64 puts in
// flight, at 1k, 10k and 100k stored requests (issue 4: the rate with 100k
// stored at least 0.9 of the rate with 1k). Baseline, measured in the same
// run: the disk's own group-commit rate, 64 records written per fdatasync
// into a preallocated file. Also prints the fsyncs per put, the folds during
// the run, and the longest event-loop stall (the target for folding is < 50 ms).
//
// Usage: node dist/bench/store-ack.js [SECONDS per figure, default 3]

import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RequestRecord } from '../src/daemon/core/request.js';
import { openRequestStore } from '../src/daemon/store/request-store.js';

const IN_FLIGHT = 64;
const seconds = Number(process.argv[2] ?? 3);

function record(n: number): RequestRecord {
  const at = Date.now();
  return {
    id: `req-${n.toString(36).padStart(8, '0')}-${'x'.repeat(14)}`,
    kind: 'camp-on',
    requester: 'alice',
    destination: '2001',
    dial: '2001',
    source: '2000',
    network: 'station',
    campOn: false,
    strategy: 'watch',
    retryEveryMs: 30_000,
    recallFirst: false,
    state: 'watching',
    createdAt: at,
    deadline: at + 3_600_000,
    attempts: 0,
    history: [{ state: 'accepted', at }, { state: 'watching', at }],
    idempotencyKey: `key-${n}`,
  };
}

/** Runs `one` with IN_FLIGHT calls outstanding for `seconds`; returns completions per second. */
async function rate(one: (n: number) => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) await one(done++);
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function baseline(dir: string): Promise<number> {
  const fh = await open(join(dir, 'baseline'), 'w+');
  await fh.write(Buffer.alloc(256 << 20));
  await fh.sync();
  const batch = Buffer.from(JSON.stringify(record(0)).repeat(IN_FLIGHT));
  let position = 0;
  const perSecond = await (async () => {
    const end = performance.now() + seconds * 1000;
    let batches = 0;
    const started = performance.now();
    while (performance.now() < end && position + batch.length < 256 << 20) {
      await fh.write(batch, 0, batch.length, position);
      position += batch.length;
      await fh.datasync();
      batches++;
    }
    return (batches * IN_FLIGHT) / ((performance.now() - started) / 1000);
  })();
  await fh.close();
  return perSecond;
}

const root = await mkdtemp(join(tmpdir(), 'ctid-bench-'));
try {
  const disk = await baseline(root);
  console.log(`baseline: raw write + fdatasync of ${IN_FLIGHT} records: ${Math.round(disk)} records/s`);
  const rates: number[] = [];
  for (const stored of [1_000, 10_000, 100_000]) {
    const store = await openRequestStore(join(root, `stored-${stored}`));
    for (let n = 0; n < stored; n += 1000) await Promise.all(Array.from({ length: 1000 }, (_, i) => store.put(record(n + i))));
    await store.fold();
    const before = store.stats;
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    // Updates of stored requests, as state changes are; every 4th a new request.
    const perSecond = await rate((n) => store.put(record(n % 4 === 0 ? stored + n : n % stored)));
    stalls.disable();
    const after = store.stats;
    rates.push(perSecond);
    const puts = perSecond * seconds;
    console.log(
      `${String(stored).padStart(6)} stored: ${Math.round(perSecond)} durable puts/s (${(perSecond / disk).toFixed(2)} of baseline), ` +
        `${((after.fsyncs - before.fsyncs) / puts).toFixed(3)} fsyncs/put, ${after.folds - before.folds} folds, ` +
        `longest event-loop stall ${(stalls.max / 1e6).toFixed(1)} ms`,
    );
    await store.close();
  }
  console.log(`ratio 100k/1k: ${(rates[2]! / rates[0]!).toFixed(2)} (target >= 0.9)`);
} finally {
  await rm(root, { recursive: true, force: true });
}
