// The RequestStore of ports.ts on disk. A put or remove is appended to the
// journal and acknowledged once fsynced (group commit, journal.ts), a write
// is written before it returns and synced with the next group commit; the
// tables (lowdb, table-store.ts) are rewritten from memory now and then so
// the journal stays short; start-up reads the tables and replays the journals.
//
// Data directory:
//   ctid.lock             the running daemon (lock.ts)
//   requests.json         the tables: every operation journalled in files
//                         before generation G, its journalGeneration
//   requests.G.journal    operations since, in files G, G+1, ... (appends
//   requests.G+1.journal  move to a new file every 2-4 MiB, journal.ts; the
//   ...                   newest may be empty, zeros only)
//
// A fold, and why a crash at any point of it loses nothing:
//  1. appends switch to a new file N between two frames (rotate()): every
//     earlier operation is fsynced in a file before N, every later one goes
//     to N or after. Crash: start-up replays G..N. Only the last frame
//     written can be torn, so a torn frame with frames in a later file is
//     refused as corruption.
//  2. write the tables from memory with journalGeneration N: they hold every
//     operation of the files before N, and maybe some of N (replaying those
//     again is harmless: each put or remove sets a final value). Temp file,
//     fsync, rename over requests.json, fsync the directory. Crash before the
//     rename: as in 1 (the temp file is ignored); after it: the files before
//     N are ignored, and deleted.
//  3. delete the files before N.
// The files from the tables' generation on must all be there (that one at
// least): a missing one is refused, never skipped.

import { mkdir, rm } from 'node:fs/promises';
import type { Low } from 'lowdb';
import type { RequestStore } from '../core/ports.js';
import type { RequestRecord } from '../core/request.js';
import { journalPath, type JournalWriter } from './journal.js';
import { lockDataDir, type DataDirLock } from './lock.js';
import { putOp, recover, removeOp } from './recovery.js';
import type { DurableTableFile, Tables } from './table-store.js';

export interface RequestStoreOptions {
  /** Fold once the journal holds this many bytes, or half the tables' size if that is more. Default 16 MiB. */
  foldAfterBytes?: number;
  /** Gets a background fold's error (nothing is lost: the journal keeps it all). Default: a process warning. */
  onError?: (error: Error) => void;
}

export interface StoreStats {
  /** Journal fdatasyncs since opening. */
  fsyncs: number;
  /** Folds completed since opening. */
  folds: number;
  /** Bytes journalled since the last fold (over all journal files). */
  journalBytes: number;
  /** The generation of the journal file appended to. */
  journalGeneration: number;
}

export interface FileRequestStore extends RequestStore {
  /** Folds the journal into the tables now (joining a fold already running). */
  fold(): Promise<void>;
  readonly stats: StoreStats;
}

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
    const { db, file, records, oldest, journal } = await recover(dir);
    return new FileStore(dir, lock, db, file, records, journal, oldest, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

class FileStore implements FileRequestStore {
  private folds = 0;
  private folding: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Whether anything was appended since the last fold began. */
  private dirty = false;
  private readonly foldAfterBytes: number;
  /** journal.written when the last fold switched files: what came before is in the tables. */
  private folded = 0;
  /** The journalBytes that start the next fold. */
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
    options: RequestStoreOptions,
  ) {
    this.foldAfterBytes = options.foldAfterBytes ?? 16 << 20;
    this.foldAt = this.foldThreshold();
    this.onError = options.onError ?? ((error) => process.emitWarning(error));
  }

  get stats(): StoreStats {
    return { fsyncs: this.journal.fsyncs, folds: this.folds, journalBytes: this.journalBytes, journalGeneration: this.journal.generation };
  }

  private get journalBytes(): number {
    return this.journal.written - this.folded;
  }

  load(): RequestRecord[] {
    return [...this.records.values()];
  }

  async put(record: RequestRecord): Promise<void> {
    this.checkOpen();
    const op = putOp(record); // first: a record that cannot be serialised is not stored
    this.records.set(record.id, record);
    const stored = this.journal.append(op);
    this.appended();
    await stored;
  }

  write(record: RequestRecord): void {
    this.checkOpen();
    const op = putOp(record);
    this.records.set(record.id, record);
    this.journal.appendNow(op);
    this.appended();
  }

  async remove(id: string): Promise<void> {
    this.checkOpen();
    this.records.delete(id);
    const stored = this.journal.append(removeOp(id));
    this.appended();
    await stored;
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
          this.foldAt = this.journalBytes + this.foldThreshold();
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

  /** After each append: a fold starts once the journal has grown enough. */
  private appended(): void {
    this.dirty = true;
    if (!this.folding && this.journalBytes >= this.foldAt) this.fold().catch(this.onError);
  }

  /**
   * A fold rewrites the whole table, so it waits for a journal of half the
   * table's size (or foldAfterBytes): at most 2 bytes of table written per
   * byte journalled, and start-up replays about that much journal at most.
   */
  private foldThreshold(): number {
    return Math.max(this.foldAfterBytes, this.table.bytes / 2);
  }

  /** The steps of the fold described at the top of this file. */
  private async runFold(): Promise<void> {
    this.dirty = false;
    const generation = await this.journal.rotate();
    const written = this.journal.written;
    this.db.data = { journalGeneration: generation, requests: [...this.records.values()] };
    try {
      await this.db.write();
    } finally {
      this.db.data.requests = [];
    }
    this.folded = written;
    // Older segments, and those of a fold that failed after its switch, go too.
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
