#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) as its own child
// process under a deadline: uvu has no timeouts and runs in one process, so a
// missed event must fail one file instead of hanging the suite. Prints each
// failing file's output, then one summary line: `N passed, N failed[, N skipped]`.
//
// Usage: node scripts/run-tests.js [SUBSTRING ...]   (only files whose path contains one)
// Env: TEST_DEADLINE_MS (per file, default 180000), TEST_JOBS (default 2).

import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'dist', 'test');
const deadlineMs = Number(process.env.TEST_DEADLINE_MS ?? 180_000);
const jobs = Math.max(1, Number(process.env.TEST_JOBS ?? 2));
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a deadline kills what it spawned too
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the test spawned and left behind goes with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      resolve({ file, code, signal, output, timedOut, ms: Date.now() - started });
    });
  });
}

/** uvu's closing block: "Total: N / Passed: N / Skipped: N". */
function tally(result) {
  const num = (label) => {
    const m = result.output.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : undefined;
  };
  const total = num('Total');
  const passed = num('Passed') ?? 0;
  const skipped = num('Skipped') ?? 0;
  if (total === undefined) return { passed: 0, failed: 1, skipped: 0, broken: true };
  let failed = total - passed - skipped;
  if (failed === 0 && (result.code !== 0 || result.timedOut)) failed = 1;
  return { passed, failed, skipped, broken: failed > 0 || result.code !== 0 || result.timedOut };
}

const files = findTests(testDir).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files found under ${relative(root, testDir)}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const queue = [...files];
async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const result = await runFile(file);
    const t = tally(result);
    totals.passed += t.passed;
    totals.failed += t.failed;
    totals.skipped += t.skipped;
    const name = relative(testDir, file);
    const mark = t.broken ? 'FAIL' : 'ok  ';
    console.log(`${mark} ${name} (${t.passed} passed${t.failed ? `, ${t.failed} failed` : ''}, ${(result.ms / 1000).toFixed(1)}s)`);
    if (t.broken) {
      const why = result.timedOut ? `deadline of ${deadlineMs} ms passed` : `exit ${result.code ?? result.signal}`;
      console.log(`---- ${name}: ${why}\n${result.output.trimEnd()}\n---- end of ${name}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 ? 1 : 0);
