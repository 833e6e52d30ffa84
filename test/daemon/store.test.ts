// The request store's everyday behaviour on a real data directory: round
// trips across reopening, group commit, folding, the directory lock and file
// modes. Crash recovery is in store-recovery.test.ts and store-crash.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../../src/daemon/core/request.js';
import { openRequestStore } from '../../src/daemon/store/request-store.js';
import { eventually } from '../helpers/eventually.js';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ctid-store-'));
  dirs.push(dir);
  return join(dir, 'data'); // not there yet: the store creates it
}
test.after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function record(id: string, extra: Partial<RequestRecord> = {}): RequestRecord {
  const at = 1_700_000_000_000;
  return {
    id,
    kind: 'camp-on',
    requester: 'alice',
    destination: '2001',
    dial: '2001',
    source: '2000',
    network: 'station',
    campOn: false,
    strategy: 'watch',
    retryEveryMs: 30_000,
    recallFirst: false,
    state: 'watching',
    createdAt: at,
    deadline: at + 600_000,
    attempts: 0,
    history: [{ state: 'accepted', at }, { state: 'watching', at: at + 5 }],
    ...extra,
  };
}

async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await fn().then(() => undefined, (e: Error) => e);
  assert.ok(error, `expected a rejection matching ${pattern}`);
  assert.match(error.message, pattern);
}

const byId = (records: RequestRecord[]) => Object.fromEntries(records.map((r) => [r.id, r]));

test('put and remove survive closing and reopening', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  assert.equal(store.load(), []);
  await store.put(record('a'));
  await store.put(record('b'));
  await store.put(record('a', { state: 'calling', attempts: 1, ringing: '2000' }));
  await store.remove('b');
  await store.put(record('c', { kind: 'call', campOn: true }));
  await store.close();

  const again = await openRequestStore(dir);
  const loaded = byId(again.load());
  assert.equal(Object.keys(loaded).sort(), ['a', 'c']);
  assert.equal(loaded.a, record('a', { state: 'calling', attempts: 1, ringing: '2000' }));
  assert.equal(loaded.c, record('c', { kind: 'call', campOn: true }));
  await again.close();
  await rejects(() => again.put(record('d')), /closed/);
});

test('group commit: a burst of puts takes far fewer fsyncs than puts', async () => {
  const store = await openRequestStore(await dataDir());
  // Puts made in one synchronous run share a frame.
  await Promise.all(Array.from({ length: 1000 }, (_, i) => store.put(record(`burst-${i}`))));
  assert.ok(store.stats.fsyncs <= 2, `1000 puts in one run took ${store.stats.fsyncs} fsyncs`);
  // Puts arriving one per event-loop turn (as gRPC calls do) while a frame is
  // being fsynced all go out in the next frame, however fast the disk is.
  const before = store.stats.fsyncs;
  let inFlight = true;
  const first = store.put(record('first')).then(() => (inFlight = false));
  const during: Promise<void>[] = [];
  while (inFlight) {
    during.push(store.put(record(`turn-${during.length}`)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all([first, ...during]);
  const fsyncs = store.stats.fsyncs - before;
  assert.ok(fsyncs <= 2, `1 put and ${during.length} arriving during its fsync took ${fsyncs} fsyncs`);
  assert.is(store.load().length, 1001 + during.length);
  await store.close();
});

test('a write is in the journal file when it returns, before any fsync; a durable put after it waits for one that covers both', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  const before = store.stats.fsyncs;
  store.write(record('early'));
  assert.is(store.stats.fsyncs, before, 'returned ahead of its fdatasync');
  const journal = await readFile(join(dir, `requests.${store.stats.journalGeneration}.journal`), 'latin1');
  assert.ok(journal.includes('"id":"early"'), 'the frame is in the file (the page cache: a kill of ctid cannot lose it)');
  await store.put(record('late'));
  assert.ok(store.stats.fsyncs > before, 'a durable put after it waits for an fsync that covers both');
  await store.close();
  const reopened = await openRequestStore(dir);
  assert.equal(Object.keys(byId(reopened.load())).sort(), ['early', 'late']);
  await reopened.close();
});

test('a write takes the puts queued before it into its frame, so the later state of a request wins on replay', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  const queued = store.put(record('r', { attempts: 1 }));
  store.write(record('r', { attempts: 2 }));
  await queued;
  await store.close();
  const reopened = await openRequestStore(dir);
  assert.is(byId(reopened.load())['r']!.attempts, 2);
  await reopened.close();
});

test('writes while fsyncs and folds are under way: every one is there after reopening, and puts after them resolve', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  const puts: Promise<void>[] = [];
  let folding: Promise<void> | undefined;
  for (let i = 0; i < 600; i++) {
    store.write(record(`w${i}`, { attempts: i }));
    puts.push(store.put(record(`p${i}`, { attempts: i })));
    if (i === 200) folding = store.fold(); // its switch to the next file comes between writes
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve)); // let fsyncs and the fold run between them
  }
  await Promise.all([...puts, folding]);
  assert.ok(store.stats.folds > 0, 'a fold ran meanwhile');
  await store.close();
  const reopened = await openRequestStore(dir);
  const records = byId(reopened.load());
  for (let i = 0; i < 600; i++) {
    assert.is(records[`w${i}`]?.attempts, i, `w${i}`);
    assert.is(records[`p${i}`]?.attempts, i, `p${i}`);
  }
  await reopened.close();
});

