// A RequestStore in memory (style.md section 9: tests of the core use a
// memory store; the file store has its own tests). Records are copied in
// and out, as a real store's serialisation would.

import type { RequestStore } from '../../src/daemon/core/ports.js';
import type { RequestRecord } from '../../src/daemon/core/request.js';

export class MemoryStore implements RequestStore {
  readonly records = new Map<string, RequestRecord>();
  puts = 0;

  load(): RequestRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async put(record: RequestRecord): Promise<void> {
    this.puts++;
    this.records.set(record.id, structuredClone(record));
  }

  write(record: RequestRecord): void {
    this.puts++;
    this.records.set(record.id, structuredClone(record));
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
  }

  async close(): Promise<void> {}
}

/** A table store (routes, transfers) in memory, copied in and out like a file would be. */
export function memoryTable<T>(initial: T): { load(): T; save(value: T): Promise<void> } {
  let current = structuredClone(initial);
  return { load: () => structuredClone(current), save: async (value) => void (current = structuredClone(value)) };
}
