// The dashboard's benchmark (issue 9): how fast `cti dashboard` shows its
// first full frame, and what a frame costs while 1,000 request updates
// arrive per second over 10k requests.
//
//   start     the real bins: a ctid (embedded simulator) as a child, then
//             `cti dashboard` in a tmux terminal, timed from spawn until
//             the screen shows a full frame (header "ctid up" and the
//             panes). Baseline in the same run and the same way:
//             `cti status` until its output shows.
//   frames    in this process: the Dashboard component rendered by Ink to a
//             terminal-sized stdout, 10k requests loaded, then 1,000
//             updates a second for a few seconds (what a burst from
//             WatchRequests delivers). Per frame: from the store's redraw
//             notice to the frame written; frames a second; CPU; the event
//             loop's delay (what a key press would wait). Baseline: the same
//             seconds with the screen up and no updates.
//
// Usage: node dist/bench/dashboard.js [--runs N] [--seconds S]

import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { render } from 'ink';
import { createElement } from 'react';
import { Dashboard, type DashboardActions } from '../src/cli/dashboard/app.js';
import { DashboardStore } from '../src/cli/dashboard/store.js';
import type { Request } from '../src/gen/cti/v1/cti.js';
import { cpuSeconds, fmt, machineLine, numberArg, percentile } from './common.js';

const RUNS = numberArg('runs', 7, 1, 50);
const SECONDS = numberArg('seconds', 4, 1, 60);
const REQUESTS = 10_000;
const UPDATES_PER_SECOND = 1_000;

const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}.js`, import.meta.url));
const TOKEN = 'bench-dashboard-token-0123456789';

// ------------------------------------------------------------ start to first frame

async function startCtid(dir: string): Promise<{ address: string; stop: () => void }> {
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      office: 'a',
      listen: '127.0.0.1:0',
      data: join(dir, 'data'),
      switch: { url: 'embedded', control: '127.0.0.1:0' },
      users: [{ name: 'bob', token: TOKEN, extensions: ['2001'], admin: false }],
    }),
  );
  const child = spawn(process.execPath, [bin('ctid'), '--config', config], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ctid a listening (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ctid exited ${code}: ${out}`)));
  });
  return { address, stop: () => child.kill('SIGTERM') };
}

/** ms from starting `argv` in a fresh 80x24 tmux terminal until its screen satisfies `done`. */
async function timeToScreen(argv: string[], env: Record<string, string>, done: (screen: string) => boolean): Promise<number> {
  const socket = `cti-bench-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const command = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv, '; sleep 60'].join(' ');
  const t0 = performance.now();
  tmux('new-session', '-d', '-s', 'b', '-x', '80', '-y', '24', command);
  try {
    for (;;) {
      if (done(tmux('capture-pane', '-p', '-t', 'b'))) return performance.now() - t0;
      if (performance.now() - t0 > 30_000) throw new Error(`no screen after 30 s:\n${tmux('capture-pane', '-p', '-t', 'b')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    tmux('kill-server');
  }
}

async function startFigures(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const ctid = await startCtid(dir);
  const env = { CTI_SERVER: ctid.address, CTI_TOKEN: TOKEN, NO_COLOR: '1' };
  try {
    const dashboard: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternating, so machine noise falls on both alike.
      dashboard.push(await timeToScreen(['node', bin('cti'), 'dashboard'], env, (s) => s.includes('ctid up') && s.includes('Transfers and peers')));
      status.push(await timeToScreen(['node', bin('cti'), 'status'], env, (s) => s.includes('version')));
    }
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    console.log(`start to first full frame, ${RUNS} runs (tmux polled every 5 ms):`);
    console.log(`  cti dashboard  p50 ${fmt(p50(dashboard))} ms  max ${fmt(Math.max(...dashboard))} ms`);
    console.log(`  cti status     p50 ${fmt(p50(status))} ms  max ${fmt(Math.max(...status))} ms   (baseline)`);
    console.log(`  ratio dashboard / status at p50: ${fmt(p50(dashboard) / p50(status), 2)}`);
  } finally {
    ctid.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ frame time under 1,000 updates a second

class FakeTerminal extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  frames = 0;
  lastWrite = 0;
  write = (_chunk: string): boolean => {
    this.frames++;
    this.lastWrite = performance.now();
    return true;
  };
}

