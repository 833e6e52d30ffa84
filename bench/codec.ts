// Per-message-type codec costs: encodeMessage and decodeMessage in ns/op for
// the messages of a call cycle and the other frequent ones, and where a
// decode's time goes (the well-formedness check, the parse, the codec's own
// walk). Figures only, nothing asserted.
//
// Usage: node dist/bench/codec.js [--sample-ms N, default 40]

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeMessage, encodeMessage } from '../src/csta/codec.js';
import { encodeFrame, FrameDecoder } from '../src/csta/framing.js';
import type { CstaMessage } from '../src/csta/messages.js';
import { parseDocument } from '../src/csta/xml.js';
import { consume, fmt, isMain, machineLine, nsPerOp, numberArg, pad, padLeft } from './common.js';
import { callCycle, otherMessages } from './fixtures.js';

/** A flat (sequential) copy of a string, as text read from a socket is: the codec's output is a rope of concatenations. */
export function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

// The options src/csta/xml.ts gives its parser, minus the entity decoder (no entity occurs in these messages).
const plainParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: false,
  jPath: false,
});

export function main(): void {
  const sampleMs = numberArg('sample-ms', 40, 5, 1000);
  console.log(`CSTA codec per message type: ${machineLine()}; ns/op, median of 5 samples of ~${sampleMs} ms`);
  console.log('  decode = decodeMessage of a flat string (as read from a socket); "rope" = of encodeMessage\'s own output');
  console.log('  validate = XMLValidator.validate; parse = XMLParser.parse (same options); the codec\'s walk is decode - parseDocument');
  console.log('');
  const cols = ['bytes', 'encode', 'decode', 'dec rope', 'validate', 'parse', 'parseDoc', 'walk'];
  console.log(`  ${pad('message', 36)}${cols.map((c) => padLeft(c, 10)).join('')}`);

  const cycle = callCycle();
  const messages = [...cycle, ...otherMessages()];
  let totals = { encode: 0, decode: 0, rope: 0 };
  for (const [i, m] of messages.entries()) {
    const rope = encodeMessage(m);
    const xml = flat(rope);
    const encode = nsPerOp(() => consume(encodeMessage(m).length), sampleMs);
    const decode = nsPerOp(() => consume(decodeMessage(xml).type.length), sampleMs);
    // A fresh rope each time: a rope read once is flattened in place by V8.
    const decodeRope = nsPerOp(() => consume(decodeMessage(encodeMessage(m)).type.length), sampleMs) - encode;
    const validate = nsPerOp(() => consume(XMLValidator.validate(xml) === true ? 1 : 0), sampleMs);
    const parse = nsPerOp(() => consume(Object.keys(plainParser.parse(xml) as object).length), sampleMs);
    const parseDoc = nsPerOp(() => consume(parseDocument(xml).root.length), sampleMs);
    const name = m.type === 'ConnectionClearedEvent' ? `${m.type} (${m.droppedConnection.deviceId})` : m.type;
    const cells = [Buffer.byteLength(xml) + 8, encode, decode, decodeRope, validate, parse, parseDoc, decode - parseDoc];
    console.log(`  ${pad(name, 36)}${cells.map((v) => padLeft(fmt(v), 10)).join('')}`);
    if (i < cycle.length) totals = { encode: totals.encode + encode, decode: totals.decode + decode, rope: totals.rope + decodeRope };
  }
  const n = cycle.length;
  console.log('');
  console.log(
    `  call cycle (${n} messages), mean per message: encode ${fmt(totals.encode / n)} ns, decode ${fmt(totals.decode / n)} ns (rope ${fmt(totals.rope / n)} ns) -> ${fmt(1e9 / ((totals.encode + totals.decode) / n))} encode+decode pairs/s`,
  );

  // Framing alone, for scale: one EstablishedEvent frame encoded, and decoded from one chunk.
  const established = flat(encodeMessage(cycle[5]!));
  const frames = new FrameDecoder();
  const frame = encodeFrame(9999, established);
  const enc = nsPerOp(() => consume(encodeFrame(9999, established).length), sampleMs);
  const dec = nsPerOp(() => consume(frames.push(frame).length), sampleMs);
  console.log(`  framing alone (EstablishedEvent, ${frame.length} bytes): encodeFrame ${fmt(enc)} ns, FrameDecoder.push ${fmt(dec)} ns`);
}

if (isMain(import.meta.url)) main();
