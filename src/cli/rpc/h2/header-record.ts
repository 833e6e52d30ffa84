// A header block as the gRPC layer reads it (status.ts): names, lower case
// as HTTP/2 requires, to values; a repeated name's values in an array.

import type { HeaderField } from './hpack-table.js';

export type HeaderRecord = Record<string, string | string[]>;

export function headerRecord(fields: readonly HeaderField[]): HeaderRecord {
  // No prototype: a header named __proto__ is just a header.
  const record: HeaderRecord = Object.create(null);
  for (const [name, value] of fields) {
    const seen = record[name];
    record[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return record;
}
