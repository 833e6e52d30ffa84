// ctid's data directory (issue 4, "Persistence"): a second ctid on the same
// directory refuses to start (lock file); a damaged store (the tables file,
// or a journal damaged before its tail) makes ctid refuse to start with a
// message naming the file, never silently start empty; a torn last frame
// (a crash mid-append) is dropped and ctid starts with every acknowledged
// request. Real `ctid` and `cti` processes on temp data directories.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, runCtid, startCtid, type CtidRun, type TestCtid } from '../helpers/ctid.js';
import { killAll } from '../helpers/processes.js';

test.after(async () => {
  await killAll();
});

/** Submits camp-ons (bob, from 2001) and resolves with their ids, each acknowledged (durable). */
async function submit(ctid: TestCtid, ...destinations: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const destination of destinations) {
    const result = await runCti(['camp-on', destination, '--from', '2001', '--no-wait'], ctiAs(ctid.address, 'bob'));
    assert.is(result.code, 0, result.stderr);
    ids.push(result.stdout.trim());
  }
  return ids;
}

function journals(dataDir: string): string[] {
  return readdirSync(dataDir)
    .filter((name) => /^requests\.\d+\.journal$/.test(name))
    .map((name) => join(dataDir, name));
}

/** The offsets where the journal's valid frames start, and where they end (journal-format.ts: len | crc(payload) | crc(header) | payload). */
function frames(buf: Buffer): { starts: number[]; end: number } {
  const starts: number[] = [];
  let at = 0;
  while (at + 12 <= buf.length && crc32(buf.subarray(at, at + 8)) === buf.readUInt32LE(at + 8)) {
    const end = at + 12 + buf.readUInt32LE(at);
    if (end > buf.length || crc32(buf.subarray(at + 12, end)) !== buf.readUInt32LE(at + 4)) break;
    starts.push(at);
    at = end;
  }
  return { starts, end: at };
}

/** A ctid killed with -9 after acknowledging two requests: its journal holds them (no fold ran). */
async function crashedWithRequests(): Promise<{ dataDir: string; ids: string[]; journal: string }> {
  const ctid = await startCtid();
  const ids = await submit(ctid, '2000', '2002');
  await ctid.kill9();
  const withFrames = journals(ctid.dataDir).filter((path) => frames(readFileSync(path)).starts.length > 0);
  assert.is(withFrames.length, 1, `one journal with frames: ${readdirSync(ctid.dataDir).join(', ')}`);
  return { dataDir: ctid.dataDir, ids, journal: withFrames[0]! };
}

function assertRefused(run: CtidRun, names: string, why: RegExp): void {
  assert.not.ok(run.started, `ctid started on a damaged data directory; stderr: ${run.stderr}`);
  assert.ok(run.code !== 0 && run.code !== null, `exit ${run.code ?? run.signal}; stderr: ${run.stderr}`);
  assert.ok(run.stderr.includes(names), `the message names ${names}: ${run.stderr}`);
  assert.match(run.stderr, why);
  assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
}

test('a second ctid on the same data directory refuses to start; the first goes on', async () => {
  const first = await startCtid();
  const second = await runCtid({ dataDir: first.dataDir });
  assert.not.ok(second.started, `the second ctid started; stderr: ${second.stderr}`);
  assert.ok(second.code !== 0 && second.code !== null, `exit ${second.code ?? second.signal}`);
  assert.match(second.stderr, /in use/);
  assert.ok(second.stderr.includes(first.dataDir), `the message names the directory: ${second.stderr}`);
  const status = await runCti(['status', '--json'], ctiAs(first.address, 'bob'));
  assert.is(status.code, 0, status.stderr);
  assert.equal(await first.stop(), { code: 0, signal: null }, first.process.stderr);
  // Stopped cleanly, it leaves no lock behind: the next ctid starts and serves.
  assert.not.ok(existsSync(join(first.dataDir, 'ctid.lock')), 'the lock file is gone');
  const next = await startCtid({ dataDir: first.dataDir });
  assert.is((await runCti(['status'], ctiAs(next.address, 'bob'))).code, 0);
  assert.equal(await next.stop(), { code: 0, signal: null }, next.process.stderr);
});

test('a damaged tables file (DATA/requests.json) is refused, naming it', async () => {
  const ctid = await startCtid();
  await submit(ctid, '2000');
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
  const tables = join(ctid.dataDir, 'requests.json');
  assert.ok(existsSync(tables), 'a clean stop folds the journal into requests.json');
  const good = readFileSync(tables);
  for (const damage of ['garbage, not JSON {{{', '', '{"hello":"world"}', good.subarray(0, good.length >> 1).toString()]) {
    writeFileSync(tables, damage);
    assertRefused(await runCtid({ dataDir: ctid.dataDir }), tables, /refus/);
  }
  // Put back, it starts again with the request.
  writeFileSync(tables, good);
  const again = await startCtid({ dataDir: ctid.dataDir });
  const listed = await runCti(['requests', '--json'], ctiAs(again.address, 'bob'));
  assert.is(listed.stdout.trim().split('\n').length, 1, listed.stdout);
  assert.equal(await again.stop(), { code: 0, signal: null }, again.process.stderr);
});

test('a journal damaged before its tail is refused, naming it', async () => {
  const { dataDir, journal } = await crashedWithRequests();
  const buf = readFileSync(journal);
  const { starts } = frames(buf);
  assert.ok(starts.length >= 2, `frames: ${starts.length}`);
  buf[starts[0]! + 12] ^= 0xff; // the first frame's payload: acknowledged data, with valid frames after it
  writeFileSync(journal, buf);
  assertRefused(await runCtid({ dataDir }), journal, /corrupt/);
});

test('a torn last frame (a crash mid-append) is dropped: ctid starts with every acknowledged request', async () => {
  const { dataDir, ids, journal } = await crashedWithRequests();
  const buf = readFileSync(journal);
  const { end } = frames(buf);
  // Half a frame where the next one would go: a header claiming 4000 bytes, and a few of them.
  const torn = Buffer.alloc(40, 0x5a);
  torn.writeUInt32LE(4000, 0);
  torn.writeUInt32LE(crc32(torn.subarray(0, 8)), 8);
  const damaged = Buffer.concat([buf.subarray(0, end), torn, buf.subarray(Math.min(buf.length, end + torn.length))]);
  writeFileSync(journal, damaged);
  const ctid = await startCtid({ dataDir });
  const listed = await runCti(['requests', '--json'], ctiAs(ctid.address, 'bob'));
  assert.is(listed.code, 0, listed.stderr);
  const found = listed.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id);
  assert.equal(found.sort(), [...ids].sort());
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test.run();
