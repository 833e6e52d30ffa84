// Helpers shared by the benchmarks: command-line numbers, timing loops and
// printing. Benchmarks print figures; they never assert (issue 3, Benchmark).

import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';

/** Whether this module is the script node was started with (not imported by run-all). */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && importMetaUrl === pathToFileURL(script).href;
}

/** `--name N` from the command line, else the default; bounded so a typo cannot make a run endless. */
export function numberArg(name: string, fallback: number, min: number, max: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(process.argv[at + 1])}`);
  }
  return value;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `node ${process.version}, ${availableParallelism()} CPUs (${cpu})`;
}

/** 12345.6 -> "12,346". */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** Keeps results alive so the JIT cannot drop the work being measured. */
export let sink = 0;
export function consume(n: number): void {
  sink = (sink + n) | 0;
}

/**
 * Runs `batch(n)` (which does n operations) until `ms` have passed, after a
 * warm-up of `warmupMs`, and returns operations per second. Batches grow until
 * one takes about 5 ms, so clock reads cost nothing measurable.
 */
export function opsPerSecond(batch: (n: number) => void, ms: number, warmupMs = Math.min(500, ms / 4)): number {
  let n = 16;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t = performance.now();
    batch(n);
    if (performance.now() - t < 5) n *= 2;
  }
  let ops = 0;
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    batch(n);
    ops += n;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/** Nanoseconds per operation: the median of `samples` timed runs of about `sampleMs` each, after a warm-up. */
export function nsPerOp(op: () => void, sampleMs = 60, samples = 5): number {
  let n = 64;
  // Warm up and size a batch to about sampleMs.
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) op();
    const took = performance.now() - t;
    if (took >= sampleMs / 4) {
      n = Math.max(1, Math.round((n * sampleMs) / took));
      break;
    }
    n *= 2;
  }
  const results: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) op();
    results.push(((performance.now() - t) * 1e6) / n);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

/** Percentile of a sorted sample. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
