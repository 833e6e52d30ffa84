// CSTA link benchmark (issue 3, "Benchmark"). Three figures from one run, so
// their ratios compare like with like on this machine:
//
//   link   MakeCall-to-Established call setups through a CstaConnection to
//          the in-process simulator, IN_FLIGHT workers at once. Each worker
//          owns a pair of auto-answer stations: MakeCall (doNotPrompt), wait
//          for EstablishedEvent on the calling device's monitor,
//          ClearConnection, wait for the called party's ConnectionClearedEvent,
//          repeat. Messages counted: every request sent, response received
//          and event received in the measured window (10 per call cycle).
//   echo   the same frames (the XML of one captured call cycle) through a
//          loopback server that only un-frames and re-frames them
//          (framing.ts, no XML), IN_FLIGHT at once; both directions counted.
//   codec  encodeMessage + decodeMessage of the same messages in a tight
//          loop, no sockets. Each link message is encoded once (by its
//          sender) and decoded once (by its receiver), both in this process,
//          so this is what the link would reach if TCP, framing, the
//          connection and the simulator cost nothing.
//
// The machine is small and may be shared, so the phases are interleaved in
// rounds (the order rotating each round) and the medians compared; each
// round's own ratios are printed too. Target (issue 3): link msg/s >= 0.4 x
// codec msg/s. Printed, never asserted.
//
// Usage: node dist/bench/csta-link.js [--seconds S per phase per round, default 1.5]
//          [--rounds N, default 3] [--in-flight N, default 64] [--only link|echo|codec]

import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { decodeMessage, encodeCstaFrame, encodeMessage } from '../src/csta/codec.js';
import { CstaConnection } from '../src/csta/connection.js';
import { encodeFrame, FrameDecoder, HEADER_BYTES } from '../src/csta/framing.js';
import { CSTA_NAMESPACE, type CstaEvent, type CstaFrame, type CstaMessage, type MakeCall, type MakeCallResponse, type MonitorStartResponse } from '../src/csta/messages.js';
import { startSimulator, type RunningSimulator } from '../src/switch-sim/simulator.js';
import type { WorldConfig } from '../src/switch-sim/world-file.js';
import { autoAnswerWorld, connectTo, consume, fmt, isMain, loadLine, machineLine, numberArg, opsPerSecond, pad, padLeft, percentile, within, type Rate } from './common.js';
import { callCycle } from './fixtures.js';

const TARGET = 0.4;
const FIRST_STATION = 2000;
/** Workers run this long before a measured window opens (connections busy, pipelines full). */
const RAMP_MS = 200;
/** Time past a window's end for the workers to finish their last cycle before the run is called stuck. */
const STUCK_MS = 15_000;

type Phase = 'codec' | 'echo' | 'link';
const PHASES: readonly Phase[] = ['codec', 'echo', 'link'];

interface Options {
  inFlight: number;
  phaseMs: number;
  rounds: number;
  phases: readonly Phase[];
}

function options(): Options {
  const at = process.argv.indexOf('--only');
  const only = at === -1 ? undefined : process.argv[at + 1];
  if (only !== undefined && !PHASES.includes(only as Phase)) throw new RangeError(`--only must be link, echo or codec, got ${JSON.stringify(only)}`);
  return {
    inFlight: numberArg('in-flight', 64, 1, 1000),
    phaseMs: numberArg('seconds', 1.5, 0.2, 20) * 1000,
    rounds: numberArg('rounds', 3, 1, 20),
    phases: only ? [only as Phase] : PHASES,
  };
}

// ---------------------------------------------------------------- helpers

/** One office; stations 2000.. in caller/called pairs, all auto-answering at once (no ring). */
export function benchWorld(pairs: number): WorldConfig {
  return autoAnswerWorld(FIRST_STATION, 2 * pairs, { csta: { listen: '127.0.0.1:0', user: 'bench', password: 'bench-secret' } });
}

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

/**
 * Runs `workers` (each loops until told to stop) for RAMP_MS, then measures
 * for `ms`: `snapshot` is read when the window opens and when it closes.
 * A worker that throws ends the phase with its error.
 */
