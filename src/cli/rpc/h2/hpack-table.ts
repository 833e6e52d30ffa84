// HPACK's index space (RFC 7541 section 2.3): the static table at 1..61,
// then the dynamic table, newest entry first. The dynamic table is bounded
// by a size in octets (section 4.1: name + value + 32 an entry); adding
// evicts the oldest entries to make room, and an entry larger than the whole
// table empties it (section 4.4).

import { ConnectionError } from './errors.js';
import { ErrorCode } from './frame.js';
import { STATIC_TABLE } from './hpack-static-table.js';

/** Section 4.1: what an entry costs beyond its octets. */
const ENTRY_OVERHEAD = 32;

/** A header field; names and values are octet strings, held as latin1. */
export type HeaderField = readonly [name: string, value: string];

/** Latin1, so a string's length is its size in octets. */
const sizeOf = ([name, value]: HeaderField): number => name.length + value.length + ENTRY_OVERHEAD;

export class HeaderTable {
  private readonly dynamic: HeaderField[] = [];
  private size = 0;

  /** @param maxSize the size the decoder allows (our SETTINGS_HEADER_TABLE_SIZE) */
  constructor(private maxSize: number) {}

  get(index: number): HeaderField {
    const field = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.dynamic[index - STATIC_TABLE.length - 1];
    if (index < 1 || field === undefined) throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, `header table index ${index} out of range`);
    return field;
  }

  add(field: HeaderField): void {
    this.evictTo(this.maxSize - sizeOf(field));
    if (sizeOf(field) > this.maxSize) return;
    this.dynamic.unshift(field);
    this.size += sizeOf(field);
  }

  /** A dynamic table size update (section 6.3). */
  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize);
  }

  private evictTo(target: number): void {
    while (this.size > Math.max(0, target)) this.size -= sizeOf(this.dynamic.pop()!);
  }
}
