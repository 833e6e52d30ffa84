// Issue 8, Benchmark: requests by mail. Mails per second that ctid accepts
// (250 after DATA) from 64 concurrent SMTP clients, against a plain
// smtp-server sink measured in the same run; and, for on-receipt mail, the
// time from the end of DATA to the MakeCall at the switch.
//
// Servers, each in its own process (the clients run in this one, so neither
// server shares its thread with them):
//   ctid   bin/ctid.js as a child, as an office runs it: the embedded
//          switch-sim, the file stores in a temp dir, pino at info into a
//          file; `mail` {domain a.example, smtp 127.0.0.1:0}; the pending
//          request limits raised (limits.perRequester, perDestination,
//          total) so nothing is refused with `limit`.
//   sink   this script with --sink: smtp-server configured as ctid's is
//          (AUTH PLAIN allowed in the clear on loopback, no STARTTLS, the
//          same size and client limits) that accepts any login, reads DATA to
//          its end and answers 250, doing nothing else.
//
// Client: a raw-socket SMTP client here (no library), one command at a time:
// EHLO, AUTH PLAIN (a user's name and token), then per mail MAIL FROM, RCPT
// TO, DATA, the text, `.`, and RSET before the next; QUIT at the end.
//
// Latency (`--only latency`): one mail at a time, from user `lat` (extension
// 2000) to an idle extension (2001-2009 in turn, set to answer by
// themselves): `CTI-Destination: 20xx`, `CTI-Trigger: on-receipt`. t0 is
// when the client writes the final `.`; the MakeCall's time is the switch's
// own, from the simulator's request log (the control API's /log, as
// `switch-sim log --json` shows it: epoch ms, so +-0.5 ms). Once the
// destination answered (and 2000 rings), the destination hangs up through
// the control API, the request fails (2000 did not answer), and the next
// mail waits until both lines are idle and the failed request's completion
// mail is in lat's mailbox: each sample starts on a quiet ctid.
//
// Rate (`--only rate`): 64 clients, each with its own connection, send N
// mails each; mails/s = 250s after DATA / time from the start to the last
// 250. Rounds alternate sink and ctid (the order rotating), medians are
// compared, because the machine is small and shared. For ctid, every mail
// is on-receipt (`CTI-Monitor: 1s`) to one of 2002-2009, which are busy
// (in calls with each other): the request is stored, its MakeCall refused
// as busy, it camps on, its window ends after 1 s and its completion mail is
// written to the sender's mailbox. Clients log in as u0..u7 (8 users, 8
// clients each) and mail themselves. The figures count what happens before
// the 250 (wall and CPU time of the server's process); the rest of the
// request's life (camp-on, completion mail) runs in the same process and
// competes with it, and "drained" says when the last completion mail of a
// round was written.
//
// Usage: node dist/bench/mail-intake.js [--clients N, default 64] [--mails N per client per round, default 40]
//          [--sink-mails N per client per sink round, default 4 x --mails: the sink is that much faster, and
//          its rounds should not be over in a second] [--rounds N, default 4] [--samples N latency samples, default 200] [--only latency|rate]
//          [--profile DIR] (ctid runs with --cpu-prof into DIR; the profile is written when it stops)
//   MAIL_INTAKE_SMALL=1 (or --small): 16 clients x 10 mails, 2 rounds, 30 samples (a quick look, ~10-15 s)

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SMTPServerDataStream } from 'smtp-server';
import { ControlClient } from '../src/switch-sim/control-client.js';
import type { LogEntry } from '../src/switch-sim/control.js';
import { cpuSeconds, fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft, percentile, stopChild } from './common.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOMAIN = 'a.example';
const TOKEN = (name: string) => `bench-mail-intake-${name}-0123456789`;
/** The latency sampler's user and extension (it rings when a destination answers). */
const LAT_USER = 'lat';
const LAT_SOURCE = '2000';
/** Idle destinations of the latency samples, in turn; they answer by themselves. */
const LAT_DESTS = ['2001', '2002', '2003', '2004', '2005', '2006', '2007', '2008', '2009'];
/** The rate phase's users (clients log in as u{i % 8}) and their extension (never rung). */
const RATE_USERS = Array.from({ length: 8 }, (_, i) => `u${i}`);
const RATE_SOURCE = '2001';
/** Busy during the rate phase: each pair talks. Every line of them is a destination. */
const BUSY_PAIRS: [string, string][] = [
  ['2002', '2003'],
  ['2004', '2005'],
  ['2006', '2007'],
  ['2008', '2009'],
];
const RATE_DESTS = BUSY_PAIRS.flat();
const RATE_WINDOW = '1s';
/** smtp-server's default, and ctid's `mail.maxSize` default. */
const MAX_SIZE = 10 * 1024 * 1024;
const SAMPLE_TIMEOUT_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Wall-clock epoch ms with a fraction, to set against the switch's log times
 * (Date.now() in another process): performance.now() from a point where
 * Date.now() ticked over, so the two clocks agree to a few us however long
 * the process has run. calibrateEpoch() (a busy wait of up to 1 ms) moves
 * that point to now.
 */
