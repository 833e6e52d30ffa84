// `cti camp-on --no-wait` wall time against `node -e 0` (issue 4,
// Benchmarks; target under 2x), against a running ctid: bin/ctid.js as a
// child process with its embedded simulator, one of whose lines is made busy
// through the simulator's control API so every camp-on stays pending.
//
// Each run is a fresh process, timed from spawn() to its exit, stdout read
// (the request id), exit status checked. Rounds rotate the order of the
// commands, and medians are compared, because this machine is shared:
//   node -e 0            the baseline: a bare node start and exit
//   cti camp-on          node bin/cti.js camp-on 2000 --from 2002 --no-wait
//                        (the bundle and code cache `npm run build` makes)
//   cti --help           the CLI's own start-up without talking to ctid
//   import grpc-js       node -e "await import('@grpc/grpc-js')": what loading
//                        grpc-js cost on its own (cti no longer loads it)
//   http2 Submit         the same Submit (a camp-on, stored and pending) sent by
//                        a 7-line script over node:http2 with gRPC framing:
//                        the floor for a one-shot command on node:http2
//
// Usage: node dist/bench/ctid-cli.js [--runs N per command, default 15]

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SubmitRequest } from '../src/gen/cti/v1/cti.js';
import { ControlClient } from '../src/switch-sim/control-client.js';
import { fmt, isMain, loadLine, machineLine, numberArg, pad, padLeft } from './common.js';
import { median } from './ctid-office.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'bench-cli-token-0123456789';

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stdout, stderr }));
  });
}

async function startCtid(dir: string): Promise<{ address: string; control: string; stop(): Promise<void> }> {
  const config = join(dir, 'ctid.json');
  await writeFile(
    config,
    JSON.stringify({
      office: 'a',
      listen: '127.0.0.1:0',
      switch: { url: 'embedded', control: '127.0.0.1:0' },
      users: [{ name: 'bench', token: TOKEN, extensions: [], admin: true }],
      limits: { perRequester: 100_000, perDestination: 100_000, total: 100_000 },
    }),
  );
  const child = spawn(process.execPath, [join(ROOT, 'bin/ctid.js'), '--config', config, '--data', join(dir, 'data')], {
    cwd: ROOT,
    env: { ...process.env, CTID_LOG: 'warn', XDG_DATA_HOME: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let control = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ctid did not say it was listening within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`ctid exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const c = /^control (\S+)$/.exec(line);
      if (c) control = c[1]!;
      const m = /^ctid a listening (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    address,
    control,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const runs = numberArg('runs', 15, 3, 100);
  console.log(`ctid-cli: ${machineLine()}`);
  const dir = await mkdtemp(join(tmpdir(), 'ctid-bench-cli-'));
  const ctid = await startCtid(dir);
  try {
    // 2000 talks with 2001: busy, so every camp-on stays pending.
    const sim = new ControlClient(ctid.control);
    await sim.dial('a', '2000', '2001');
    await sim.answer('a', '2001');
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'cli-data'),
      CTI_SERVER: ctid.address,
      CTI_TOKEN: TOKEN,
    };
    // A unary gRPC call by hand: 5-byte message prefix + protobuf, trailers carry the status.
    const body = Buffer.from(SubmitRequest.encode(SubmitRequest.fromPartial({ kind: 'camp-on', destination: '2000', source: '2002' })).finish());
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]).toString('hex');
    const http2Submit = [
      "const h=require('node:http2');",
      `const c=h.connect('http://${ctid.address}');`,
      `const r=c.request({':method':'POST',':path':'/cti.v1.CtiService/Submit','content-type':'application/grpc',te:'trailers',authorization:'Bearer ${TOKEN}'});`,
      'const chunks=[];r.on("data",d=>chunks.push(d));',
      "r.on('trailers',t=>{if(t['grpc-status']!=='0'){console.error(t['grpc-message']);process.exitCode=1}});",
      "r.on('end',()=>{const b=Buffer.concat(chunks);process.stdout.write(b.subarray(7,7+b[6]).toString()+'\\n');c.close()});",
      `r.end(Buffer.from('${framed}','hex'));`,
    ].join('');
    const commands: { name: string; args: string[]; check?: (r: Run) => string | undefined }[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      {
        name: 'cti camp-on 2000 --no-wait',
        args: ['bin/cti.js', 'camp-on', '2000', '--from', '2002', '--no-wait'],
        check: (r) => (r.code === 0 && /^a-[0-9a-f]{16}\n$/.test(r.stdout) ? undefined : `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`),
      },
      { name: 'cti --help', args: ['bin/cti.js', '--help'] },
      { name: "import('@grpc/grpc-js')", args: ['--input-type=module', '-e', "await import('@grpc/grpc-js')"] },
      {
        name: 'http2 Submit (no grpc-js)',
        args: ['-e', http2Submit],
        check: (r) => (r.code === 0 && /^a-[0-9a-f]{16}\n$/.test(r.stdout) ? undefined : `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`),
      },
    ];
    // One unmeasured run of each: the page cache and ctid's JIT warm.
    for (const c of commands) {
      const r = await timed(c.args, env);
      const bad = c.check?.(r) ?? (r.code === 0 ? undefined : `exit ${r.code}: ${r.stderr.slice(0, 300)}`);
      if (bad) throw new Error(`${c.name}: ${bad}`);
    }
    const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
    for (let i = 0; i < runs; i++) {
      const order = commands.map((_, k) => commands[(k + i) % commands.length]!);
      for (const c of order) {
        const r = await timed(c.args, env);
        const bad = c.check?.(r) ?? (r.code === 0 ? undefined : `exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        if (bad) throw new Error(`${c.name}: ${bad}`);
        times.get(c.name)!.push(r.ms);
      }
    }
    const base = median(times.get('node -e 0')!);
    console.log(`${runs} runs of each, rotating order, ${loadLine()}`);
    console.log(`${pad('command', 30)}${padLeft('median ms', 11)}${padLeft('min ms', 9)}${padLeft('max ms', 9)}${padLeft('x node -e 0', 13)}`);
    for (const c of commands) {
      const t = times.get(c.name)!;
      console.log(`${pad(c.name, 30)}${padLeft(fmt(median(t), 1), 11)}${padLeft(fmt(Math.min(...t), 1), 9)}${padLeft(fmt(Math.max(...t), 1), 9)}${padLeft((median(t) / base).toFixed(2), 13)}`);
    }
    const campOn = median(times.get('cti camp-on 2000 --no-wait')!);
    console.log(`target: cti camp-on --no-wait / node -e 0 < 2: ${(campOn / base).toFixed(2)}`);
  } finally {
    await ctid.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
