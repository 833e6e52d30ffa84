// HPACK decoding (RFC 7541 sections 5 and 6): a header block, as the
// HEADERS and CONTINUATION frames of one response carried it, into its
// fields. One decoder a connection: the dynamic table lives as long as the
// connection, so every block must be decoded, even one for a stream that
// has already ended. Anything malformed is a COMPRESSION_ERROR, which ends
// the connection (RFC 9113 section 4.3).

import { ConnectionError } from './errors.js';
import { ErrorCode } from './frame.js';
import { HeaderTable, type HeaderField } from './hpack-table.js';
import { decodeHuffman } from './huffman.js';

/** SETTINGS_HEADER_TABLE_SIZE's initial value, which cti never changes. */
export const DEFAULT_TABLE_SIZE = 4096;

/** Integers cti accepts: lengths and indexes far beyond any real header block are an attack or garbage. */
const MAX_INTEGER = 2 ** 31 - 1;

const fail = (why: string): never => {
  throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, `bad header block: ${why}`);
};

export class HpackDecoder {
  private readonly table: HeaderTable;

  constructor(private readonly maxTableSize = DEFAULT_TABLE_SIZE) {
    this.table = new HeaderTable(maxTableSize);
  }

  decode(block: Buffer): HeaderField[] {
    const reader = new BlockReader(block);
    const fields: HeaderField[] = [];
    while (!reader.done) {
      const first = reader.peek();
      if (first & 0x80) {
        fields.push(this.table.get(reader.integer(7))); // 6.1 indexed
      } else if (first & 0x40) {
        const field = this.literal(reader, 6); // 6.2.1 with incremental indexing
        this.table.add(field);
        fields.push(field);
      } else if (first & 0x20) {
        // 6.3 dynamic table size update: only before the first field (4.2), and within our setting.
        if (fields.length > 0) fail('a table size update after a field');
        const size = reader.integer(5);
        if (size > this.maxTableSize) fail(`a table size of ${size} (at most ${this.maxTableSize})`);
        this.table.resize(size);
      } else {
        fields.push(this.literal(reader, 4)); // 6.2.2 without indexing, 6.2.3 never indexed
      }
    }
    return fields;
  }

  /** A literal field: its name by index (or literal when the index is 0), then its value. */
  private literal(reader: BlockReader, prefixBits: number): HeaderField {
    const index = reader.integer(prefixBits);
    const name = index === 0 ? reader.string() : this.table.get(index)[0];
    return [name, reader.string()];
  }
}

/** Reads a block's primitives in order (section 5). */
class BlockReader {
  private pos = 0;

  constructor(private readonly block: Buffer) {}

  get done(): boolean {
    return this.pos >= this.block.length;
  }

  peek(): number {
    return this.block[this.pos]!;
  }

  /** 5.1: an N-bit prefix; when all ones, continued 7 bits a byte, least significant first. */
  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = (this.block[this.pos++] ?? fail('it ends inside an integer')) & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      const byte = this.block[this.pos++] ?? fail('it ends inside an integer');
      value += (byte & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) fail('an integer over 2^31');
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** 5.2: a flag for Huffman coding, a 7-bit-prefix length, the octets. */
  string(): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.pos + length > this.block.length) fail('it ends inside a string');
    const octets = this.block.subarray(this.pos, this.pos + length);
    this.pos += length;
    return huffman ? decodeHuffman(octets) : octets.toString('latin1');
  }
}