async function measureWindow<S>(workers: (stopped: () => boolean) => Promise<void>[], ms: number, snapshot: () => S, what: string): Promise<{ before: S; after: S; ms: number; cpuMs: number }> {
  let stop = false;
  const running = Promise.all(workers(() => stop));
  running.catch(() => (stop = true));
  const sleep = (t: number) => Promise.race([new Promise((resolve) => setTimeout(resolve, t)), running]);
  await sleep(RAMP_MS);
  const before = snapshot();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(ms);
  const after = snapshot();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  stop = true;
  await within(running, STUCK_MS, what);
  return { before, after, ms: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// ---------------------------------------------------------------- link

interface LinkCounters {
  requests: number;
  responses: number;
  events: number;
  setups: number;
  cycles: number;
}

export interface LinkSample {
  messagesPerS: number;
  /** Messages per second of this process's CPU time. */
  messagesPerCpuS: number;
  setupsPerS: number;
  counts: LinkCounters;
  seconds: number;
  /** Process CPU time over wall time: 1.0 is one core busy. */
  cores: number;
  wireBytesPerS: number;
}

class LinkWorker {
  established = false;
  calledCleared = false;
  capture: CstaMessage[] | undefined;
  private wake: (() => void) | undefined;
  readonly makeCall: MakeCall;

  constructor(
    readonly calling: string,
    readonly called: string,
  ) {
    this.makeCall = { type: 'MakeCall', callingDevice: calling, calledDirectoryNumber: called, autoOriginate: 'doNotPrompt' };
  }

  onEvent(ev: CstaEvent): void {
    this.capture?.push(ev);
    if (ev.type === 'EstablishedEvent') this.established = true;
    else if (ev.type === 'ConnectionClearedEvent' && ev.droppedConnection.deviceId === this.called) this.calledCleared = true;
    this.wake?.();
  }

  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        if (!ready()) return;
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/** The simulator, one application session on one CSTA link, and a monitor on each worker's calling device. */
export class LinkBench {
  readonly count: LinkCounters = { requests: 0, responses: 0, events: 0, setups: 0, cycles: 0 };
  /** MakeCall -> EstablishedEvent, ms, over every measured window. */
  readonly latencies: number[] = [];
  /** The messages of one measured call cycle (worker 0's first), as sent and received. */
  cycle: CstaMessage[] = [];
  strays = 0;
  private linkError: Error | undefined;
  private measuring = false;
  private captureWanted = true;

  private constructor(
    private readonly sim: RunningSimulator,
    private readonly socket: Socket,
    private readonly conn: CstaConnection,
    private readonly workers: LinkWorker[],
    readonly simLog: string[],
  ) {}

  static async start(inFlight: number): Promise<LinkBench> {
    const simLog: string[] = [];
    const sim = await startSimulator({
      world: benchWorld(inFlight),
      timeScale: 1,
      controlListen: null,
      logger: (msg, fields) => {
        if (simLog.length < 20) simLog.push(`${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
      },
    });
    let socket: Socket | undefined;
    try {
      const { host, port } = hostPort(sim.offices[0]!.csta);
      socket = await connectTo(host, port);
      const conn = new CstaConnection(socket);
      const workers = Array.from({ length: inFlight }, (_, i) => new LinkWorker(String(FIRST_STATION + 2 * i), String(FIRST_STATION + 2 * i + 1)));
      const bench = new LinkBench(sim, socket, conn, workers, simLog);
      await bench.open();
      return bench;
    } catch (err) {
      socket?.destroy();
      await sim.close();
      throw err;
    }
  }

  private async open(): Promise<void> {
    const conn = this.conn;
    conn.on('protocol-error', (err: Error) => (this.linkError ??= err));
    conn.on('unreadable', (err: Error) => (this.linkError ??= err));
    const byMonitor = new Map<string, LinkWorker>();
    conn.on('frame', ({ invokeId, message }: CstaFrame) => {
      this.count.events++;
      if (message.type === 'SystemStatus') {
        conn.send(invokeId, { type: 'SystemStatusResponse' });
        return;
      }
      const worker = byMonitor.get((message as CstaEvent).monitorCrossRefId);
      if (worker) worker.onEvent(message as CstaEvent);
      else this.strays++;
    });
    const started = await conn.request({ type: 'StartApplicationSession', applicationId: 'bench', user: 'bench', password: 'bench-secret', protocolVersions: [CSTA_NAMESPACE] });
    if (started.type !== 'StartApplicationSessionPosResponse') throw new Error(`session refused: ${JSON.stringify(started)}`);
    for (const worker of this.workers) {
      const monitor = await conn.request<MonitorStartResponse>({ type: 'MonitorStart', monitorObject: worker.calling });
      byMonitor.set(monitor.monitorCrossRefId, worker);
    }
  }

  private async run(w: LinkWorker, first: boolean, stopped: () => boolean): Promise<void> {
    const { conn, count } = this;
    while (!stopped()) {
      const capture: CstaMessage[] | undefined = first && this.captureWanted && this.measuring ? (w.capture = []) : undefined;
      w.established = false;
      w.calledCleared = false;
      const t0 = performance.now();
      count.requests++;
      capture?.push(w.makeCall);
      const made = await conn.request<MakeCallResponse>(w.makeCall);
      count.responses++;
      capture?.push(made);
      await w.until(() => w.established);
      count.setups++;
      if (this.measuring) this.latencies.push(performance.now() - t0);
      const clear = { type: 'ClearConnection', connectionToBeCleared: made.callingDevice } as const;
      count.requests++;
      capture?.push(clear);
      const cleared = await conn.request(clear); // not inside capture?.push(): optional chaining would skip the call
      count.responses++;
      capture?.push(cleared);
      await w.until(() => w.calledCleared);
      count.cycles++;
      if (capture) {
        w.capture = undefined;
        this.captureWanted = false;
        this.cycle = capture;
      }
    }
  }

  async measure(ms: number): Promise<LinkSample> {
    const snap = () => {
      this.measuring = !this.measuring; // on at the window's opening snapshot, off at its closing one
      return { ...this.count, bytes: this.socket.bytesRead + this.socket.bytesWritten };
    };
    const w = await measureWindow((stopped) => this.workers.map((worker, i) => this.run(worker, i === 0, stopped)), ms, snap, 'link workers');
    this.measuring = false;
    if (this.linkError) throw this.linkError;
    const d = (k: keyof LinkCounters) => w.after[k] - w.before[k];
    const counts = { requests: d('requests'), responses: d('responses'), events: d('events'), setups: d('setups'), cycles: d('cycles') };
    const seconds = w.ms / 1000;
    const messages = counts.requests + counts.responses + counts.events;
    return {
      messagesPerS: messages / seconds,
      messagesPerCpuS: (messages * 1000) / w.cpuMs,
      setupsPerS: counts.setups / seconds,
      counts,
      seconds,
      cores: w.cpuMs / w.ms,
      wireBytesPerS: (w.after.bytes - w.before.bytes) / seconds,
    };
  }

  async close(): Promise<void> {
    this.conn.destroy();
    await this.sim.close();
    if (!this.socket.destroyed) await once(this.socket, 'close');
  }
}

// ---------------------------------------------------------------- echo

export interface EchoSample {
  messagesPerS: number;
  messagesPerCpuS: number;
  cores: number;
}

/** A loopback server that un-frames and re-frames (framing.ts only), one write per frame as CstaConnection does, and a client with IN_FLIGHT workers. */
export class EchoBench {
  private sent = 0;
  private received = 0;
  private failure: Error | undefined;
  private readonly waiting: ((() => void) | undefined)[];

  private constructor(
    private readonly server: Server,
    private readonly serverSockets: Set<Socket>,
    private readonly socket: Socket,
    private readonly inFlight: number,
    private readonly payloads: readonly string[],
  ) {
    this.waiting = new Array<undefined>(inFlight + 1);
    const frames = new FrameDecoder();
    socket.on('error', (err) => (this.failure ??= err));
    socket.on('data', (chunk: Buffer) => {
      for (const f of frames.push(chunk)) {
        this.received++;
        const wake = this.waiting[f.invokeId];
        this.waiting[f.invokeId] = undefined;
        wake?.();
      }
    });
  }

  static async start(inFlight: number, payloads: readonly string[]): Promise<EchoBench> {
    const serverSockets = new Set<Socket>();
    const server = createServer((s) => {
      s.setNoDelay(true);
      serverSockets.add(s);
      s.on('close', () => serverSockets.delete(s));
      s.on('error', () => s.destroy());
      const frames = new FrameDecoder();
      s.on('data', (chunk: Buffer) => {
        let got;
        try {
          got = frames.push(chunk);
        } catch {
          s.destroy();
          return;
        }
        for (const f of got) s.write(encodeFrame(f.invokeId, f.xml));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    try {
      if (!address || typeof address === 'string') throw new Error('the echo server has no port');
      return new EchoBench(server, serverSockets, await connectTo('127.0.0.1', address.port), inFlight, payloads);
    } catch (err) {
      server.close();
      throw err;
    }
  }

  private async run(id: number, stopped: () => boolean): Promise<void> {
    let k = id;
    while (!stopped()) {
      const xml = this.payloads[k++ % this.payloads.length]!;
      await new Promise<void>((resolve) => {
        this.waiting[id] = resolve;
        this.sent++;
        this.socket.write(encodeFrame(id, xml));
      });
      if (this.failure) throw this.failure;
    }
  }

  async measure(ms: number): Promise<EchoSample> {
    const w = await measureWindow(
      (stopped) => Array.from({ length: this.inFlight }, (_, i) => this.run(i + 1, stopped)),
      ms,
      () => this.sent + this.received,
      'echo workers',
    );
    const messages = w.after - w.before;
    return { messagesPerS: (messages * 1000) / w.ms, messagesPerCpuS: (messages * 1000) / w.cpuMs, cores: w.cpuMs / w.ms };
  }

  async close(): Promise<void> {
    this.socket.destroy();
    for (const s of this.serverSockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------- codec

/** encodeMessage + decodeMessage of each message in turn: pairs per second. */
export function codecRate(messages: readonly CstaMessage[], ms: number, warmupMs?: number): Rate {
  let j = 0;
  return opsPerSecond(
    (n) => {
      for (let i = 0; i < n; i++) {
        const xml = encodeMessage(messages[j]!);
        j = j + 1 === messages.length ? 0 : j + 1;
        consume(xml.length + decodeMessage(xml).type.length);
      }
    },
    ms,
    warmupMs,
  );
}

/** The same with framing: encodeCstaFrame, FrameDecoder.push, decodeMessage. */
export function framedCodecRate(messages: readonly CstaMessage[], ms: number, warmupMs?: number): Rate {
  let j = 0;
  const frames = new FrameDecoder();
  return opsPerSecond(
    (n) => {
      for (let i = 0; i < n; i++) {
        const m = messages[j]!;
        j = j + 1 === messages.length ? 0 : j + 1;
        const bytes = encodeCstaFrame({ invokeId: m.type.endsWith('Event') ? 9999 : 17, message: m });
        for (const f of frames.push(bytes)) consume(decodeMessage(f.xml).type.length);
      }
    },
    ms,
    warmupMs,
  );
}

// ---------------------------------------------------------------- report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function line(label: string, value: string, note = ''): void {
  console.log(`  ${pad(label, 18)} ${padLeft(value, 14)}  ${note}`);
}

export async function main(): Promise<void> {
  const opts = options();
  const wants = (p: Phase) => opts.phases.includes(p);
  console.log(`CSTA link benchmark: ${machineLine()}`);
  console.log(
    `  ${opts.inFlight} in flight; ${opts.rounds} rounds of ${opts.phases.join(', ')} (order rotating), ${opts.phaseMs / 1000} s measured each; simulator, echo server and clients all in this one process`,
  );

  const link = wants('link') ? await LinkBench.start(opts.inFlight) : undefined;
  let echo: EchoBench | undefined;
  try {
    // Warm-up, unmeasured: JIT tiers and pipelines. The link's also captures a real call cycle.
    let cycle = callCycle();
    if (link) {
      await link.measure(1500);
      link.latencies.length = 0;
      if (link.cycle.length > 0) cycle = link.cycle;
    }
    const xml = cycle.map((m) => encodeMessage(m));
    const bytes = xml.map((x) => HEADER_BYTES + Buffer.byteLength(x));
    console.log(
      `  one call cycle (${link?.cycle.length ? 'captured from the link' : 'fixtures'}): ${cycle.length} messages, ${bytes.reduce((a, b) => a + b, 0)} bytes framed: ${cycle.map((m, i) => `${m.type} ${bytes[i]}`).join(', ')}`,
    );
    if (wants('echo')) {
      echo = await EchoBench.start(opts.inFlight, xml);
      await echo.measure(500);
    }
    if (wants('codec')) codecRate(cycle, 500, 500);

    interface Round {
      codec?: Rate;
      framed?: Rate;
      echo?: EchoSample;
      link?: LinkSample;
    }
    const rounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const s: Round = {};
      for (let k = 0; k < opts.phases.length; k++) {
        const phase = opts.phases[(k + r) % opts.phases.length]!;
        if (phase === 'codec') {
          s.codec = codecRate(cycle, opts.phaseMs, 100);
          s.framed = framedCodecRate(cycle, opts.phaseMs / 2, 100);
        } else if (phase === 'echo') s.echo = await echo!.measure(opts.phaseMs);
        else s.link = await link!.measure(opts.phaseMs);
      }
      rounds.push(s);
    }

    const med = (pick: (s: Round) => number | undefined) => median(rounds.map(pick).filter((v): v is number => v !== undefined));
    const cell = (v: number | undefined, w: number, d = 0) => padLeft(v === undefined || Number.isNaN(v) ? '-' : fmt(v, d), w);
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
    const table = (title: string, codecOf: (s: Round) => number | undefined, echoOf: (s: Round) => number | undefined, linkOf: (s: Round) => number | undefined) => {
      console.log('');
      console.log(`  ${title}`);
      console.log(`  ${pad('round', 8)}${padLeft('codec', 12)}${padLeft('echo', 12)}${padLeft('link', 12)}${padLeft('link/codec', 12)}${padLeft('link/echo', 11)}`);
      const row = (label: string, c?: number, e?: number, l?: number) => console.log(`  ${pad(label, 8)}${cell(c, 12)}${cell(e, 12)}${cell(l, 12)}${cell(ratio(l, c), 12, 3)}${cell(ratio(l, e), 11, 3)}`);
      rounds.forEach((s, i) => row(String(i + 1), codecOf(s), echoOf(s), linkOf(s)));
      row('median', med(codecOf), med(echoOf), med(linkOf));
    };
    table(
      'messages per second of wall time',
      (s) => s.codec?.perS,
      (s) => s.echo?.messagesPerS,
      (s) => s.link?.messagesPerS,
    );
    table(
      'messages per second of this process\'s CPU time (steadier when other processes take CPU from this one)',
      (s) => s.codec?.perCpuS,
      (s) => s.echo?.messagesPerCpuS,
      (s) => s.link?.messagesPerCpuS,
    );

    console.log('');
    const codecM = med((s) => s.codec?.perS);
    const echoM = med((s) => s.echo?.messagesPerS);
    const linkM = med((s) => s.link?.messagesPerS);
    if (wants('codec')) {
      line('codec alone', `${fmt(codecM)} msg/s`, `encodeMessage + decodeMessage of the cycle's messages: ${fmt(1e9 / med((s) => s.codec?.perCpuS))} ns of CPU per message`);
      line('codec + framing', `${fmt(med((s) => s.framed?.perS))} msg/s`, `encodeCstaFrame + FrameDecoder.push + decodeMessage, no sockets: ${fmt(1e9 / med((s) => s.framed?.perCpuS))} ns of CPU per message`);
    }
    if (echo) line('framed TCP echo', `${fmt(echoM)} msg/s`, `framing.ts only, both directions counted; ${fmt(med((s) => s.echo?.cores), 2)} cores busy (process CPU / wall)`);
    if (link) {
      const all = rounds.flatMap((s) => (s.link ? [s.link] : []));
      const sum = (k: keyof LinkCounters) => all.reduce((a, x) => a + x.counts[k], 0);
      const lat = [...link.latencies].sort((a, b) => a - b);
      line('CSTA link', `${fmt(linkM)} msg/s`, `${fmt(med((s) => s.link?.cores), 2)} cores busy; ${fmt(1e9 / med((s) => s.link?.messagesPerCpuS))} ns of CPU per message; ${fmt(med((s) => s.link?.wireBytesPerS) / 1e6, 1)} MB/s on the wire`);
      line('  call setups', `${fmt(med((s) => s.link?.setupsPerS))} /s`, `MakeCall -> EstablishedEvent p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, max ${(lat[lat.length - 1] ?? NaN).toFixed(1)} ms`);
      line(
        '  messages / cycle',
        ((sum('requests') + sum('responses') + sum('events')) / sum('cycles')).toFixed(2),
        `${fmt(sum('requests'))} requests + ${fmt(sum('responses'))} responses + ${fmt(sum('events'))} events in ${fmt(sum('cycles'))} cycles${link.strays ? `; ${link.strays} events for no worker` : ''}`,
      );
      for (const entry of link.simLog) console.log(`  simulator said: ${entry}`);
    }
    if (link && wants('codec')) {
      const wall = linkM / codecM;
      const cpu = med((s) => s.link?.messagesPerCpuS) / med((s) => s.codec?.perCpuS);
      line('link / codec', wall.toFixed(3), `target >= ${TARGET}: ${wall >= TARGET ? 'met' : 'MISSED'}; per CPU-second ${cpu.toFixed(3)} (${cpu >= TARGET ? 'met' : 'MISSED'})`);
    }
    if (link && echo) line('link / echo', (linkM / echoM).toFixed(3), `per CPU-second ${(med((s) => s.link?.messagesPerCpuS) / med((s) => s.echo?.messagesPerCpuS)).toFixed(3)}`);
    console.log(`  (${loadLine()} at the end)`);
  } finally {
    await echo?.close();
    await link?.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`csta-link bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
