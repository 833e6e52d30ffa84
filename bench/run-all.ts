// Runs the benchmarks listed in BENCHES, each in its own node process (a
// clean heap and JIT for each), one after the other, printing their figures.
// Exits non-zero only when a benchmark could not run; figures are never judged.
//
// Usage (after `npm run build`): node dist/bench/run-all.js [NAME...]
//   (names like csta-link or ctid-memory run only those)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Bench {
  name: string;
  /** node options (the heap figures need a full GC on demand). */
  node?: string[];
  timeoutMs?: number;
}

const BENCHES: Bench[] = [
  { name: 'codec.js' },
  { name: 'csta-link.js' },
  // issue 4: ctid and cti
  { name: 'ctid-submit.js', node: ['--expose-gc'], timeoutMs: 240_000 },
  { name: 'ctid-idle-latency.js', node: ['--expose-gc'], timeoutMs: 240_000 },
  { name: 'ctid-memory.js', node: ['--expose-gc'], timeoutMs: 300_000 },
  { name: 'ctid-cli.js' },
  { name: 'federation.js', timeoutMs: 180_000 },
  // issue 6: join
  { name: 'join.js', timeoutMs: 180_000 },
  // issue 7: transfer routing
  { name: 'transfer-route.js', timeoutMs: 180_000 },
  // issue 8: requests by mail
  { name: 'mail-intake.js', timeoutMs: 240_000 },
  // issue 9: the dashboard
  { name: 'dashboard.js', timeoutMs: 180_000 },
  // issue 10: the AMI adapter
  { name: 'ami.js', timeoutMs: 180_000 },
];

const wanted = process.argv.slice(2).map((a) => a.replace(/\.js$/, ''));
let failed = 0;
for (const { name, node = [], timeoutMs = 120_000 } of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(name.replace(/\.js$/, ''))) continue;
  const script = fileURLToPath(new URL(name, import.meta.url));
  if (!existsSync(script)) {
    console.error(`run-all: ${script} is missing: build first (npm run build)`);
    failed++;
    continue;
  }
  console.log(`\n=== ${name}`);
  const run = spawnSync(process.execPath, [...node, script], { stdio: 'inherit', timeout: timeoutMs });
  if (run.status !== 0) {
    console.error(`run-all: ${name} ${run.error ? `failed: ${run.error.message}` : `exited with ${run.status ?? run.signal}`}`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
