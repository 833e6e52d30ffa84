// HPACK encoding, as little as cti needs (RFC 7541): every field a
// "literal header field without indexing, new name" (section 6.2.2), its
// strings plain (no Huffman). A request's few headers gain little from
// either, and the server's decoder state then never depends on ours.

import type { HeaderField } from './hpack-table.js';

const LITERAL_WITHOUT_INDEXING_NEW_NAME = Buffer.from([0x00]);

export function encodeHeaderBlock(fields: readonly HeaderField[]): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [LITERAL_WITHOUT_INDEXING_NEW_NAME, ...encodeString(name), ...encodeString(value)]));
}

/** 5.2 with the Huffman flag off: the length (a 7-bit-prefix integer), then the octets. */
function encodeString(text: string): Buffer[] {
  const octets = Buffer.from(text, 'latin1');
  return [encodeInteger(octets.length, 7), octets];
}

/** 5.1: the value in the prefix when it fits, else all ones there and the rest 7 bits a byte, least significant first. */
function encodeInteger(value: number, prefixBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([value]);
  const bytes = [max];
  let rest = value - max;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