test('fold writes the tables and starts a small journal; reopening gives the same records', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  await Promise.all(Array.from({ length: 500 }, (_, i) => store.put(record(`r${i}`, { attempts: i }))));
  await store.remove('r7');
  assert.ok(store.stats.journalBytes > 100_000);
  await store.fold();
  assert.is(store.stats.journalBytes, 0);
  assert.is(store.stats.journalGeneration, 2);
  assert.equal((await readdir(dir)).sort(), ['ctid.lock', 'requests.2.journal', 'requests.json']);
  const tables = JSON.parse(await readFile(join(dir, 'requests.json'), 'utf8'));
  assert.is(tables.journalGeneration, 2);
  assert.is(tables.requests.length, 499);
  await store.put(record('after-fold'));
  await store.close();

  const again = await openRequestStore(dir);
  const loaded = byId(again.load());
  assert.is(Object.keys(loaded).length, 500);
  assert.equal(loaded.r42, record('r42', { attempts: 42 }));
  assert.is(loaded.r7, undefined);
  assert.ok(loaded['after-fold']);
  await again.close();
});

test('the journal folds by itself once it grows past foldAfterBytes', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir, { foldAfterBytes: 20_000, onError: (e) => assert.unreachable(e.message) });
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(record(`r${i}`, { attempts: round }))));
  }
  await eventually('a fold', async () => store.stats.folds, (folds) => folds >= 1);
  await store.fold(); // joins a fold that may still run...
  await store.fold(); // ...then folds what came in meanwhile
  assert.ok(store.stats.journalBytes < 20_000, `${store.stats.journalBytes} bytes left in the journal`);
  await store.close();
  const again = await openRequestStore(dir);
  assert.is(again.load().length, 50);
  assert.ok(again.load().every((r) => r.attempts === 19));
  await again.close();
});

test('a failed fold loses nothing and is retried later, not on every put', async () => {
  const dir = await dataDir();
  const errors: Error[] = [];
  const threshold = 10_000;
  const store = await openRequestStore(dir, { foldAfterBytes: threshold, onError: (e) => errors.push(e) });
  await mkdir(join(dir, '.requests.json.tmp')); // the table's temp file cannot be written
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(record(`r${round}-${i}`))));
  }
  await eventually('a failed fold', async () => errors.length, (n) => n >= 1);
  await store.fold().catch(() => undefined); // let a running attempt finish
  const attempts = errors.length;
  assert.ok(attempts <= store.stats.journalBytes / threshold + 1, `${attempts} fold attempts for ${store.stats.journalBytes} bytes`);
  assert.match(errors[0]!.message, '.requests.json.tmp');
  assert.is(store.stats.folds, 0);
  await rm(join(dir, '.requests.json.tmp'), { recursive: true });
  await store.close(); // folds now
  const again = await openRequestStore(dir);
  assert.is(again.load().length, 500);
  assert.equal((await readdir(dir)).filter((name) => name.endsWith('.journal')).length, 1);
  await again.close();
});

test('every file is private to its owner (0600, the directory 0700)', async () => {
  const dir = await dataDir();
  const store = await openRequestStore(dir);
  await store.put(record('a'));
  await store.fold();
  await store.put(record('b'));
  for (const name of await readdir(dir)) {
    assert.is(((await stat(join(dir, name))).mode & 0o777).toString(8), '600', name);
  }
  assert.is(((await stat(dir)).mode & 0o777).toString(8), '700');
  await store.close();
});

test('a second store on the same directory is refused until the first closes', async () => {
  const dir = await dataDir();
  const first = await openRequestStore(dir);
  await rejects(() => openRequestStore(dir), new RegExp(`data directory ${dir} is in use by ctid \\(pid ${process.pid}\\)`));
  await first.put(record('a'));
  await first.close();
  const second = await openRequestStore(dir);
  assert.is(second.load().length, 1);
  await second.close();
});

test('a stale lock (dead pid, earlier boot, or unreadable) is taken over', async () => {
  const dir = await dataDir();
  await (await openRequestStore(dir)).close();
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
  const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const stale = [`${deadPid}\n${boot}\n`, `${process.pid}\nan-earlier-boot\n`, ''];
  for (const content of stale) {
    await writeFile(join(dir, 'ctid.lock'), content);
    const store = await openRequestStore(dir);
    assert.is((await readFile(join(dir, 'ctid.lock'), 'utf8')).split('\n')[0], String(process.pid), JSON.stringify(content));
    await store.close();
  }
  assert.equal(await readdir(dir).then((names) => names.filter((n) => n.startsWith('ctid.lock'))), []);
});

test.run();
