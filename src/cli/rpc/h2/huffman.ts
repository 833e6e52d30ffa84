// HPACK's Huffman code (RFC 7541 section 5.2, Appendix B), decoding only:
// cti sends its few header strings as plain literals.
//
// Appendix B's code is canonical: within each code length the codes count
// up in the order of the symbols, and each length starts where the shorter
// ones left off, shifted left. So the symbols of each length, in order,
// define the whole table (test/cli/h2-hpack.test.ts decodes codes of the
// appendix's). Lengths 1-4, 9, 16-18 and 29 have no symbols.

import { ConnectionError } from './errors.js';
import { ErrorCode } from './frame.js';

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The end-of-string symbol: 30 one bits; never inside a string, its prefix pads the last byte. */
const EOS = 256;

const SYMBOLS_BY_LENGTH: Record<number, readonly number[]> = {
  5: ascii('012aceiost'),
  6: ascii(' %-./3456789=A_bdfghlmnpru'),
  7: ascii(':BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz'),
  8: ascii('&*,;XZ'),
  10: ascii('!"()?'),
  11: ascii("'+|"),
  12: ascii('#>'),
  13: [0, ...ascii('$@[]~')],
  14: ascii('^}'),
  15: ascii('<`{'),
  19: [...ascii('\\'), 195, 208],
  20: [128, 130, 131, 162, 184, 194, 224, 226],
  21: [153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230],
  22: [129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233],
  23: [1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231, 239],
  24: [9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237],
  25: [199, 207, 234, 235],
  26: [192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255],
  27: [203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254],
  28: [2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249],
  30: [10, 13, 22, EOS],
};

const MAX_LENGTH = 30;

interface CodeOfLength {
  /** The first code of this length, as a number. */
  first: number;
  symbols: readonly number[];
}

/** Made when the first Huffman string arrives, not at start-up. */
let codes: CodeOfLength[] | undefined;

function canonicalCodes(): CodeOfLength[] {
  const table: CodeOfLength[] = [];
  let next = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    const symbols = SYMBOLS_BY_LENGTH[length] ?? [];
    table[length] = { first: next, symbols };
    next = (next + symbols.length) << 1;
  }
  return table;
}

const fail = (why: string): never => {
  throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, `bad Huffman string: ${why}`);
};

/** The octets (as a latin1 string) that `encoded` holds; throws COMPRESSION_ERROR on EOS inside, or padding that is long or not EOS's prefix. */
export function decodeHuffman(encoded: Uint8Array): string {
  codes ??= canonicalCodes();
  const out = Buffer.allocUnsafe(Math.ceil((encoded.length * 8) / 5));
  let written = 0;
  let code = 0;
  let bits = 0;
  for (const byte of encoded) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      bits++;
      const { first, symbols } = codes[bits] ?? fail('a code longer than 30 bits');
      const index = code - first;
      if (index < 0 || index >= symbols.length) continue;
      const symbol = symbols[index]!;
      if (symbol === EOS) fail('EOS inside the string');
      out[written++] = symbol;
      code = 0;
      bits = 0;
    }
  }
  if (bits > 7) fail('more than 7 bits of padding');
  if (code !== (1 << bits) - 1) fail('padding that is not the prefix of EOS');
  return out.toString('latin1', 0, written);
}
