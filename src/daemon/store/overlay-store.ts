// Run-time changes to a config table (routes.json, relay.json) as a lowdb
// table file, written durably and checked on read like the request tables.

import { Low } from 'lowdb';
import type { Overlay, OverlayStore } from '../../common/overlay-table.js';
import { DurableJsonFile } from './table-store.js';

export async function openOverlayStore<T>(file: string, isEntry: (entry: unknown) => boolean, label: string): Promise<OverlayStore<T>> {
  const isOverlay = (data: unknown): data is Overlay<T> => {
    if (typeof data !== 'object' || data === null) return false;
    const { added, removed } = data as Partial<Overlay<T>>;
    return Array.isArray(added) && added.every(isEntry) && Array.isArray(removed) && removed.every((k) => typeof k === 'string');
  };
  const db = new Low<Overlay<T>>(new DurableJsonFile(file, isOverlay, label), { added: [], removed: [] });
  await db.read();
  return {
    load: () => structuredClone(db.data),
    save: async (changes) => {
      db.data = structuredClone(changes);
      await db.write();
    },
  };
}
