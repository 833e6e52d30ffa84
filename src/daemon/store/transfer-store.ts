// The transfer table (FIG. 58) as a lowdb table file (transfers.json),
// written durably and checked on read like the other tables.

import { join } from 'node:path';
import { Low } from 'lowdb';
import type { TransferStore } from '../core/ports.js';
import type { TransferEntry } from '../core/transfers.js';
import { DurableJsonFile } from './table-store.js';

interface TransferTableFile {
  transfers: TransferEntry[];
}

/** What `auto` was called in the first tables written (read as `auto`). */
const LEGACY_AUTO = 'direct';

function isTransferTable(data: unknown): data is TransferTableFile {
  const transfers = (data as Partial<TransferTableFile> | null)?.transfers;
  return (
    Array.isArray(transfers) &&
    transfers.every(
      (e) =>
        typeof e?.extension === 'string' &&
        Array.isArray(e.destinations) &&
        e.destinations.every((d) => typeof d?.dial === 'string') &&
        (e.mode === 'auto' || e.mode === 'confirm' || (e.mode as string) === LEGACY_AUTO),
    )
  );
}

export async function openTransferStore(dir: string): Promise<TransferStore> {
  const db = new Low<TransferTableFile>(new DurableJsonFile(join(dir, 'transfers.json'), isTransferTable, 'ctid transfer table'), { transfers: [] });
  await db.read();
  return {
    load: () => structuredClone(db.data.transfers).map((e) => ((e.mode as string) === LEGACY_AUTO ? { ...e, mode: 'auto' } : e)),
    save: async (entries) => {
      db.data = { transfers: structuredClone(entries) };
      await db.write();
    },
  };
}
