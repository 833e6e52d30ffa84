// Runs the benchmarks listed in BENCHES, each in its own node process (a
// clean heap and JIT for each), one after the other, printing their figures.
// Exits non-zero only when a benchmark could not run; figures are never judged.
//
// Usage (after `npm run build`): node dist/bench/run-all.js

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = ['codec.js', 'csta-link.js'];

let failed = 0;
for (const name of BENCHES) {
  const script = fileURLToPath(new URL(name, import.meta.url));
  if (!existsSync(script)) {
    console.error(`run-all: ${script} is missing: build first (npm run build)`);
    failed++;
    continue;
  }
  console.log(`\n=== ${name}`);
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit', timeout: 120_000 });
  if (run.status !== 0) {
    console.error(`run-all: ${name} ${run.error ? `failed: ${run.error.message}` : `exited with ${run.status ?? run.signal}`}`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