let epochAt = { perf: performance.now(), epoch: Date.now() };
function calibrateEpoch(): void {
  const before = Date.now();
  let now = before;
  while (now === before) now = Date.now();
  epochAt = { perf: performance.now(), epoch: now };
}
const epochNow = (): number => epochAt.epoch + (performance.now() - epochAt.perf);

// ---------------------------------------------------------------- the sink (child process)

async function sinkMain(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    name: DOMAIN,
    banner: 'sink',
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_SIZE,
    maxClients: 64,
    socketTimeout: 60_000,
    logger: false,
    onAuth(auth, _session, done) {
      done(null, { user: auth.username });
    },
    onData(stream: SMTPServerDataStream, _session, done) {
      stream.on('end', () => done(null, '2.0.0 ok'));
      stream.resume();
    },
  });
  server.on('error', (err) => process.stderr.write(`sink: ${err.message}\n`));
  // The bench holds this pipe: when it ends (however it ends), so does the sink.
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('sink: no address');
  process.stdout.write(`sink 127.0.0.1:${address.port}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------- child processes

interface Server {
  name: 'ctid' | 'sink';
  child: ChildProcess;
  smtp: { host: string; port: number };
  /** The lines it printed on stdout. */
  lines: string[];
  stop(): Promise<void>;
}

function hostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** The servers this process started: killed if it has to give up. */
const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Spawns `args` and waits for the stdout line `ready` matches (its first group is the SMTP address). */
async function spawnServer(name: Server['name'], args: string[], env: NodeJS.ProcessEnv, stderrFd: number | 'inherit', ready: RegExp, smtpLine: RegExp): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: [name === 'sink' ? 'pipe' : 'ignore', 'pipe', stderrFd] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  const input = createInterface({ input: child.stdout! });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not say it was ready within 30 s: ${lines.join(' | ')}`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready: ${lines.join(' | ')}`)));
      input.on('line', (line) => {
        lines.push(line);
        if (ready.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const smtp = lines.map((l) => smtpLine.exec(l)?.[1]).find((a) => a !== undefined);
  if (!smtp) throw new Error(`${name} printed no SMTP address: ${lines.join(' | ')}`);
  return {
    name,
    child,
    smtp: hostPort(smtp),
    lines,
    stop: () => stopChild(child, () => child.kill('SIGTERM')),
  };
}

interface Ctid extends Server {
  control: ControlClient;
  data: string;
  logFile: string;
}

async function startCtid(dir: string, profileDir: string | undefined): Promise<Ctid> {
  const config = join(dir, 'ctid.json');
  const user = (name: string, ext: string) => ({ name, token: TOKEN(name), extensions: [ext] });
  await writeFile(
    config,
    JSON.stringify(
      {
        office: 'a',
        listen: '127.0.0.1:0',
        switch: { url: 'embedded', control: '127.0.0.1:0' },
        users: [user(LAT_USER, LAT_SOURCE), ...RATE_USERS.map((u) => user(u, RATE_SOURCE)), { name: 'bench', token: TOKEN('bench'), admin: true }],
        limits: { perRequester: 1_000_000, perDestination: 1_000_000, total: 1_000_000 },
        mail: { domain: DOMAIN, smtp: '127.0.0.1:0' },
      },
      null,
      2,
    ),
  );
  const data = join(dir, 'data');
  const logFile = join(dir, 'ctid.log');
  const fd = openSync(logFile, 'w');
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  try {
    const server = await spawnServer(
      'ctid',
      [...prof, join(ROOT, 'bin/ctid.js'), '--config', config, '--data', data],
      { ...process.env, CTID_LOG: 'info', XDG_DATA_HOME: dir },
      fd,
      /^ctid a listening /,
      /^smtp (\S+)$/,
    );
    const control = server.lines.map((l) => /^control (\S+)$/.exec(l)?.[1]).find((a) => a !== undefined);
    if (!control) throw new Error(`ctid printed no control address: ${server.lines.join(' | ')}`);
    return { ...server, control: new ControlClient(control, 30_000), data, logFile };
  } finally {
    closeSync(fd);
  }
}

function startSink(): Promise<Server> {
  return spawnServer('sink', [fileURLToPath(import.meta.url), '--sink'], process.env, 'inherit', /^sink /, /^sink (\S+)$/);
}

/** CPU seconds (user + system) a child has used, from /proc (clock ticks of 10 ms). */
function childCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** A child's main thread: ns on a CPU, and ns runnable but waiting for one (/proc/PID/task/PID/schedstat). */
function mainThread(pid: number): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').trim().split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
}

// ---------------------------------------------------------------- a raw SMTP client

interface Reply {
  code: number;
  text: string;
}

class SmtpClient {
  private buffer = '';
  private lines: string[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private replies: Reply[] = [];
  private failure: Error | undefined;
  private closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    this.closed = new Promise((resolve) => socket.once('close', () => (this.fail(new Error('the server closed the connection')), resolve())));
  }

  /** Connects, reads the greeting, EHLO, AUTH PLAIN as `user`. */
  static async open(at: { host: string; port: number }, user: string): Promise<SmtpClient> {
    for (let attempt = 0; ; attempt++) {
      const socket = connect(at.port, at.host);
      const client = new SmtpClient(socket);
      const greeting = await client.next();
      if (greeting.code === 421 && attempt < 50) {
        // Too many connections: the previous round's are still closing on the server's side.
        socket.destroy();
        await sleep(20);
        continue;
      }
      client.expect(greeting, 220, 'greeting');
      client.expect(await client.command(`EHLO bench.${DOMAIN}`), 250, 'EHLO');
      const plain = Buffer.from(`\0${user}\0${TOKEN(user)}`).toString('base64');
      client.expect(await client.command(`AUTH PLAIN ${plain}`), 235, 'AUTH PLAIN');
      return client;
    }
  }

  command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`, 'latin1');
    return this.next();
  }

  /**
   * One mail: MAIL FROM, RCPT TO, DATA, the text and `.`. Resolves with the
   * reply to the text, and when the `.` was written and its reply read.
   */
  async mail(from: string, to: string, text: string): Promise<{ reply: Reply; dotAt: number; dotEpoch: number; repliedAt: number }> {
    const refused = (r: Reply) => ({ reply: r, dotAt: NaN, dotEpoch: NaN, repliedAt: NaN });
    const mailFrom = await this.command(`MAIL FROM:<${from}>`);
    if (mailFrom.code !== 250) return refused(mailFrom);
    const rcpt = await this.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return refused(rcpt);
    const data = await this.command('DATA');
    if (data.code !== 354) return refused(data);
    const dotEpoch = epochNow();
    const dotAt = performance.now();
    this.socket.write(`${text}\r\n.\r\n`, 'latin1');
    const reply = await this.next();
    return { reply, dotAt, dotEpoch, repliedAt: performance.now() };
  }

  async quit(): Promise<void> {
    if (!this.failure) {
      this.socket.write('QUIT\r\n');
      await this.next().catch(() => undefined);
    }
    this.socket.end();
    await this.closed;
  }

  expect(r: Reply, code: number, what: string): void {
    if (r.code !== code) throw new Error(`${what}: expected ${code}, got ${r.code} ${r.text}`);
  }

  private next(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      this.lines.push(line);
      if (line.length >= 4 && line[3] === '-') continue; // a multi-line reply goes on
      const reply = { code: Number(line.slice(0, 3)), text: this.lines.map((l) => l.slice(4)).join('\n') };
      this.lines = [];
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w.resolve(reply);
      else this.replies.push(reply);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

let mailSeq = 0;

/** A mail from `user` to themselves, carrying its request in the first lines of the text. */
function mailText(user: string, fields: string[]): string {
  const n = ++mailSeq;
  return [
    `From: ${user} <${user}@${DOMAIN}>`,
    `To: ${user}@${DOMAIN}`,
    `Subject: please call (${n})`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <bench-${process.pid}-${n}@${DOMAIN}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...fields,
    '',
    'Please call me back about the order; this mail was sent by bench/mail-intake.ts.',
  ].join('\r\n');
}

// ---------------------------------------------------------------- helpers

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = SAMPLE_TIMEOUT_MS, everyMs = 5): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function lineStates(control: ControlClient): Promise<Map<string, string>> {
  const status = await control.status();
  const a = status.offices.find((o) => o.id === 'a')!;
  return new Map(a.devices.map((d) => [d.id.slice(2), d.state]));
}