function request(n: number, state: string): Request {
  const at = new Date(Date.now() - (REQUESTS - n) * 1000).toISOString();
  return {
    id: `a-${n.toString(16).padStart(16, '0')}`,
    kind: 'camp-on',
    requester: 'bob',
    destination: String(2000 + (n % 1000)),
    dial: String(2000 + (n % 1000)),
    source: '2001',
    network: 'station',
    campOn: true,
    strategy: 'watch',
    retryEveryMs: 30_000,
    recallFirst: false,
    state,
    reason: '',
    message: '',
    ringing: '',
    createdAt: at,
    deadline: new Date(Date.now() + 1_800_000).toISOString(),
    endedAt: '',
    attempts: 0,
    history: [],
    office: '',
    place: '',
    display: '',
  };
}

async function frameFigures(): Promise<void> {
  const store = new DashboardStore();
  const terminal = new FakeTerminal();
  const stdin = Object.assign(new EventEmitter(), { isTTY: true, setRawMode: () => {}, setEncoding: () => {}, resume: () => {}, pause: () => {}, ref: () => {}, unref: () => {}, read: () => null });
  const actions: DashboardActions = {
    submit: () => Promise.reject(new Error('not in the bench')),
    cancel: () => Promise.reject(new Error('not in the bench')),
    answer: () => Promise.reject(new Error('not in the bench')),
    setTransfer: () => Promise.reject(new Error('not in the bench')),
    quit: () => {},
  };
  // Subscribed before the screen, so it hears each redraw notice first.
  let noticed = 0;
  const latencies: number[] = [];
  store.subscribe(() => void (noticed = performance.now()));
  const app = render(createElement(Dashboard, { store, actions, color: true }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  store.update((m) => {
    m.status({ office: 'a', user: 'bob', admin: false, switchLink: 'up', extensions: ['2001', '2002'] });
    m.connectionIs('up');
    for (let n = 0; n < REQUESTS; n++) m.request(request(n, 'watching'));
  });
  await new Promise((resolve) => setTimeout(resolve, 500));

  const measure = async (updatesPerSecond: number) => {
    latencies.length = 0;
    const framesBefore = terminal.frames;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    let pending = 0;
    const onWrite = terminal.write;
    terminal.write = (chunk: string) => {
      const r = onWrite(chunk);
      if (noticed > pending) {
        latencies.push(terminal.lastWrite - noticed);
        pending = noticed;
      }
      return r;
    };
    delay.enable();
    await new Promise<void>((resolve) => {
      const perTick = updatesPerSecond / 100;
      const timer = setInterval(() => {
        store.update((m) => {
          for (let i = 0; i < perTick; i++) {
            const k = (n++ * 7919) % REQUESTS;
            m.request(request(k, n % 3 === 0 ? 'calling' : 'watching'));
          }
        });
        if (performance.now() - t0 >= SECONDS * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    delay.disable();
    terminal.write = onWrite;
    const seconds = (performance.now() - t0) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      updates: n / seconds,
      frames: (terminal.frames - framesBefore) / seconds,
      p50: sorted.length ? percentile(sorted, 50) : NaN,
      p99: sorted.length ? percentile(sorted, 99) : NaN,
      cpu: cpuSeconds(cpu) / seconds,
      loopP99: delay.percentile(99) / 1e6,
    };
  };

  const idle = await measure(0);
  const busy = await measure(UPDATES_PER_SECOND);
  app.unmount();
  store.close();
  console.log(`frames with ${REQUESTS} requests loaded, ${SECONDS} s each (100x30 screen):`);
  console.log(
    `  ${fmt(busy.updates)} updates/s  ${fmt(busy.frames, 1)} terminal writes/s  frame (redraw notice -> written) p50 ${fmt(busy.p50, 2)} ms p99 ${fmt(busy.p99, 2)} ms  CPU ${fmt(busy.cpu * 100)}%  event-loop delay p99 ${fmt(busy.loopP99, 1)} ms`,
  );
  console.log(`  idle (baseline): ${fmt(idle.frames, 1)} terminal writes/s  CPU ${fmt(idle.cpu * 100)}%  event-loop delay p99 ${fmt(idle.loopP99, 1)} ms`);
  console.log(`  event-loop delay p99 ratio busy / idle: ${fmt(busy.loopP99 / idle.loopP99, 2)}`);
}

console.log(`bench dashboard: ${machineLine()}`);

await frameFigures();
await startFigures();
process.exit(0);
