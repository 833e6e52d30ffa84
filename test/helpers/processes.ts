// Run the real binaries in tests (style.md section 12): spawn a long-running
// one and wait for its readiness lines, or run a one-shot command and collect
// what it printed. Every wait has a deadline and no fixed sleeps; every child
// is killed at teardown (killAll) and, failing that, when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Added to (or, with undefined, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const DEFAULT_LINE_DEADLINE_MS = 20_000;
const DEFAULT_RUN_DEADLINE_MS = 20_000;

/** `bin/NAME.js` of this repository (tests run from dist/test/...). */
export function binPath(name: string): string {
  return fileURLToPath(new URL(`../../../bin/${name}.js`, import.meta.url));
}

const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

function spawnNode(script: string, args: string[], opts: SpawnOptions): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [script, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('close', () => live.delete(child));
  return child;
}

/** A long-running child: its stdout lines so far, its stderr, and a way to wait for a line. */
export class RunningBin {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<(line: string | undefined) => void>();
  private closed = false;

  constructor(script: string, args: string[], opts: SpawnOptions = {}) {
    this.child = spawnNode(script, args, opts);
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters.forEach((wake) => wake(line));
    });
    // 'close' comes after stdout and stderr are drained, so no line is missed.
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.closed = true;
        this.waiters.forEach((wake) => wake(undefined));
        resolve({ code, signal });
      }),
    );
  }

  /** The first stdout line (seen so far or to come) matching pattern; rejects on exit or deadline. */
  waitForLine(pattern: RegExp, deadlineMs = DEFAULT_LINE_DEADLINE_MS): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const match = pattern.exec(line);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const finish = (error?: string, match?: RegExpExecArray): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        if (match) resolve(match);
        else reject(new Error(`${error} waiting for ${pattern}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`));
      };
      const wake = (line: string | undefined): void => {
        if (line === undefined) return finish('the process exited');
        const match = pattern.exec(line);
        if (match) finish(undefined, match);
      };
      const timer = setTimeout(() => finish(`${deadlineMs} ms passed`), deadlineMs);
      if (this.closed) return finish('the process had exited');
      this.waiters.add(wake);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}

/** Spawns `node SCRIPT ARGS...` and keeps it running (kill it, or killAll at teardown). */
export function startBin(script: string, args: string[], opts: SpawnOptions = {}): RunningBin {
  return new RunningBin(script, args, opts);
}

/** Runs `node SCRIPT ARGS...` to its end; rejects (after killing it) when it outlives the deadline. */
export function runBin(script: string, args: string[], opts: SpawnOptions & { deadlineMs?: number } = {}): Promise<RunResult> {
  const deadlineMs = opts.deadlineMs ?? DEFAULT_RUN_DEADLINE_MS;
  const child = spawnNode(script, args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${script} ${args.join(' ')} still ran after ${deadlineMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, deadlineMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Teardown: SIGKILL every child still running and wait until each is gone. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