/** Mails in these users' mailboxes (completion mails: on-receipt mail itself is not stored). */
async function mailboxCount(data: string, users: readonly string[]): Promise<number> {
  let n = 0;
  for (const u of users) {
    try {
      n += (await readdir(join(data, 'mail', u))).filter((f) => f.endsWith('.eml')).length;
    } catch {
      // no mailbox yet
    }
  }
  return n;
}

interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function stats(values: number[]): Stats {
  const s = Float64Array.from(values).sort();
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** CSTA requests by type over a slice of the switch's log, per mail. */
function requestMix(entries: LogEntry[], mails: number): string {
  const byType = new Map<string, number>();
  for (const e of entries) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
  return (
    [...byType]
      .sort((x, y) => y[1] - x[1])
      .map(([t, n]) => `${t} ${(n / mails).toFixed(2)}`)
      .join(', ') || 'none'
  );
}

// ---------------------------------------------------------------- latency: DATA end -> MakeCall

interface LatencySample {
  dest: string;
  dotEpoch: number;
  toReply: number;
  /** The switch's log time of the MakeCall; found after the phase. */
  makeCallAt?: number;
}

async function measureLatency(ctid: Ctid, samples: number): Promise<void> {
  const { control } = ctid;
  for (const d of LAT_DESTS) await control.set('a', d, { answer: 'auto' });
  console.log(
    `\nlatency: ${samples} on-receipt mails, one at a time, from ${LAT_USER} (${LAT_SOURCE}) to an idle extension (${LAT_DESTS[0]}-${LAT_DESTS[LAT_DESTS.length - 1]} in turn, auto-answer); ` +
      'each call torn down and its completion mail written before the next',
  );
  const logBefore = (await control.log('a')).length;
  const client = await SmtpClient.open(ctid.smtp, LAT_USER);
  const all: LatencySample[] = [];
  const address = `${LAT_USER}@${DOMAIN}`;
  const warmup = Math.min(10, Math.ceil(samples / 10));
  const boxBefore = await mailboxCount(ctid.data, [LAT_USER]);
  try {
    for (let k = 0; k < warmup + samples; k++) {
      const dest = LAT_DESTS[k % LAT_DESTS.length]!;
      if (k > 0) await client.command('RSET');
      await until(`${dest} and ${LAT_SOURCE} to be idle`, () => lineStates(control), (s) => s.get(dest) === 'idle' && s.get(LAT_SOURCE) === 'idle');
      calibrateEpoch();
      const sent = await client.mail(address, address, mailText(LAT_USER, [`CTI-Destination: ${dest}`, 'CTI-Trigger: on-receipt', 'CTI-Monitor: 1m']));
      if (sent.reply.code !== 250) throw new Error(`latency mail to ${dest} refused: ${sent.reply.code} ${sent.reply.text}`);
      all.push({ dest, dotEpoch: sent.dotEpoch, toReply: sent.repliedAt - sent.dotAt });
      // The MakeCall goes out a few ms after the 250; look (control API) only after that, so as not to load ctid meanwhile.
      await sleep(25);
      await until(`${dest} to answer and ${LAT_SOURCE} to ring`, () => lineStates(control), (s) => s.get(dest) === 'busy' && s.get(LAT_SOURCE) === 'ringing');
      await control.hangup('a', dest);
      await until(`the completion mail of sample ${k + 1}`, () => mailboxCount(ctid.data, [LAT_USER]), (n) => n >= boxBefore + k + 1);
    }
  } finally {
    await client.quit();
  }
  // Each sample's MakeCall: the first one from its destination after the previous sample's.
  const log = (await control.log('a')).slice(logBefore);
  const makeCalls = log.filter((e) => e.type === 'MakeCall');
  let from = 0;
  for (const s of all) {
    const i = makeCalls.findIndex((e, j) => j >= from && (e.message as { callingDevice?: string }).callingDevice === s.dest);
    if (i < 0) continue;
    s.makeCallAt = Date.parse(makeCalls[i]!.at) + 0.5; // the log keeps whole ms: the middle of that ms
    from = i + 1;
  }
  const taken = all.slice(warmup);
  const found = taken.filter((s) => s.makeCallAt !== undefined);
  const toMake = found.map((s) => s.makeCallAt! - s.dotEpoch);
  const replyToMake = found.map((s) => s.makeCallAt! - s.dotEpoch - s.toReply);
  const widths = [34, 6, 8, 8, 8, 8, 8];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('');
  console.log(row(['ms', 'n', 'p50', 'p90', 'p99', 'max', 'mean']));
  const line = (name: string, v: number[]) => {
    const st = stats(v);
    console.log(row([name, String(st.n), ms(st.p50), ms(st.p90), ms(st.p99), ms(st.max), ms(st.mean)]));
  };
  line('DATA end -> 250', taken.map((s) => s.toReply));
  line('DATA end -> MakeCall at the switch', toMake);
  line('  of which 250 -> MakeCall', replyToMake);
  if (found.length < taken.length) console.log(`  (${taken.length - found.length} samples without a MakeCall in the switch's log)`);
  const since = (t: number) => log.filter((e) => Date.parse(e.at) >= Math.floor(t));
  const lastSample = since(taken[taken.length - 1]?.dotEpoch ?? 0).map((e) => e.type);
  console.log(`  CSTA requests at the switch per mail: ${requestMix(since(taken[0]?.dotEpoch ?? 0), taken.length)}; the last mail's, in order: ${lastSample.join(', ')}`);
}

// ---------------------------------------------------------------- rate: mails/s with N clients

interface RateRun {
  target: Server['name'];
  accepted: number;
  refused: number;
  firstRefusal?: string;
  seconds: number;
  /** The server process's CPU seconds from the start to the last 250. */
  cpu: number;
  /** This process's (the clients') CPU seconds over the same time. */
  clientCpu: number;
  /** The server's main (JS) thread over the same time: s on a CPU, s runnable but waiting for one. */
  mainRun: number;
  mainWait: number;
  toReply: number[];
  setupMs: number;
  /** ctid: from the last 250 until the last completion mail was written, and the CPU until then. */
  drainedS?: number;
  cpuToDrained?: number;
}

async function rateRun(server: Server, clients: number, mails: number, data?: string): Promise<RateRun> {
  const isCtid = server.name === 'ctid';
  const completionsBefore = isCtid ? await mailboxCount(data!, RATE_USERS) : 0;
  const t0setup = performance.now();
  const sessions = await Promise.all(Array.from({ length: clients }, (_, i) => SmtpClient.open(server.smtp, RATE_USERS[i % RATE_USERS.length]!)));
  const setupMs = performance.now() - t0setup;
  const toReply: number[] = [];
  let accepted = 0;
  let refused = 0;
  let firstRefusal: string | undefined;
  const cpu0 = childCpu(server.child.pid!);
  const main0 = mainThread(server.child.pid!);
  const client0 = process.cpuUsage();
  const start = performance.now();
  let last = start;
  await Promise.all(
    sessions.map(async (session, i) => {
      const user = RATE_USERS[i % RATE_USERS.length]!;
      const address = `${user}@${DOMAIN}`;
      for (let k = 0; k < mails; k++) {
        if (k > 0) await session.command('RSET');
        const dest = RATE_DESTS[(i + k) % RATE_DESTS.length]!;
        const sent = await session.mail(address, address, mailText(user, [`CTI-Destination: ${dest}`, 'CTI-Trigger: on-receipt', `CTI-Monitor: ${RATE_WINDOW}`]));
        if (sent.reply.code === 250) {
          accepted++;
          toReply.push(sent.repliedAt - sent.dotAt);
          last = Math.max(last, sent.repliedAt);
        } else {
          refused++;
          firstRefusal ??= `${sent.reply.code} ${sent.reply.text}`;
        }
      }
    }),
  );
  const cpu = childCpu(server.child.pid!) - cpu0;
  const main1 = mainThread(server.child.pid!);
  const clientCpu = cpuSeconds(client0);
  const seconds = (last - start) / 1000;
  await Promise.all(sessions.map((s) => s.quit()));
  const run: RateRun = {
    target: server.name,
    accepted,
    refused,
    ...(firstRefusal ? { firstRefusal } : {}),
    seconds,
    cpu,
    clientCpu,
    mainRun: (main1.runNs - main0.runNs) / 1e9,
    mainWait: (main1.waitNs - main0.waitNs) / 1e9,
    toReply,
    setupMs,
  };
  if (isCtid) {
    const want = completionsBefore + accepted;
    await until(`${accepted} completion mails`, () => mailboxCount(data!, RATE_USERS), (n) => n >= want, 120_000, 50);
    run.drainedS = (performance.now() - last) / 1000;
    run.cpuToDrained = childCpu(server.child.pid!) - cpu0;
  }
  return run;
}

async function measureRate(ctid: Ctid, sink: Server, clients: number, mails: number, sinkMails: number, rounds: number): Promise<void> {
  const { control } = ctid;
  for (const [x, y] of BUSY_PAIRS) {
    await control.dial('a', x, y);
    await control.answer('a', y).catch(() => undefined); // auto-answer may have been quicker
  }
  await until('the busy pairs to talk', () => lineStates(control), (s) => RATE_DESTS.every((d) => s.get(d) === 'busy'));
  console.log(
    `\nrate: ${clients} clients x ${mails} mails per round to ctid, x ${sinkMails} to the sink (one connection each, RSET between mails), ${rounds} rounds, sink and ctid alternating; ` +
      `ctid's mails: on-receipt to ${RATE_DESTS[0]}-${RATE_DESTS[RATE_DESTS.length - 1]} (busy), CTI-Monitor ${RATE_WINDOW}, from ${RATE_USERS.length} users`,
  );
  // Warm-up: one smaller round each (JIT, page cache, the camp-on path).
  await rateRun(sink, clients, Math.max(2, Math.ceil(sinkMails / 4)));
  await rateRun(ctid, clients, Math.max(2, Math.ceil(mails / 4)), ctid.data);
  const logBefore = (await control.log('a')).length;
  const runs: RateRun[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [sink, ctid] : [ctid, sink];
    const parts: string[] = [];
    for (const server of order) {
      const run = await rateRun(server, clients, server === ctid ? mails : sinkMails, server === ctid ? ctid.data : undefined);
      runs.push(run);
      parts.push(
        `${server.name} ${fmt(run.accepted / run.seconds)} mails/s` +
          (run.drainedS !== undefined ? ` (drained ${run.drainedS.toFixed(1)} s after the last 250)` : '') +
          (run.refused ? ` [${run.refused} refused: ${run.firstRefusal}]` : ''),
      );
    }
    console.log(`  round ${r + 1}/${rounds} (${loadLine()}): ${parts.join(', ')}`);
  }
  const log = (await control.log('a')).slice(logBefore);

  const widths = [8, 10, 15, 11, 12, 13, 28, 14];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('');
  console.log(`\nmails accepted (250 after DATA), ${clients} clients; medians of ${rounds} rounds`);
  console.log(row(['server', 'mails/s', 'range', 'per CPU-s', 'cores busy', 'CPU us/mail', 'DATA end -> 250 p50 / p99', 'client cores']));
  const summary = new Map<string, { rate: number; perCpu: number }>();
  for (const name of ['sink', 'ctid'] as const) {
    const mine = runs.filter((r) => r.target === name);
    const rates = mine.map((r) => r.accepted / r.seconds);
    const perCpu = mine.map((r) => r.accepted / r.cpu);
    const busy = mine.map((r) => r.cpu / r.seconds);
    const usPerMail = mine.map((r) => (r.cpu * 1e6) / r.accepted);
    const lat = stats(mine.flatMap((r) => r.toReply));
    const clientBusy = mine.map((r) => r.clientCpu / r.seconds);
    summary.set(name, { rate: median(rates), perCpu: median(perCpu) });
    console.log(
      row([
        name,
        fmt(median(rates)),
        `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`,
        fmt(median(perCpu)),
        median(busy).toFixed(2),
        fmt(median(usPerMail)),
        `${ms(lat.p50)} / ${ms(lat.p99)} ms`,
        median(clientBusy).toFixed(2),
      ]),
    );
  }
  for (const name of ['sink', 'ctid'] as const) {
    const mine = runs.filter((r) => r.target === name);
    const share = (f: (r: RateRun) => number) => `${(median(mine.map((r) => f(r) / r.seconds)) * 100).toFixed(0)}%`;
    console.log(
      `  ${name}'s JS thread, share of the wall time (medians): on a CPU ${share((r) => r.mainRun)}, runnable but waiting for a CPU ${share((r) => r.mainWait)}, ` +
        `neither (waiting for I/O or the clients) ${share((r) => r.seconds - r.mainRun - r.mainWait)}`,
    );
  }
  const s = summary.get('sink')!;
  const c = summary.get('ctid')!;
  console.log(`  ctid / sink: ${(c.rate / s.rate).toFixed(3)} (mails/s), ${(c.perCpu / s.perCpu).toFixed(3)} (per CPU-s of the server's process)`);
  const mine = runs.filter((r) => r.target === 'ctid');
  const accepted = mine.reduce((n, r) => n + r.accepted, 0);
  const withTail = median(mine.map((r) => (r.cpuToDrained! * 1e6) / r.accepted));
  console.log(
    `  ctid, the whole request (to its completion mail): ${fmt(withTail)} CPU us/mail; last completion mail ${median(mine.map((r) => r.drainedS!)).toFixed(1)} s after the last 250 (median; the window is ${RATE_WINDOW})`,
  );
  console.log(`  CSTA requests at the switch per mail: ${requestMix(log, accepted)}`);
  const refusals = runs.filter((r) => r.refused > 0);
  if (refusals.length) console.log(`  refused: ${refusals.map((r) => `${r.target} ${r.refused} (${r.firstRefusal})`).join('; ')}`);
  console.log(`  session setup (connect, EHLO, AUTH PLAIN for ${clients} clients at once), median ms: sink ${fmt(median(runs.filter((r) => r.target === 'sink').map((r) => r.setupMs)), 1)}, ctid ${fmt(median(mine.map((r) => r.setupMs)), 1)}`);
}

/** What ctid logged (pino JSON lines, `msg`), per event, over the whole run. */
function logSummary(file: string): string {
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const msg = (JSON.parse(line) as { msg?: string }).msg ?? '?';
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
    } catch {
      counts.set('(not JSON)', (counts.get('(not JSON)') ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  const small = process.env.MAIL_INTAKE_SMALL === '1' || process.argv.includes('--small');
  const clients = numberArg('clients', small ? 16 : 64, 1, 64);
  const mails = numberArg('mails', small ? 10 : 40, 1, 100_000);
  const sinkMails = numberArg('sink-mails', mails * 4, 1, 100_000);
  const rounds = numberArg('rounds', small ? 2 : 4, 1, 50);
  const samples = numberArg('samples', small ? 30 : 200, 1, 10_000);
  const at = process.argv.indexOf('--only');
  const only = at === -1 ? undefined : process.argv[at + 1];
  if (only !== undefined && only !== 'latency' && only !== 'rate') throw new RangeError('--only: latency or rate');
  const pat = process.argv.indexOf('--profile');
  const profileDir = pat === -1 ? undefined : process.argv[pat + 1];

  console.log(`mail-intake: ${machineLine()}`);
  console.log('ctid: bin/ctid.js (embedded switch-sim, file stores, pino at info into a file), mail a.example on 127.0.0.1; sink: smtp-server (AUTH PLAIN, reads DATA, 250); each in its own process, the clients in this one');
  const safety = setTimeout(() => {
    console.error('mail-intake: still running after 280 s: giving up');
    killChildren();
    process.exit(1);
  }, 280_000);
  safety.unref();
  // run-all's timeout sends SIGTERM to this process only: take the servers along.
  let dir: string | undefined;
  process.once('SIGTERM', () => {
    killChildren();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(143);
  });

  const t0 = performance.now();
  dir = await mkdtemp(join(tmpdir(), 'mail-intake-'));
  let ctid: Ctid | undefined;
  let sink: Server | undefined;
  try {
    ctid = await startCtid(dir, profileDir);
    if (only !== 'latency') sink = await startSink();
    if (only !== 'rate') await measureLatency(ctid, samples);
    if (only !== 'latency') await measureRate(ctid, sink!, clients, mails, sinkMails, rounds);
    console.log(`\nctid's log lines over the run: ${logSummary(ctid.logFile)}`);
  } finally {
    await ctid?.stop();
    await sink?.stop();
    if (profileDir) console.log(`ctid's CPU profile: ${profileDir}`);
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s (${loadLine()})`);
}

if (isMain(import.meta.url)) {
  const run = process.argv.includes('--sink') ? sinkMain() : main();
  run.catch((err: unknown) => {
    console.error(err);
    killChildren();
    process.exit(1);
  });
}
