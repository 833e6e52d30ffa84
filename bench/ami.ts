// Issue 10, Benchmark: the AMI adapter (src/daemon/switch/ami/) against the
// simulator's AMI face. Two figures, each with its baseline measured in the
// same run, so the ratios compare like with like on this machine:
//
//   setups  Two-point calls through the adapter: AmiSwitch.placeCall between
//           pairs of auto-answering extensions (256 stations in one office,
//           autoAnswerRings 0), IN_FLIGHT workers at once. Each worker owns
//           its pairs (worker i: pairs i, i + IN_FLIGHT, ...; first =
//           2000 + 2p, second = 2001 + 2p), so calls never collide: placeCall,
//           and once it resolved ok, an AMI `Hangup` of the first leg through
//           the adapter's own AmiLink (its channel taken from the second leg's
//           DialEnd), so both lines are free; next pair. Latency: placeCall
//           to its outcome. Baseline ("raw"): the same peer driven by a raw
//           AMI client (src/ami/codec.ts only): Originate, wait for the second
//           leg's `DialEnd ANSWER`, Hangup, wait for its response; same
//           concurrency, same pairs. Rounds alternate raw and adapter (the
//           order rotating), one fresh manager session each; medians.
//   events  How fast the adapter takes events: AmiLink + AmiSwitch with every
//           extension watched (watchLine on all 256: the line tracking ctid
//           runs), against a raw socket reader that only splits messages with
//           AmiDecoder. The simulator cannot produce events as fast as a
//           reader takes them (its rate is printed with the setups), so the
//           peer here is a replay server: a recording of real events,
//           captured from the simulator's AMI face during the setups warm-up
//           (OriginateResponse ActionIDs rewritten so they match no pending
//           action), written over and over as fast as the reader takes them
//           (64 KiB writes at message boundaries, TCP back-pressure). Readers:
//             socket   counts bytes, decodes nothing: the ceiling of this
//                      replay server and loopback TCP
//             decoder  AmiDecoder.push, counts the messages (the baseline)
//             adapter  AmiLink + AmiSwitch, 256 lines watched
//             +calls   the same with IN_FLIGHT placeCall()s pending (to
//                      extensions the recording never names, so they never
//                      settle): each AmiCall looks at every event
//
// The peers run in child processes (this script with --peer sim|replay), so
// the adapter and the peer do not share a thread; the adapter and the raw
// clients run in this process. CPU is measured for both sides: this process
// (process.cpuUsage) and the peer's (/proc/PID/stat).
//
// Usage (about 55 s): node dist/bench/ami.js [--in-flight N, default 32] [--seconds S per phase per round, default 2]
//          [--rounds N, default 3] [--only setups|events] [--readers socket,decoder,adapter,+calls (a subset, e.g. to profile one)]
//          [--peer-profile DIR] (peers run with --cpu-prof into DIR)
//   AMI_SMALL=1 (or --small): 2 rounds of 0.75 s each, shorter warm-ups (a quick look, ~20 s)
// To profile the adapter side: node --cpu-prof --cpu-prof-dir=DIR dist/bench/ami.js --only events

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AmiDecoder, AmiMessage, encodeAmi } from '../src/ami/codec.js';
import { AmiLink } from '../src/daemon/switch/ami/ami-link.js';
import { AmiSwitch } from '../src/daemon/switch/ami/ami-switch.js';
import { Endpoints } from '../src/daemon/switch/ami/endpoints.js';
import { startSimulator } from '../src/switch-sim/simulator.js';
import type { WorldConfig } from '../src/switch-sim/world-file.js';
import { autoAnswerWorld, connectTo, fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile, stopChild, within } from './common.js';

const FIRST_STATION = 2000;
const STATIONS = 256;
const PAIRS = STATIONS / 2;
const USER = 'bench';
const SECRET = 'bench-secret';
const CONTEXT = 'internal';
/** Pending calls of the `+calls` reader ring these: extensions the recording never names. */
const IDLE_FIRST = 3000;
/** Workers run this long before a measured window opens. */
const RAMP_MS = 300;
/** Time past a window's end for the workers to finish their last cycle before the run is called stuck. */
const STUCK_MS = 15_000;
/** The recording: at most this many events. */
const RECORD_MAX = 40_000;
const REPLAY_CHUNK = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- the peers (child processes)

