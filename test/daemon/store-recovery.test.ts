// Start-up after a crash, from the files a crash can leave: torn journal
// tails are dropped, damage before the tail and broken or missing files are
// refused with the file's name, and a fold interrupted between any two of its
// steps (request-store.ts, top) loses nothing. A "crash" here is a copy of the
// data directory taken while the store is open: every put had resolved, so
// its bytes are on disk, just as kill -9 would leave them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../../src/daemon/core/request.js';
import { encodeFrame } from '../../src/daemon/store/journal-format.js';
import { openRequestStore, type FileRequestStore } from '../../src/daemon/store/request-store.js';

const root = await mkdtemp(join(tmpdir(), 'ctid-recovery-'));
let dirCount = 0;
const newDir = () => join(root, `d${dirCount++}`);
test.after(() => rm(root, { recursive: true, force: true }));

function record(id: string, attempts = 0): RequestRecord {
  const at = 1_700_000_000_000;
  return {
    id,
    kind: 'camp-on',
    requester: 'bob',
    destination: '2002',
    dial: '2002',
    source: '2003',
    network: 'station',
    campOn: false,
    strategy: 'retry',
    retryEveryMs: 10_000,
    recallFirst: true,
    state: 'watching',
    createdAt: at,
    deadline: at + 60_000,
    attempts,
    history: [{ state: 'accepted', at }],
  };
}

/** The data directory as a crash would leave it now (the lock aside: its pid is still alive). */
async function crashCopy(dir: string, files?: string[]): Promise<string> {
  const copy = newDir();
  await mkdir(copy, { mode: 0o700 });
  for (const name of files ?? (await readdir(dir))) if (name !== 'ctid.lock') await copyFile(join(dir, name), join(copy, name));
  return copy;
}

async function ids(dir: string): Promise<string[]> {
  const store = await openRequestStore(dir);
  const found = store.load().map((r) => r.id).sort();
  await store.close();
  return found;
}

async function refusal(dir: string): Promise<string> {
  const error = await openRequestStore(dir).then(
    (store) => store.close().then(() => undefined),
    (e: Error) => e,
  );
  assert.ok(error, `${dir} opened`);
  return error.message;
}

/** Where the frames end: the journal's preallocated zeros follow. */
const dataEnd = (buf: Buffer) => buf.length - [...buf].reverse().findIndex((byte) => byte !== 0);

/** A store holding a, b, c, each put in its own frame; the crash copy of it, and its journal. */
async function threeFrames(): Promise<{ dir: string; journal: string; frames: number[] }> {
  const liveDir = newDir();
  const live = await openRequestStore(liveDir);
  for (const id of ['a', 'b', 'c']) await live.put(record(id));
  const dir = await crashCopy(liveDir);
  await live.close();
  const journal = join(dir, 'requests.1.journal');
  const buf = await readFile(journal);
  const frames = [0];
  while (frames.length < 4) frames.push(frames.at(-1)! + 12 + buf.readUInt32LE(frames.at(-1)!));
  assert.is(frames[3], dataEnd(buf));
  return { dir, journal, frames };
}

async function patch(path: string, at: number, bytes: Buffer): Promise<void> {
  const buf = await readFile(path);
  bytes.copy(buf, at);
  await writeFile(path, buf);
}

test('a torn last frame is dropped and cut away; the frames before it are intact', async () => {
  const torn: ((j: string, f: number[]) => Promise<void>)[] = [
    (j, f) => truncate(j, f[3]! - 5), // cut short
    (j, f) => patch(j, f[2]! + 20, Buffer.alloc(40)), // payload sectors never written
    (j, f) => patch(j, f[2]!, Buffer.from('garbage-where-a-header-was')), // header never written
  ];
  for (const damage of torn) {
    const { dir, journal, frames } = await threeFrames();
    await damage(journal, frames);
    const store = await openRequestStore(dir);
    assert.equal(store.load().map((r) => r.id).sort(), ['a', 'b']);
    await store.put(record('d'));
    const after = await crashCopy(dir); // appending after the cut must not look like corruption
    await store.close();
    assert.equal(await ids(after), ['a', 'b', 'd']);
  }
});

test('a torn frame in the file before an empty next file is dropped too', async () => {
  // A crash after the next file was prepared (journal.ts), before the switch to it.
  const { dir, journal, frames } = await threeFrames();
  await truncate(journal, frames[3]! - 5);
  await writeFile(join(dir, 'requests.2.journal'), Buffer.alloc(1 << 20));
  const store = await openRequestStore(dir);
  assert.equal(store.load().map((r) => r.id).sort(), ['a', 'b']);
  await store.put(record('d')); // goes to requests.2.journal
  const after = await crashCopy(dir);
  await store.close();
  assert.equal(await ids(after), ['a', 'b', 'd']);
});

test('the journal moves on to new files as it grows; start-up replays them all', async () => {
  const dir = newDir();
  const store = await openRequestStore(dir, { foldAfterBytes: 1 << 30 });
  for (let n = 0; n < 12_000; n += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.put(record(`r${n + i}`, n + i))));
  }
  await store.remove('r5');
  assert.ok(store.stats.journalGeneration >= 2, `generation ${store.stats.journalGeneration}`);
  assert.is(store.stats.folds, 0);
  const copy = await crashCopy(dir);
  await store.close();
  const again = await openRequestStore(copy);
  assert.is(again.load().length, 11_999);
  assert.is(again.load().find((r) => r.id === 'r11999')?.attempts, 11_999);
  await again.close();
});

