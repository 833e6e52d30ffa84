// Start-up: the tables, then a replay of the journals written since they
// were (request-store.ts, top, explains the layout and why each check holds).
// Also the journal's operations, so that writing and reading them sit together.

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Low } from 'lowdb';
import type { RequestRecord } from '../core/request.js';
import { truncateDurably } from './durable-io.js';
import { journalPath, JournalWriter } from './journal.js';
import { JournalCorruptError, readJournal } from './journal-format.js';
import { openTables, TableStoreError, type DurableTableFile, type Tables } from './table-store.js';

export const putOp = (record: RequestRecord): string => `{"put":${JSON.stringify(record)}}`;
export const removeOp = (id: string): string => `{"remove":${JSON.stringify(id)}}`;

function replay(records: Map<string, RequestRecord>, ops: unknown[], path: string): void {
  for (const op of ops) {
    const { put, remove } = (op ?? {}) as { put?: RequestRecord; remove?: unknown };
    if (typeof put?.id === 'string') records.set(put.id, put);
    else if (typeof remove === 'string') records.delete(remove);
    else throw new Error(`journal ${path} holds an unknown operation ${JSON.stringify(op)?.slice(0, 200)}; refusing to start`);
  }
}

export interface Recovered {
  db: Low<Tables>;
  file: DurableTableFile;
  records: Map<string, RequestRecord>;
  /** The oldest journal generation on disk. */
  oldest: number;
  /** Open for appends, after the last frame. */
  journal: JournalWriter;
}

/** Reads the data directory (which the caller has locked); throws, naming the file, if something is damaged or missing. */
export async function recover(dir: string): Promise<Recovered> {
  const { db, file } = await openTables(join(dir, 'requests.json'));
  const records = new Map(db.data.requests.map((record) => [record.id, record]));
  db.data.requests = []; // the map is the source from here on
  const first = db.data.journalGeneration;
  const generations = (await readdir(dir))
    .map((name) => /^requests\.(\d+)\.journal$/.exec(name)?.[1])
    .filter((gen) => gen !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  // Folded already: left behind by a crash before a fold's step 3.
  for (const gen of generations.filter((g) => g < first)) await rm(journalPath(dir, gen));
  const live = generations.filter((g) => g >= first);
  if (live.length === 0 && !file.found) return { db, file, records, oldest: first, journal: await JournalWriter.open(dir, first, 0) };
  if (!file.found && live[0] !== first) throw new TableStoreError(file.path, `is missing while ${journalPath(dir, live[0]!)} exists`);
  // From the tables' generation on, every journal must be there (that one at least).
  const gap = Array.from({ length: Math.max(live.length, 1) }, (_, i) => first + i).find((gen, i) => live[i] !== gen);
  if (gap !== undefined) throw new Error(`journal ${journalPath(dir, gap)} is missing; refusing to start without its requests`);
  const journals = [];
  for (const gen of live) {
    const path = journalPath(dir, gen);
    journals.push({ path, ...readJournal(await readFile(path), path) });
  }
  for (const [i, { path, ops, end, torn }] of journals.entries()) {
    // Only the last frame written can be torn: no later journal may hold frames.
    if (torn && journals.slice(i + 1).some((later) => later.end > 0 || later.torn)) {
      throw new JournalCorruptError(path, end, 'damaged frame in a journal that a newer one follows');
    }
    replay(records, ops, path);
    // Cut away before frames go to a later file (JournalWriter.open cuts the last).
    if (torn && i < journals.length - 1) await truncateDurably(path, end);
  }
  const journal = await JournalWriter.open(dir, live[live.length - 1]!, journals[journals.length - 1]!.end);
  return { db, file, records, oldest: first, journal };
}