/** One office with an AMI face; stations 2000-2255, all answering at once. */
function amiWorld(): WorldConfig {
  return autoAnswerWorld(FIRST_STATION, STATIONS, {
    csta: { listen: '127.0.0.1:0', user: USER, password: SECRET },
    ami: { listen: '127.0.0.1:0', user: USER, secret: SECRET, context: CONTEXT },
  });
}

/** The bench holds the child's stdin: when it ends (however the bench ends), so does the child. */
function exitWithParent(): void {
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

async function peerSim(): Promise<void> {
  let said = 0;
  const sim = await startSimulator({
    world: amiWorld(),
    timeScale: 1,
    controlListen: null,
    logger: (msg, fields) => {
      if (said++ < 20) process.stderr.write(`switch-sim: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
    },
  });
  exitWithParent();
  process.stdout.write(`ami ${sim.offices[0]!.ami}\n`);
}

/** Replays the recorded events (a file of AMI messages) to every logged-in connection, as fast as it reads them. */
async function peerReplay(file: string): Promise<void> {
  const recording = readFileSync(file);
  // 64 KiB writes, each ending at a message boundary, so a response can go out between two.
  const chunks: Buffer[] = [];
  let from = 0;
  while (from < recording.length) {
    let end = Math.min(recording.length, from + REPLAY_CHUNK);
    if (end < recording.length) {
      const boundary = recording.lastIndexOf('\r\n\r\n', end - 4);
      end = boundary > from ? boundary + 4 : recording.indexOf('\r\n\r\n', end) + 4;
    }
    chunks.push(recording.subarray(from, end));
    from = end;
  }
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    const decoder = new AmiDecoder();
    let streaming = false;
    let next = 0;
    const pump = (): void => {
      while (!socket.destroyed) {
        const ok = socket.write(chunks[next]!);
        next = next + 1 === chunks.length ? 0 : next + 1;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    const answer = (fields: Record<string, string | number>): void => void socket.write(encodeAmi(fields));
    socket.on('data', (chunk: Buffer) => {
      let messages: AmiMessage[];
      try {
        messages = decoder.push(chunk).messages;
      } catch {
        socket.destroy();
        return;
      }
      for (const action of messages) {
        const id = action.get('ActionID') ?? '';
        switch (action.get('Action')?.toLowerCase()) {
          case 'login':
            answer({ Response: 'Success', ActionID: id, Message: 'Authentication accepted' });
            answer({ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' });
            if (!streaming) {
              streaming = true;
              setImmediate(pump);
            }
            break;
          case 'logoff':
            answer({ Response: 'Goodbye', ActionID: id, Message: 'Thanks for all the fish.' });
            socket.end();
            break;
          case 'ping':
            answer({ Response: 'Success', ActionID: id, Ping: 'Pong', Timestamp: (Date.now() / 1000).toFixed(6) });
            break;
          case 'devicestatelist': {
            answer({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'Device State Changes will follow' });
            for (let i = 0; i < STATIONS; i++) answer({ Event: 'DeviceStateChange', ActionID: id, Device: `PJSIP/${FIRST_STATION + i}`, State: 'NOT_INUSE' });
            answer({ Event: 'DeviceStateListComplete', ActionID: id, EventList: 'Complete', ListItems: STATIONS });
            break;
          }
          case 'extensionstate':
            answer({ Response: 'Success', ActionID: id, Message: 'Extension Status', Exten: action.get('Exten') ?? '', Context: CONTEXT, Status: 0, StatusText: 'Idle' });
            break;
          case 'originate':
            answer({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' });
            break;
          default:
            answer({ Response: 'Success', ActionID: id });
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('replay: no address');
  exitWithParent();
  process.stdout.write(`ami 127.0.0.1:${address.port}\n`);
}

interface Peer {
  name: string;
  child: ChildProcess;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

async function spawnPeer(name: string, args: string[], profileDir: string | undefined): Promise<Peer> {
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=ami-peer-${name}-${process.pid}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...prof, fileURLToPath(import.meta.url), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not say it was ready within 30 s: ${lines.join(' | ')}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready: ${lines.join(' | ')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = /^ami (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const at = address.lastIndexOf(':');
  return {
    name,
    child,
    host: address.slice(0, at),
    port: Number(address.slice(at + 1)),
    // The child exits by itself when its stdin ends (process.exit, so a --cpu-prof profile is written).
    stop: () => stopChild(child, () => child.stdin!.end()),
  };
}

/** CPU seconds (user + system) a child has used, from /proc (clock ticks of 10 ms). */
function childCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- helpers

/** `PJSIP/2001-0000002a` -> `2001`. */
function extOf(channel: string): string {
  return channel.slice(channel.indexOf('/') + 1, channel.lastIndexOf('-'));
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Worker w's k-th call: its own pairs in turn. */
function pairOf(worker: number, inFlight: number, k: number): { first: string; second: string } {
  const perWorker = Math.floor(PAIRS / inFlight);
  const p = worker + inFlight * (k % perWorker);
  return { first: String(FIRST_STATION + 2 * p), second: String(FIRST_STATION + 2 * p + 1) };
}

// ---------------------------------------------------------------- callers (phase 1)

interface Caller {
  /** Events received (this side's count, for events/s during setups). */
  readonly events: number;
  /** One call: set up, then hung up; resolves with the setup latency (ms). */
  cycle(first: string, second: string): Promise<number>;
  close(): Promise<void>;
}

type Waiter = { resolve: (channel: string) => void; reject: (err: Error) => void };

/** A raw AMI client: the codec, a socket, and the least bookkeeping that can run calls. */
class RawCaller implements Caller {
  events = 0;
  private readonly decoder = new AmiDecoder({ banner: true });
  /** By the first party's extension: waiting for the second leg's DialEnd ANSWER. */
  private readonly answered = new Map<string, Waiter>();
  private readonly responses = new Map<string, { resolve: (m: AmiMessage) => void; reject: (err: Error) => void }>();
  private seq = 0;
  private banner!: () => void;
  private readonly bannerSeen = new Promise<void>((resolve) => (this.banner = resolve));
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly record?: (m: AmiMessage) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the peer closed the connection')));
  }

  /** Connects and logs in; `record` sees every event (the capture session drives no calls). */
  static async open(peer: Peer, record?: (m: AmiMessage) => void): Promise<RawCaller> {
    const c = new RawCaller(await connectTo(peer.host, peer.port), record);
    await within(c.bannerSeen, 10_000, 'the AMI banner');
    const r = await c.action({ Action: 'Login', Username: USER, Secret: SECRET, Events: 'on' });
    if (r.get('Response') !== 'Success') throw new Error(`login refused: ${r.get('Message')}`);
    return c;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.answered.values()) w.reject(err);
    for (const w of this.responses.values()) w.reject(err);
    this.answered.clear();
    this.responses.clear();
  }

  private onData(chunk: Buffer): void {
    let out;
    try {
      out = this.decoder.push(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (out.banner !== undefined) this.banner();
    for (const m of out.messages) this.onMessage(m);
  }

  private onMessage(m: AmiMessage): void {
    const type = m.type;
    if (type === 'response') {
      const id = m.get('ActionID');
      const w = id === undefined ? undefined : this.responses.get(id);
      if (w) {
        this.responses.delete(id!);
        if (m.get('Response') === 'Error') w.reject(new Error(`refused: ${m.get('Message')}`));
        else w.resolve(m);
      }
      return;
    }
    if (type !== 'event') return;
    this.events++;
    this.record?.(m);
    const name = m.get('Event');
    if (name === 'DialEnd') {
      const channel = m.get('Channel');
      if (channel === undefined) return; // the first leg's own dial
      const w = this.answered.get(extOf(channel));
      if (!w) return;
      this.answered.delete(extOf(channel));
      const status = m.get('DialStatus');
      if (status === 'ANSWER') w.resolve(channel);
      else w.reject(new Error(`${channel}: DialEnd ${status}`));
    } else if (name === 'OriginateResponse' && m.get('Response') !== 'Success') {
      const channel = m.get('Channel') ?? '';
      this.answered.get(extOf(channel))?.reject(new Error(`${channel}: OriginateResponse ${m.get('Response')} reason ${m.get('Reason')}`));
    }
  }

  action(fields: Record<string, string | number>): Promise<AmiMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const id = `raw-${++this.seq}`;
    return new Promise((resolve, reject) => {
      this.responses.set(id, { resolve, reject });
      this.socket.write(encodeAmi({ ...fields, ActionID: id }));
    });
  }

  async cycle(first: string, second: string): Promise<number> {
    const t0 = performance.now();
    const answered = new Promise<string>((resolve, reject) => this.answered.set(first, { resolve, reject }));
    const originated = this.action({ Action: 'Originate', Channel: `PJSIP/${first}`, Context: CONTEXT, Exten: second, Priority: 1, Async: 'true' });
    originated.catch((err: Error) => this.answered.get(first)?.reject(err));
    const channel = await answered;
    const latency = performance.now() - t0;
    await originated;
    await this.action({ Action: 'Hangup', Channel: channel });
    return latency;
  }

  close(): Promise<void> {
    this.fail(new Error('closed'));
    if (this.socket.destroyed) return Promise.resolve();
    const closed = once(this.socket, 'close').then(() => undefined);
    this.socket.end(encodeAmi({ Action: 'Logoff', ActionID: 'bye' }));
    setTimeout(() => this.socket.destroy(), 2_000).unref();
    return closed;
  }
}

/** ctid's AMI adapter: AmiLink + AmiSwitch, as daemon.ts opens them (endpoint PJSIP/{ext}, context internal). */
class AdapterCaller implements Caller {
  events = 0;
  lineChanges = 0;
  /** The first leg's channel by extension, from the second leg's DialEnd (the bench's own listener: what it needs to hang up). */
  private readonly channels = new Map<string, string>();

  private constructor(
    readonly link: AmiLink,
    readonly sw: AmiSwitch,
  ) {}

  /** `watch`: extensions whose lines it follows; `calls`: it places calls (and the bench tracks channels to hang them up). */
  static async open(peer: Peer, watch: readonly string[], calls: boolean): Promise<AdapterCaller> {
    const logged: string[] = [];
    const link = new AmiLink({
      host: peer.host,
      port: peer.port,
      user: USER,
      secret: SECRET,
      requestTimeoutMs: 30_000,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      logger: (event, fields) => void (logged.length < 20 && logged.push(`${event} ${JSON.stringify(fields ?? {})}`)),
    });
    const sw = new AmiSwitch(link, new Endpoints('PJSIP/{ext}', CONTEXT), (event, fields) => void (logged.length < 20 && logged.push(`${event} ${JSON.stringify(fields ?? {})}`)));
    const c = new AdapterCaller(link, sw);
    for (const ext of watch) sw.watchLine(ext, () => c.lineChanges++);
    if (calls) {
      link.on('event', (e) => {
        c.events++;
        if (e.get('Event') === 'DialEnd' && e.get('DialStatus') === 'ANSWER') {
          const channel = e.get('Channel');
          if (channel !== undefined) c.channels.set(extOf(channel), channel);
        }
      });
    } else link.on('event', () => void c.events++);
    const up = once(link, 'up');
    link.start();
    await within(up, 10_000, `the adapter's login (${logged.join(' | ')})`);
    return c;
  }

  async cycle(first: string, second: string): Promise<number> {
    const t0 = performance.now();
    const outcome = await this.sw.placeCall({ first, second, destination: 'second' });
    const latency = performance.now() - t0;
    if (!outcome.ok) throw new Error(`placeCall ${first} -> ${second}: ${outcome.reason} (${outcome.detail})`);
    const channel = this.channels.get(first);
    if (channel === undefined) throw new Error(`no channel of ${first} seen`);
    this.channels.delete(first);
    await this.link.action({ Action: 'Hangup', Channel: channel });
    return latency;
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

interface SetupSample {
  kind: 'raw' | 'adapter';
  setups: number;
  seconds: number;
  /** This process's CPU ms, the peer's CPU s, over the window. */
  cpuMs: number;
  peerCpuS: number;
  events: number;
  latencies: number[];
}

/** Runs the workers for RAMP_MS, then measures for `ms`. */
async function runSetups(caller: Caller, kind: SetupSample['kind'], peer: Peer, inFlight: number, ms: number): Promise<SetupSample> {
  let stop = false;
  let measuring = false;
  let setups = 0;
  const latencies: number[] = [];
  const worker = async (w: number): Promise<void> => {
    for (let k = 0; !stop; k++) {
      const { first, second } = pairOf(w, inFlight, k);
      const latency = await caller.cycle(first, second);
      if (measuring) {
        setups++;
        latencies.push(latency);
      }
    }
  };
  const running = Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
  running.catch(() => (stop = true));
  const pause = (t: number) => Promise.race([sleep(t), running]);
  await pause(RAMP_MS);
  measuring = true;
  const events0 = caller.events;
  const peer0 = childCpu(peer.child.pid!);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pause(ms);
  measuring = false;
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const peerCpuS = childCpu(peer.child.pid!) - peer0;
  const events = caller.events - events0;
  stop = true;
  await within(running, STUCK_MS, `${kind} workers`);
  return { kind, setups, seconds: (t1 - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000, peerCpuS, events, latencies };
}

async function openCaller(kind: SetupSample['kind'], peer: Peer): Promise<Caller> {
  return kind === 'raw' ? RawCaller.open(peer) : AdapterCaller.open(peer, [], true);
}

/** Phase 1. Returns the recording of real events made during the adapter's warm-up. */
async function measureSetups(sim: Peer, opts: Options): Promise<AmiMessage[]> {
  console.log(
    `\nsetups: ${opts.inFlight} calls in flight, each worker on its own pairs of auto-answering extensions (${STATIONS} stations, autoAnswerRings 0); ` +
      `${opts.rounds} rounds of raw and adapter (order rotating), ${opts.phaseMs / 1000} s measured each, a fresh manager session per round`,
  );
  const recording: AmiMessage[] = [];
  // Warm-up (JIT, the simulator's tables), unmeasured; a capture session records the adapter's events meanwhile.
  for (const kind of opts.wants('setups') ? (['raw', 'adapter'] as const) : (['adapter'] as const)) {
    const capture = kind === 'adapter' ? await RawCaller.open(sim, (m) => recording.length < RECORD_MAX && m.get('Event') !== 'FullyBooted' && recording.push(m)) : undefined;
    const caller = await openCaller(kind, sim);
    await runSetups(caller, kind, sim, opts.inFlight, opts.warmupMs);
    await caller.close();
    await capture?.close();
  }
  if (!opts.wants('setups')) return recording;

  const samples: SetupSample[] = [];
  const roundRatios: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const order = r % 2 === 0 ? (['raw', 'adapter'] as const) : (['adapter', 'raw'] as const);
    const parts: string[] = [];
    const rate: Record<string, number> = {};
    for (const kind of order) {
      const caller = await openCaller(kind, sim);
      const s = await runSetups(caller, kind, sim, opts.inFlight, opts.phaseMs);
      await caller.close();
      samples.push(s);
      rate[kind] = s.setups / s.seconds;
      parts.push(`${kind} ${fmt(s.setups / s.seconds)}/s`);
    }
    roundRatios.push(rate.adapter! / rate.raw!);
    console.log(`  round ${r + 1}/${opts.rounds} (${loadLine()}): ${parts.join(', ')}; adapter / raw ${(rate.adapter! / rate.raw!).toFixed(3)}`);
  }

  const widths = [9, 10, 15, 17, 14, 15, 8, 12, 11];
  const row = (cells: string[]) => console.log(`  ${cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('')}`);
  console.log(`\n  call setups (Originate -> the second leg answered), then hung up; medians of ${opts.rounds} rounds`);
  row(['client', 'setups/s', 'range', 'p50 / p99', 'CPU us/setup', 'peer us/setup', 'cores', 'peer cores', 'events/s']);
  const summary = new Map<string, { rate: number; cpu: number; p50: number; p99: number }>();
  for (const kind of ['raw', 'adapter'] as const) {
    const mine = samples.filter((s) => s.kind === kind);
    const rates = mine.map((s) => s.setups / s.seconds);
    const lat = mine.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const cpu = median(mine.map((s) => (s.cpuMs * 1000) / s.setups));
    summary.set(kind, { rate: median(rates), cpu, p50: percentile(lat, 50), p99: percentile(lat, 99) });
    row([
      kind,
      fmt(median(rates)),
      `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`,
      `${percentile(lat, 50).toFixed(1)} / ${percentile(lat, 99).toFixed(1)} ms`,
      fmt(cpu),
      fmt(median(mine.map((s) => (s.peerCpuS * 1e6) / s.setups))),
      median(mine.map((s) => s.cpuMs / 1000 / s.seconds)).toFixed(2),
      median(mine.map((s) => s.peerCpuS / s.seconds)).toFixed(2),
      fmt(median(mine.map((s) => s.events / s.seconds))),
    ]);
  }
  const raw = summary.get('raw')!;
  const adapter = summary.get('adapter')!;
  const evPerSetup = median(samples.map((s) => s.events / s.setups));
  console.log(
    `  adapter / raw: ${(adapter.rate / raw.rate).toFixed(3)} (setups/s; median of the rounds' own ratios ${median(roundRatios).toFixed(3)}); CPU per setup in this process ${(adapter.cpu / raw.cpu).toFixed(2)}x the raw client's; ` +
      `p50 latency ${(adapter.p50 / raw.p50).toFixed(2)}x; ${evPerSetup.toFixed(1)} events per call (setup and hangup)`,
  );
  console.log(
    '  (cores: this process\'s CPU over wall time; peer cores: the simulator\'s, from /proc, 10 ms ticks. events/s: what the client took from the live simulator, which is its production rate)',
  );
  return recording;
}

// ---------------------------------------------------------------- readers (phase 2)

type ReaderKind = 'socket' | 'decoder' | 'adapter' | '+calls';
const READERS: readonly ReaderKind[] = ['socket', 'decoder', 'adapter', '+calls'];

interface ReadSample {
  kind: ReaderKind;
  events: number;
  seconds: number;
  cpuMs: number;
  lineChanges: number;
}

interface Reader {
  /** Events taken so far (socket: bytes / the recording's bytes per event). */
  count(): number;
  lineChanges(): number;
  close(): Promise<void>;
}

async function openReader(kind: ReaderKind, peer: Peer, bytesPerEvent: number, inFlight: number): Promise<Reader> {
  if (kind === 'socket' || kind === 'decoder') {
    const socket = await connectTo(peer.host, peer.port);
    let bytes = 0;
    let messages = 0;
    const decoder = new AmiDecoder({ banner: true });
    socket.on('error', () => {});
    if (kind === 'socket') socket.on('data', (chunk: Buffer) => void (bytes += chunk.length));
    else socket.on('data', (chunk: Buffer) => void (messages += decoder.push(chunk).messages.length));
    socket.write(encodeAmi({ Action: 'Login', ActionID: 'login', Username: USER, Secret: SECRET, Events: 'on' }));
    return {
      count: () => (kind === 'socket' ? bytes / bytesPerEvent : messages),
      lineChanges: () => 0,
      close: () => {
        const closed = once(socket, 'close').then(() => undefined);
        socket.destroy();
        return closed;
      },
    };
  }
  const watch = Array.from({ length: STATIONS }, (_, i) => String(FIRST_STATION + i));
  const c = await AdapterCaller.open(peer, watch, false);
  const calls =
    kind === '+calls'
      ? Array.from({ length: inFlight }, (_, i) => c.sw.placeCall({ first: String(IDLE_FIRST + 2 * i), second: String(IDLE_FIRST + 2 * i + 1), destination: 'second' }))
      : [];
  return {
    count: () => c.events,
    lineChanges: () => c.lineChanges,
    close: async () => {
      await c.close();
      const outcomes = await Promise.all(calls);
      const settledOk = outcomes.filter((o) => o.ok).length;
      if (settledOk > 0) throw new Error(`${settledOk} of the pending calls settled ok: the recording names their extensions`);
    },
  };
}

async function read(kind: ReaderKind, peer: Peer, bytesPerEvent: number, inFlight: number, ms: number): Promise<ReadSample> {
  const reader = await openReader(kind, peer, bytesPerEvent, inFlight);
  try {
    await sleep(RAMP_MS);
    const n0 = reader.count();
    const l0 = reader.lineChanges();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(ms);
    const n1 = reader.count();
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (n1 === n0) throw new Error(`${kind}: no events in ${ms} ms`);
    return { kind, events: n1 - n0, seconds: (t1 - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000, lineChanges: reader.lineChanges() - l0 };
  } finally {
    await reader.close();
  }
}

async function measureEvents(recording: AmiMessage[], opts: Options, dir: string): Promise<void> {
  // OriginateResponse carries the ActionID of whoever placed the call: make it one no reader uses.
  const replayed = recording.map((m) => (m.get('ActionID') === undefined ? m : new AmiMessage(m.fields.map(([k, v]) => (k.toLowerCase() === 'actionid' ? [k, `rec-${v}`] : [k, v])))));
  const bytes = Buffer.concat(replayed.map((m) => encodeAmi(m)));
  const file = join(dir, 'events.ami');
  writeFileSync(file, bytes);
  const bytesPerEvent = bytes.length / replayed.length;
  const mix = new Map<string, number>();
  for (const m of replayed) mix.set(m.get('Event') ?? '?', (mix.get(m.get('Event') ?? '?') ?? 0) + 1);
  console.log(
    `\nevents: a replay server (child process) writes ${fmt(replayed.length)} real events recorded from the simulator's AMI face during the setups warm-up ` +
      `(${fmt(bytes.length / 1024)} KiB, ${bytesPerEvent.toFixed(0)} bytes per event) over and over, as fast as the reader takes them; ` +
      `${opts.rounds} rounds of ${opts.readers.join(', ')} (order rotating), ${opts.phaseMs / 1000} s each`,
  );
  console.log(
    `  the recording: ${[...mix]
      .sort((a, b) => b[1] - a[1])
      .map(([e, n]) => `${e} ${((100 * n) / replayed.length).toFixed(0)}%`)
      .join(', ')}`,
  );
  const peer = await spawnPeer('replay', ['--peer', 'replay', file], opts.peerProfile);
  try {
    const readers = opts.readers;
    for (const kind of readers) await read(kind, peer, bytesPerEvent, opts.inFlight, opts.warmupMs / 2); // warm-up
    const samples: ReadSample[] = [];
    const roundRatios = new Map<'adapter' | '+calls', number[]>([
      ['adapter', []],
      ['+calls', []],
    ]);
    for (let r = 0; r < opts.rounds; r++) {
      const parts: string[] = [];
      const rate = new Map<ReaderKind, number>();
      for (let k = 0; k < readers.length; k++) {
        const kind = readers[(k + r) % readers.length]!;
        const s = await read(kind, peer, bytesPerEvent, opts.inFlight, opts.phaseMs);
        samples.push(s);
        rate.set(kind, s.events / s.seconds);
        parts.push(`${kind} ${fmt(s.events / s.seconds)}/s`);
      }
      const dec = rate.get('decoder');
      const ratios = dec === undefined ? [] : (['adapter', '+calls'] as const).flatMap((k) => (rate.has(k) ? [`${k} / decoder ${(rate.get(k)! / dec).toFixed(3)}`] : []));
      if (dec !== undefined) for (const k of ['adapter', '+calls'] as const) if (rate.has(k)) roundRatios.get(k)!.push(rate.get(k)! / dec);
      console.log(`  round ${r + 1}/${opts.rounds} (${loadLine()}): ${parts.join(', ')}${ratios.length ? `; ${ratios.join(', ')}` : ''}`);
    }
    const widths = [9, 12, 23, 12, 11, 8, 16];
    const row = (cells: string[]) => console.log(`  ${cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('')}`);
    console.log(`\n  events taken per second; medians of ${opts.rounds} rounds`);
    row(['reader', 'events/s', 'range', 'per CPU-s', 'CPU ns/ev', 'cores', 'line changes/s']);
    const summary = new Map<ReaderKind, { rate: number; perCpu: number }>();
    for (const kind of readers) {
      const mine = samples.filter((s) => s.kind === kind);
      const rates = mine.map((s) => s.events / s.seconds);
      const perCpu = median(mine.map((s) => (s.events * 1000) / s.cpuMs));
      summary.set(kind, { rate: median(rates), perCpu });
      row([
        kind,
        fmt(median(rates)),
        `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`,
        fmt(perCpu),
        fmt(1e9 / perCpu),
        median(mine.map((s) => s.cpuMs / 1000 / s.seconds)).toFixed(2),
        kind === 'adapter' || kind === '+calls' ? fmt(median(mine.map((s) => s.lineChanges / s.seconds))) : '-',
      ]);
    }
    const dec = summary.get('decoder');
    const ad = summary.get('adapter');
    const calls = summary.get('+calls');
    const sock = summary.get('socket');
    if (!dec || !ad || !calls || !sock) return; // --readers: a subset, no ratios
    console.log(
      `  adapter / decoder: ${(ad.rate / dec.rate).toFixed(3)} (events/s; median of the rounds' own ratios ${median(roundRatios.get('adapter')!).toFixed(3)}), ${(ad.perCpu / dec.perCpu).toFixed(3)} per CPU-s; ` +
        `with ${opts.inFlight} calls in flight: ${(calls.rate / dec.rate).toFixed(3)} (rounds ${median(roundRatios.get('+calls')!).toFixed(3)}; ${(calls.perCpu / dec.perCpu).toFixed(3)} per CPU-s)`,
    );
    console.log(
      `  decoder / socket: ${(dec.rate / sock.rate).toFixed(3)}; CPU per event: decoder ${fmt(1e9 / dec.perCpu)} ns, the adapter adds ${fmt(1e9 / ad.perCpu - 1e9 / dec.perCpu)} ns, ` +
        `each pending call ${fmt((1e9 / calls.perCpu - 1e9 / ad.perCpu) / opts.inFlight)} ns more`,
    );
  } finally {
    await peer.stop();
  }
}

// ---------------------------------------------------------------- main

interface Options {
  inFlight: number;
  phaseMs: number;
  warmupMs: number;
  rounds: number;
  readers: readonly ReaderKind[];
  wants(phase: 'setups' | 'events'): boolean;
  peerProfile: string | undefined;
}

function options(): Options {
  const small = process.env.AMI_SMALL === '1' || process.argv.includes('--small');
  const at = process.argv.indexOf('--only');
  const only = at === -1 ? undefined : process.argv[at + 1];
  if (only !== undefined && only !== 'setups' && only !== 'events') throw new RangeError(`--only must be setups or events, got ${JSON.stringify(only)}`);
  const pat = process.argv.indexOf('--peer-profile');
  const inFlight = numberArg('in-flight', 32, 1, PAIRS);
  const rat = process.argv.indexOf('--readers');
  const readers = rat === -1 ? READERS : (process.argv[rat + 1] ?? '').split(',');
  for (const r of readers) if (!READERS.includes(r as ReaderKind)) throw new RangeError(`--readers: a list of ${READERS.join(', ')}, got ${JSON.stringify(r)}`);
  return {
    inFlight,
    phaseMs: numberArg('seconds', small ? 0.75 : 2, 0.2, 30) * 1000,
    warmupMs: small ? 800 : 2000,
    rounds: numberArg('rounds', small ? 2 : 3, 1, 20),
    readers: readers as ReaderKind[],
    wants: (phase) => only === undefined || only === phase,
    peerProfile: pat === -1 ? undefined : process.argv[pat + 1],
  };
}

export async function main(): Promise<void> {
  const opts = options();
  console.log(`AMI adapter benchmark (issue 10): ${machineLine()}`);
  console.log(
    `  peers in child processes (the simulator's AMI face: startSimulator, timeScale 1; a replay server for events); the adapter (AmiLink + AmiSwitch) and the raw clients in this one`,
  );
  const safety = setTimeout(() => {
    console.error('ami: still running after 170 s: giving up');
    killChildren();
    process.exit(1);
  }, 170_000);
  safety.unref();
  const dir = mkdtempSync(join(tmpdir(), 'ami-bench-'));
  process.once('SIGTERM', () => {
    killChildren();
    rmSync(dir, { recursive: true, force: true });
    process.exit(143);
  });
  const t0 = performance.now();
  const sim = await spawnPeer('sim', ['--peer', 'sim'], opts.peerProfile);
  try {
    const recording = await measureSetups(sim, opts);
    await sim.stop();
    if (opts.wants('events')) await measureEvents(recording, opts, dir);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
    if (opts.peerProfile) console.log(`  the peers' CPU profiles: ${opts.peerProfile}`);
  }
  console.log(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s (${loadLine()})`);
}

if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--peer');
  const peer = at === -1 ? undefined : process.argv[at + 1];
  const run = peer === 'sim' ? peerSim() : peer === 'replay' ? peerReplay(process.argv[at + 2]!) : main();
  run.catch((err: unknown) => {
    console.error(`ami bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killChildren();
    process.exit(1);
  });
}
