// The RequestStore of ports.ts on disk. A put or remove is appended to the
// journal and acknowledged once fsynced (group commit, journal.ts); the
// tables (lowdb, table-store.ts) are rewritten from memory now and then so
// the journal stays short; start-up reads the tables and replays the journals.
//
// Data directory:
//   ctid.lock             the running daemon (lock.ts)
//   requests.json         the tables, holding everything journalled before
//                         generation G = its journalGeneration
//   requests.G.journal    operations since then, oldest generation first
//   requests.G+1.journal  (only between the steps of a fold)
//
// A fold, and why a crash between any two of its steps loses nothing:
//  1. create requests.G+1.journal (fsync the directory). Crash: start-up
//     replays G and the empty G+1.
//  2. switch appends to G+1 between two frames: G is complete and fsynced.
//     Crash: start-up replays G, then G+1 (only G+1 can have a torn tail).
//  3. write the tables from memory (which hold every operation of G, and
//     maybe some of G+1: replaying those again is harmless, a put or remove
//     sets the final value) with journalGeneration G+1, to a temp file,
//     fsync, rename, fsync the directory. Crash before the rename: the old
//     tables and G, G+1 as in 2; after it: G is ignored (and deleted).
//  4. delete requests.G.journal.
// Start-up requires the journals from the tables' generation on to be
// contiguous and present; a missing one is refused, never skipped.

import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Low } from 'lowdb';
import type { RequestStore } from '../core/ports.js';
import type { RequestRecord } from '../core/request.js';
import { JournalWriter } from './journal.js';
import { readJournal } from './journal-format.js';
import { lockDataDir, type DataDirLock } from './lock.js';
import { openTables, TableStoreError, type DurableTableFile, type Tables } from './table-store.js';

export interface RequestStoreOptions {
  /** Fold once the journal holds this many bytes, or half the tables' size if that is more. Default 4 MiB. */
  foldAfterBytes?: number;
  /** Gets a background fold's error (nothing is lost: the journal keeps it all). Default: a process warning. */
  onError?: (error: Error) => void;
}

export interface StoreStats {
  /** Journal fdatasyncs since opening. */
  fsyncs: number;
  /** Folds completed since opening. */
  folds: number;
  /** Bytes in the current journal. */
  journalBytes: number;
  journalGeneration: number;
}

export interface FileRequestStore extends RequestStore {
  /** Folds the journal into the tables now (joining a fold already running). */
  fold(): Promise<void>;
  readonly stats: StoreStats;
}

const TABLE_FILE = 'requests.json';
const journalPath = (dir: string, generation: number): string => join(dir, `requests.${generation}.journal`);

/**
 * Opens (or creates) the store in `dir`. Throws, naming the file, if another
 * ctid holds the directory or a file is damaged or missing.
 * The store keeps each put record by reference (no copy: 100k requests in
 * memory once, not twice), and a fold may write it at any time: change a
 * record only to put it again.
 */
