// Helpers shared by the benchmarks: command-line numbers, timing loops and
// printing. Benchmarks print figures; they never assert (issue 3, Benchmark).

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseWorld, type WorldConfig, type WorldInput } from '../src/switch-sim/world-file.js';

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
  return `node ${process.version}, ${availableParallelism()} CPUs (${cpu}), ${loadLine()}`;
}

/** Other processes compete for the CPUs: the 1-minute load average says how much. */
export function loadLine(): string {
  return `load average ${loadavg()[0]!.toFixed(2)}`;
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

export interface Rate {
  /** Operations per second of wall time. */
  perS: number;
  /** Operations per second of this process's CPU time (user + system): steadier when other processes share the CPUs. */
  perCpuS: number;
}

/**
 * Runs `batch(n)` (which does n operations) until `ms` have passed, after a
 * warm-up of `warmupMs`, and returns the rate. Batches grow until one takes
 * about 5 ms, so clock reads cost nothing measurable.
 */
export function opsPerSecond(batch: (n: number) => void, ms: number, warmupMs = Math.min(500, ms / 4)): Rate {
  let n = 16;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t = performance.now();
    batch(n);
    if (performance.now() - t < 5) n *= 2;
  }
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    batch(n);
    ops += n;
    now = performance.now();
  }
  return { perS: (ops * 1000) / (now - start), perCpuS: ops / cpuSeconds(cpu0) };
}

/** CPU seconds (user + system) this process has used since `since`. */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/**
 * Nanoseconds of this process's CPU time per operation (steadier than wall
 * time when other processes share the CPUs): the median of `samples` runs of
 * about `sampleMs` each, after sizing the batch.
 */
export function nsPerOp(op: () => void, sampleMs = 60, samples = 5): number {
  let n = 64;
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
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) op();
    results.push((cpuSeconds(cpu0) * 1e9) / n);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

/** Percentile of a sorted sample. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A TCP connection, connected, without Nagle's delay. */
export async function connectTo(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  return socket;
}

/** Rejects if `promise` has not settled within ms (the timer never keeps the process alive). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no progress within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Asks a child to stop (`ask`: a signal, or closing its stdin) and resolves
 * once it exited; SIGKILL after 15 s. At once if it already exited.
 */
export function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    ask();
  });
}

/**
 * A world of one office `bench` for throughput figures: stations `first` ..
 * `first + count - 1`, all answering at once (no ring), no heartbeat or
 * session limit in the way. `office` gives its listeners (CSTA, AMI).
 */
export function autoAnswerWorld(first: number, count: number, office: Pick<WorldInput['offices'][number], 'csta' | 'ami'>): WorldConfig {
  const last = first + count - 1;
  const devices: Record<string, { answer: 'auto' }> = {};
  for (let ext = first; ext <= last; ext++) devices[String(ext)] = { answer: 'auto' };
  return parseWorld({
    autoAnswerRings: 0,
    heartbeatMs: 600_000,
    maxSessionDurationS: 86_400,
    offices: [{ id: 'bench', ...office, stations: [`${first}-${last}`], devices }],
  });
}
