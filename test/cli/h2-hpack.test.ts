// HPACK decoding in cti's HTTP/2 client (src/cli/rpc/h2/): the examples of
// RFC 7541 Appendix C (integers, literals, the static table, Huffman, the
// dynamic table with evictions), codes from Appendix B's Huffman table, the
// errors section 5.2 and 6 name, and then real node:http2 servers (nghttp2's
// encoder: Huffman, indexing, evictions, table size updates) sending many
// random header names and values over one connection.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection } from '../../src/cli/rpc/h2/connection.js';
import { HpackDecoder } from '../../src/cli/rpc/h2/hpack-decoder.js';
import { decodeHuffman } from '../../src/cli/rpc/h2/huffman.js';
import { exchange, h2Server } from '../helpers/h2.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const throwsCompression = (fn: () => unknown, pattern: RegExp): void => {
  try {
    fn();
  } catch (err) {
    assert.is((err as { code?: number }).code, 0x9, 'COMPRESSION_ERROR');
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('no error');
};

// ------------------------------------------------------------ RFC 7541 Appendix C

test('C.1: an integer over several bytes (a name 1337 octets long: 127 in the prefix, then 1210)', () => {
  const name = 'n'.repeat(1337);
  const block = Buffer.concat([hex('00 7f ba 09'), Buffer.from(name), hex('00')]);
  assert.equal(new HpackDecoder().decode(block), [[name, '']]);
});