export async function openRequestStore(dir: string, options: RequestStoreOptions = {}): Promise<FileRequestStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dir);
  try {
    const { db, file } = await openTables(join(dir, TABLE_FILE));
    const records = new Map(db.data.requests.map((record) => [record.id, record]));
    db.data.requests = []; // the map is the source from here on
    const first = db.data.journalGeneration;
    const generations = (await readdir(dir))
      .map((name) => /^requests\.(\d+)\.journal$/.exec(name)?.[1])
      .filter((gen) => gen !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    // Folded already; left behind by a crash before step 4.
    for (const gen of generations.filter((g) => g < first)) await rm(journalPath(dir, gen));
    const live = generations.filter((g) => g >= first);
    if (live.length === 0 && !file.found) {
      const journal = await JournalWriter.create(journalPath(dir, first));
      return new FileStore(dir, lock, db, file, records, journal, first, first, options);
    }
    if (!file.found && live[0] !== first) throw new TableStoreError(file.path, `is missing while ${journalPath(dir, live[0]!)} exists`);
    // From the tables' generation on, every journal must be there (that one at least).
    const gap = Array.from({ length: Math.max(live.length, 1) }, (_, i) => first + i).find((gen, i) => live[i] !== gen);
    if (gap !== undefined) throw new Error(`journal ${journalPath(dir, gap)} is missing; refusing to start without its requests`);
    let end = 0;
    for (const [i, gen] of live.entries()) {
      const path = journalPath(dir, gen);
      const contents = readJournal(await readFile(path), path, i === live.length - 1);
      replay(records, contents.ops, path);
      end = contents.end;
    }
    const last = live[live.length - 1]!;
    const journal = await JournalWriter.open(journalPath(dir, last), end);
    return new FileStore(dir, lock, db, file, records, journal, first, last, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function replay(records: Map<string, RequestRecord>, ops: unknown[], path: string): void {
  for (const op of ops) {
    const { put, remove } = (op ?? {}) as { put?: RequestRecord; remove?: unknown };
    if (typeof put?.id === 'string') records.set(put.id, put);
    else if (typeof remove === 'string') records.delete(remove);
    else throw new Error(`journal ${path} holds an unknown operation ${JSON.stringify(op)?.slice(0, 200)}; refusing to start`);
  }
}

class FileStore implements FileRequestStore {
  private folds = 0;
  private folding: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Whether anything was appended since the last fold began. */
  private dirty = false;
  private readonly foldAfterBytes: number;
  /** The current journal's size that starts the next fold. */
  private foldAt: number;
  private readonly onError: (error: Error) => void;

  constructor(
    private readonly dir: string,
    private readonly lock: DataDirLock,
    private readonly db: Low<Tables>,
    private readonly table: DurableTableFile,
    private readonly records: Map<string, RequestRecord>,
    private readonly journal: JournalWriter,
    /** The oldest journal generation still on disk. */
    private oldest: number,
    /** The generation of the journal appended to. */
    private generation: number,
    options: RequestStoreOptions,
  ) {
    this.foldAfterBytes = options.foldAfterBytes ?? 4 << 20;
    this.foldAt = this.foldThreshold();
    this.onError = options.onError ?? ((error) => process.emitWarning(error));
  }

  get stats(): StoreStats {
    return { fsyncs: this.journal.fsyncs, folds: this.folds, journalBytes: this.journal.bytes, journalGeneration: this.generation };
  }

  load(): RequestRecord[] {
    return [...this.records.values()];
  }

  async put(record: RequestRecord): Promise<void> {
    this.checkOpen();
    const op = `{"put":${JSON.stringify(record)}}`; // first: a record that cannot be serialised is not stored
    this.records.set(record.id, record);
    await this.commit(op);
  }

  async remove(id: string): Promise<void> {
    this.checkOpen();
    this.records.delete(id);
    await this.commit(`{"remove":${JSON.stringify(id)}}`);
  }

  fold(): Promise<void> {
    this.folding ??= this.runFold()
      .then(
        () => {
          this.foldAt = this.foldThreshold();
        },
        (error: unknown) => {
          // Nothing is lost (the journals hold it all). Try again on close, or
          // once the journal has grown as much again: not on every put.
          this.dirty = true;
          this.foldAt = this.journal.bytes + this.foldThreshold();
          throw error;
        },
      )
      .finally(() => (this.folding = undefined));
    return this.folding;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing) throw new Error(`request store in ${this.dir} is closed`);
  }

  private commit(op: string): Promise<void> {
    this.dirty = true;
    const durable = this.journal.append(op);
    if (!this.folding && this.journal.bytes >= this.foldAt) this.fold().catch(this.onError);
    return durable;
  }

  /**
   * Folding rewrites the whole table, so it waits for a journal half the
   * table's size: each byte of the table is rewritten at most 3 times per
   * byte journalled, and start-up replays at most half a table's worth.
   */
  private foldThreshold(): number {
    return Math.max(this.foldAfterBytes, this.table.bytes / 2);
  }

  /** The steps of the fold described at the top of this file. */
  private async runFold(): Promise<void> {
    const generation = this.generation + 1;
    this.dirty = false;
    await this.journal.rotate(journalPath(this.dir, generation));
    this.generation = generation;
    this.db.data = { journalGeneration: generation, requests: [...this.records.values()] };
    try {
      await this.db.write();
    } finally {
      this.db.data.requests = [];
    }
    // If a fold failed before this point, its journal goes now too.
    for (; this.oldest < generation; this.oldest++) await rm(journalPath(this.dir, this.oldest), { force: true });
    this.folds++;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.folding?.catch(() => undefined); // its error went to onError
      if (this.dirty) await this.fold();
    } finally {
      await this.journal.close();
      await this.lock.release();
    }
  }
}
