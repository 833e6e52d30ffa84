// The tables (requests now; routes, transfer entries and mailboxes later) as
// one lowdb JSON file. lowdb's own file adapter neither fsyncs nor checks what
// it reads, so this adapter does both: a write goes to a temp file (0600),
// is fsynced, renamed over the table and the directory fsynced, so the file
// is always either the old or the new table; a read refuses an empty, broken
// or foreign file instead of taking it for a fresh start (style.md §9).

import { basename, dirname, join } from 'node:path';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { Low, type Adapter } from 'lowdb';
import type { RequestRecord } from '../core/request.js';
import { fsyncDir, writeFully } from './durable-io.js';

export interface Tables {
  /** The journals numbered below this one are folded into these tables. */
  journalGeneration: number;
  requests: RequestRecord[];
}

// Rows serialised per slice, each slice written (awaited) before the next:
// one JSON.stringify of a 100k-row table would stall the event loop for
// hundreds of ms, a slice takes a few.
const ROWS_PER_SLICE = 1000;

export class TableStoreError extends Error {
  constructor(path: string, why: string) {
    super(`table file ${path} ${why}; refusing to start rather than start empty: restore the data directory from a backup`);
    this.name = 'TableStoreError';
  }
}

/** Whether a parsed file holds what it should; else the sentence why not. */
export type TableCheck<T> = (data: unknown) => data is T;

function isTables(data: unknown): data is Tables {
  if (typeof data !== 'object' || data === null) return false;
  const { journalGeneration, requests } = data as Partial<Tables>;
  return (
    Number.isSafeInteger(journalGeneration) &&
    journalGeneration! >= 1 &&
    Array.isArray(requests) &&
    requests.every((r) => typeof r === 'object' && r !== null && typeof r.id === 'string')
  );
}

/** A lowdb adapter for one JSON table file, durable on write and checked on read. */
export class DurableJsonFile<T extends object> implements Adapter<T> {
  /** Whether read() found the file. */
  found = false;
  /** The file's size as last read or written (the store folds relative to it). */
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly check: TableCheck<T>,
    /** What the file holds, for the refusal message ("ctid tables"). */
    private readonly holds: string,
  ) {}

  async read(): Promise<T | null> {
    let buf: Buffer;
    try {
      buf = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (buf.length === 0) throw new TableStoreError(this.path, 'is empty (zero bytes)');
    let data: unknown;
    try {
      data = JSON.parse(buf.toString('utf8'));
    } catch (error) {
      throw new TableStoreError(this.path, `is not valid JSON (${(error as Error).message})`);
    }
    if (!this.check(data)) throw new TableStoreError(this.path, `does not hold ${this.holds}`);
    this.found = true;
    this.bytes = buf.length;
    return data;
  }

  async write(data: T): Promise<void> {
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.tmp`);
    await rm(temp, { force: true }); // a leftover of a crash mid-write
    const fh = await open(temp, 'wx', 0o600);
    let position = 0;
    const put = async (text: string): Promise<void> => {
      const buf = Buffer.from(text);
      await writeFully(fh, buf, position);
      position += buf.length;
    };
    try {
      let separator = '{';
      for (const [key, value] of Object.entries(data)) {
        await put(`${separator}${JSON.stringify(key)}:`);
        separator = ',';
        if (!Array.isArray(value)) {
          await put(JSON.stringify(value));
          continue;
        }
        for (let i = 0; i < value.length; i += ROWS_PER_SLICE) {
          const rows = value.slice(i, i + ROWS_PER_SLICE).map((row) => JSON.stringify(row));
          await put(`${i === 0 ? '[' : ','}${rows.join(',')}`);
        }
        await put(value.length === 0 ? '[]' : ']');
      }
      await put('}');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, this.path);
    await fsyncDir(dir);
    this.bytes = position;
  }
}

/** The request tables (requests.json). */
export class DurableTableFile extends DurableJsonFile<Tables> {
  constructor(path: string) {
    super(path, isTables, 'ctid tables');
  }
}

/** Opens the tables; a missing file is an empty table set (the caller decides whether that is plausible). */
export async function openTables(path: string): Promise<{ db: Low<Tables>; file: DurableTableFile }> {
  const file = new DurableTableFile(path);
  const db = new Low<Tables>(file, { journalGeneration: 1, requests: [] });
  await db.read();
  return { db, file };
}
