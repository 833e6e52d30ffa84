// Run-time route changes as a lowdb table file (routes.json), written
// durably and checked on read like the request tables.

import { join } from 'node:path';
import { Low } from 'lowdb';
import type { RouteChanges, RouteStore } from '../core/ports.js';
import { DurableJsonFile } from './table-store.js';

function isRouteChanges(data: unknown): data is RouteChanges {
  if (typeof data !== 'object' || data === null) return false;
  const { added, removed } = data as Partial<RouteChanges>;
  return Array.isArray(added) && added.every((r) => typeof r?.prefix === 'string' && typeof r.office === 'string') && Array.isArray(removed) && removed.every((p) => typeof p === 'string');
}

export async function openRouteStore(dir: string): Promise<RouteStore> {
  const db = new Low<RouteChanges>(new DurableJsonFile(join(dir, 'routes.json'), isRouteChanges, 'ctid route changes'), { added: [], removed: [] });
  await db.read();
  return {
    load: () => structuredClone(db.data),
    save: async (changes) => {
      db.data = structuredClone(changes);
      await db.write();
    },
  };
}