test('damage before the tail is refused, naming the journal and the byte', async () => {
  const cases: [string, (j: string, f: number[]) => Promise<void>, number][] = [
    ['payload bit flip in the first frame', (j) => patch(j, 30, Buffer.from('#')), 0],
    ['header of the second frame overwritten', (j, f) => patch(j, f[1]! + 2, Buffer.from([0xff, 0xee])), 1],
  ];
  for (const [what, damage, frame] of cases) {
    const { dir, journal, frames } = await threeFrames();
    await damage(journal, frames);
    const message = await refusal(dir);
    assert.match(message, `journal ${journal} is corrupt at byte ${frames[frame]}`, what);
    assert.match(message, 'refusing to start');
    assert.match(await refusal(dir), 'is corrupt', `${what}: a second attempt fails the same way, not on the lock`);
  }
});

test('a journal operation the store does not know is refused', async () => {
  const dir = newDir();
  await (await openRequestStore(dir)).close();
  await writeFile(join(dir, 'requests.2.journal'), encodeFrame('[{"rename":"a"}]'));
  assert.match(await refusal(dir), `journal ${join(dir, 'requests.2.journal')} holds an unknown operation`);
});

test('an empty, broken or foreign table file is refused, never taken for a fresh start', async () => {
  for (const [content, why] of [
    ['', 'is empty'],
    ['{"journalGeneration":3,"requests":[{"id":"a"', 'is not valid JSON'],
    ['{"hello":"world"}', 'does not hold ctid tables'],
  ]) {
    const dir = newDir();
    await mkdir(dir);
    await writeFile(join(dir, 'requests.json'), content!);
    assert.match(await refusal(dir), `table file ${join(dir, 'requests.json')} ${why}`);
  }
});

test('a missing table file or journal is refused', async () => {
  const dir = newDir();
  const store = await openRequestStore(dir);
  await store.put(record('a'));
  await store.close(); // folds: requests.json (generation 2) and requests.2.journal
  const noJournal = await crashCopy(dir, ['requests.json']);
  assert.match(await refusal(noJournal), `journal ${join(noJournal, 'requests.2.journal')} is missing`);
  const noTable = await crashCopy(dir, ['requests.2.journal']);
  assert.match(await refusal(noTable), `table file ${join(noTable, 'requests.json')} is missing`);
});

test('a crash between any two steps of a fold loses nothing', async () => {
  const dir = newDir();
  const store: FileRequestStore = await openRequestStore(dir, { foldAfterBytes: 1 << 30 });
  await store.put(record('z'));
  await store.fold(); // requests.json at generation 2 holds z
  await store.put(record('a'));
  await store.put(record('b'));
  const before = await crashCopy(dir); // requests.json {z}, requests.2.journal {a, b}
  await store.fold();
  await store.put(record('c'));
  await store.remove('z');
  const after = await crashCopy(dir); // requests.json {z, a, b} at 3, requests.3.journal {c, -z}
  await store.close();

  const mixed = async (files: Record<string, string | Buffer>) => {
    const state = await crashCopy(before, []);
    for (const [name, source] of Object.entries(files)) {
      await writeFile(join(state, name), typeof source === 'string' ? await readFile(join(source, name)) : source);
    }
    return state;
  };
  const oldTable = { 'requests.json': before, 'requests.2.journal': before };

  // 1. The new journal exists, empty.
  assert.equal(await ids(await mixed({ ...oldTable, 'requests.3.journal': Buffer.alloc(0) })), ['a', 'b', 'z']);
  // 2. Appends went to the new journal; the tables are not written yet.
  assert.equal(await ids(await mixed({ ...oldTable, 'requests.3.journal': after })), ['a', 'b', 'c']);
  // 3. Half a temp table was written.
  const halfTable = (await readFile(join(after, 'requests.json'))).subarray(0, 50);
  assert.equal(await ids(await mixed({ ...oldTable, 'requests.3.journal': after, '.requests.json.tmp': halfTable })), ['a', 'b', 'c']);
  // 4. The tables were renamed into place; the old journal is still there (and goes now).
  const step4 = await mixed({ 'requests.2.journal': before, 'requests.json': after, 'requests.3.journal': after });
  assert.equal(await ids(step4), ['a', 'b', 'c']);
  assert.not.ok((await readdir(step4)).includes('requests.2.journal'));
  // Done.
  assert.equal(await ids(after), ['a', 'b', 'c']);
  // Only the newest journal may be torn: the old one was complete before the switch.
  const tornOld = await mixed({ ...oldTable, 'requests.3.journal': after });
  const oldJournal = join(tornOld, 'requests.2.journal');
  await truncate(oldJournal, dataEnd(await readFile(oldJournal)) - 3);
  assert.match(await refusal(tornOld), `journal ${oldJournal} is corrupt`);
});

test.run();