test('C.2: literal with indexing, without indexing, never indexed; an indexed static entry', () => {
  const decoder = new HpackDecoder();
  assert.equal(decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572')), [['custom-key', 'custom-header']]);
  assert.equal(decoder.decode(hex('040c 2f73 616d 706c 652f 7061 7468')), [[':path', '/sample/path']]);
  assert.equal(decoder.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74')), [['password', 'secret']]);
  assert.equal(decoder.decode(hex('82')), [[':method', 'GET']]);
  // Only the first went into the dynamic table: index 62.
  assert.equal(decoder.decode(hex('be')), [['custom-key', 'custom-header']]);
});

const request1 = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const request2 = [...request1, ['cache-control', 'no-cache']];
const request3 = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];

test('C.3: three requests on one connection, plain literals', () => {
  const decoder = new HpackDecoder();
  assert.equal(decoder.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d')), request1);
  assert.equal(decoder.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865')), request2);
  assert.equal(decoder.decode(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65')), request3);
});

test('C.4: the same requests, Huffman-coded', () => {
  const decoder = new HpackDecoder();
  assert.equal(decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), request1);
  assert.equal(decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), request2);
  assert.equal(decoder.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')), request3);
});

const response1 = [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
const response2 = [[':status', '307'], ...response1.slice(1)];
const response3 = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

test('C.5: three responses with a 256-octet table: the third finds its entries only if the second evicted the right ones', () => {
  const decoder = new HpackDecoder(256);
  assert.equal(
    decoder.decode(hex(`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
      2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`)),
    response1,
  );
  assert.equal(decoder.decode(hex('4803 3330 37c1 c0bf')), response2);
  assert.equal(
    decoder.decode(hex(`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
      54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49
      553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`)),
    response3,
  );
});

test('C.6: the same responses, Huffman-coded, the same evictions', () => {
  const decoder = new HpackDecoder(256);
  assert.equal(
    decoder.decode(hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
      2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`)),
    response1,
  );
  assert.equal(decoder.decode(hex('4883 640e ffc1 c0bf')), response2);
  assert.equal(
    decoder.decode(hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
      77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0
      03ed 4ee5 b106 3d50 07`)),
    response3,
  );
});

test('a table size update shrinks the table: what it evicted is gone', () => {
  const decoder = new HpackDecoder();
  decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.equal(decoder.decode(hex('20 82')), [[':method', 'GET']]); // size 0, then an indexed field
  throwsCompression(() => decoder.decode(hex('be')), /index 62 out of range/);
});

// ------------------------------------------------------------ Appendix B codes, and what is not allowed

/** One symbol's code from Appendix B, padded with ones (EOS's prefix) to whole bytes. */
function huffmanBytes(code: number, bits: number): Buffer {
  const padBits = (8 - (bits % 8)) % 8;
  const value = (BigInt(code) << BigInt(padBits)) | ((1n << BigInt(padBits)) - 1n);
  return Buffer.from(value.toString(16).padStart(((bits + padBits) / 8) * 2, '0'), 'hex');
}

test('Huffman: codes of every length group of Appendix B, the longest included', () => {
  const cases: [symbol: number, code: number, bits: number][] = [
    [0x30, 0x0, 5], [0x74, 0x9, 5], [0x20, 0x14, 6], [0x3a, 0x5c, 7], [0x26, 0xf8, 8], [0x21, 0x3f8, 10],
    [0x27, 0x7fa, 11], [0x23, 0xffa, 12], [0x00, 0x1ff8, 13], [0x5e, 0x3ffc, 14], [0x3c, 0x7ffc, 15],
    [0x5c, 0x7fff0, 19], [0x80, 0xfffe6, 20], [0x99, 0x1fffdc, 21], [0x81, 0x3fffd2, 22], [0x01, 0x7fffd8, 23],
    [0x09, 0xffffea, 24], [0xc7, 0x1ffffec, 25], [0xc0, 0x3ffffe0, 26], [0xff, 0x3ffffee, 26], [0xcb, 0x7ffffde, 27],
    [0xfe, 0x7fffff0, 27], [0x02, 0xfffffe2, 28], [0xf9, 0xffffffe, 28], [0x0a, 0x3ffffffc, 30], [0x16, 0x3ffffffe, 30],
  ];
  for (const [symbol, code, bits] of cases) assert.is(decodeHuffman(huffmanBytes(code, bits)), String.fromCharCode(symbol), `symbol ${symbol}`);
});

test('Huffman: EOS inside a string, padding over 7 bits, padding that is not ones: COMPRESSION_ERROR', () => {
  throwsCompression(() => decodeHuffman(hex('ffffffff')), /EOS/);
  throwsCompression(() => decodeHuffman(hex('1f ff')), /more than 7 bits of padding/); // 'a' (00011), then 11 one bits
  throwsCompression(() => decodeHuffman(hex('18')), /padding that is not the prefix of EOS/); // 'a', then 000
});

test('header blocks HPACK forbids: index 0, an index past the table, a size update after a field or over the setting, cut-off blocks', () => {
  throwsCompression(() => new HpackDecoder().decode(hex('80')), /index 0/);
  throwsCompression(() => new HpackDecoder().decode(hex('bf')), /index 63/);
  throwsCompression(() => new HpackDecoder().decode(hex('82 20')), /after a field/);
  throwsCompression(() => new HpackDecoder().decode(hex('3f e2 1f')), /table size of 4097/);
  throwsCompression(() => new HpackDecoder().decode(hex('00 05 61 62')), /ends inside a string/);
  throwsCompression(() => new HpackDecoder().decode(hex('ff')), /ends inside an integer/);
  throwsCompression(() => new HpackDecoder().decode(hex('ff ff ff ff ff 7f')), /over 2\^31/);
});

// ------------------------------------------------------------ real node:http2 servers

/** Lower-case names that node sends as given: a prefix keeps them clear of HTTP/2's connection headers. */
const nameArb = fc.stringMatching(/^[a-z0-9][a-z0-9_.!#$%&'*+^`|~-]{0,40}$/).map((n) => `x-${n}`);
/** Some names come back often, so that the encoder refers to its dynamic table. */
const commonName = fc.constantFrom('x-a', 'x-request-id', 'x-trace', 'grpc-message');
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const highBytes = fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const long = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1000, maxLength: 3500 });
const valueArb = fc.oneof(printable, highBytes, long, fc.constantFrom('', 'same value', 'application/grpc'));
const headersArb = fc.uniqueArray(fc.tuple(fc.oneof(nameArb, commonName), valueArb), { selector: ([name]) => name, maxLength: 25 });

async function randomHeadersOverOneConnection(options: { maxDeflateDynamicTableSize?: number }, runs: number): Promise<void> {
  const answers = new Map<string, { headers: [string, string][]; trailers: [string, string][] }>();
  const { server, address } = await h2Server((stream) => {
    const answer = answers.get(String(stream.id))!;
    stream.respond({ ':status': 200, ...Object.fromEntries(answer.headers) }, { waitForTrailers: true });
    // node sends no trailers at all when there are none: grpc-status makes sure there are some.
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', ...Object.fromEntries(answer.trailers) }));
    stream.resume();
    stream.end('body');
  }, options);
  const connection = new H2Connection(address);
  let nextId = 1;
  try {
    await fc.assert(
      fc.asyncProperty(headersArb, headersArb, async (headers, trailers) => {
        answers.set(String(nextId), { headers, trailers });
        nextId += 2;
        const { blocks, body, end } = await exchange(connection);
        assert.equal(end, { kind: 'ended' });
        assert.is(body.toString(), 'body');
        assert.is(blocks.length, 2);
        assert.is(blocks[0]![':status'], '200');
        for (const [name, value] of headers) assert.is(blocks[0]![name], value, `header ${name}`);
        for (const [name, value] of trailers) assert.is(blocks[1]![name], value, `trailer ${name}`);
      }),
      { numRuns: runs, endOnFailure: true },
    );
  } finally {
    connection.close();
    server.close();
  }
}

test('a node:http2 server sends many random headers and trailers on one connection: each arrives as sent', async () => {
  await randomHeadersOverOneConnection({}, 150);
});

test('the same from a server whose encoder keeps a 256-octet table (size updates, constant eviction)', async () => {
  await randomHeadersOverOneConnection({ maxDeflateDynamicTableSize: 256 }, 150);
});

test.run();
