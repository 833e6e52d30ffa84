// Per-message-type codec costs: encodeMessage and decodeMessage in ns of CPU
// per op for the messages of a call cycle and the other frequent ones, and
// where a decode's time goes (fast-xml-parser's well-formedness check and its
// parse). Figures only, nothing asserted.
//
// Usage: node dist/bench/codec.js [--sample-ms N, default 30] [--warmup-ms N, default 1500]

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeMessage, encodeMessage } from '../src/csta/codec.js';
import { encodeFrame, FrameDecoder } from '../src/csta/framing.js';
import { consume, fmt, isMain, machineLine, nsPerOp, numberArg, pad, padLeft } from './common.js';
import { callCycle, otherMessages } from './fixtures.js';

/** A flat (sequential) copy of a string, as text read from a socket is: the codec's output is a rope of concatenations. */
export function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

// The options src/csta/xml.ts gives its parser, less the entity decoder (no entity occurs in these messages) and the tag-name guard.
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
  const sampleMs = numberArg('sample-ms', 30, 5, 1000);
  const warmupMs = numberArg('warmup-ms', 1500, 0, 10_000);
  console.log(`CSTA codec per message type: ${machineLine()}; ns of CPU time per op, median of 5 samples of ~${sampleMs} ms after ${warmupMs} ms of warm-up`);
  console.log('  decode = decodeMessage of the XML as read from a socket');
  console.log('  of which: validate = XMLValidator.validate, parse = XMLParser.parse with the codec\'s options less its entity decoder and tag-name guard');
  console.log('');
  const cols = ['bytes', 'encode', 'decode', 'validate', 'parse'];
  console.log(`  ${pad('message', 36)}${cols.map((c) => padLeft(c, 10)).join('')}`);

  const cycle = callCycle();
  const messages = [...cycle, ...otherMessages()];
  // Warm-up: every message both ways for a while, so the JIT has settled before the first figure.
  const xmls = messages.map((m) => flat(encodeMessage(m)));
  for (const end = performance.now() + warmupMs; performance.now() < end; ) {
    for (const [i, m] of messages.entries()) {
      const xml = xmls[i]!;
      consume(encodeMessage(m).length + decodeMessage(xml).type.length + (XMLValidator.validate(xml) === true ? 1 : 0));
      consume(Object.keys(plainParser.parse(xml) as object).length);
    }
  }
  let totals = { encode: 0, decode: 0 };
  for (const [i, m] of messages.entries()) {
    const xml = xmls[i]!;
    const encode = nsPerOp(() => consume(encodeMessage(m).length), sampleMs);
    const decode = nsPerOp(() => consume(decodeMessage(xml).type.length), sampleMs);
    const validate = nsPerOp(() => consume(XMLValidator.validate(xml) === true ? 1 : 0), sampleMs);
    const parse = nsPerOp(() => consume(Object.keys(plainParser.parse(xml) as object).length), sampleMs);
    const name = m.type === 'ConnectionClearedEvent' ? `${m.type} (${m.droppedConnection.deviceId})` : m.type;
    const cells = [Buffer.byteLength(xml) + 8, encode, decode, validate, parse];
    console.log(`  ${pad(name, 36)}${cells.map((v) => padLeft(fmt(v), 10)).join('')}`);
    if (i < cycle.length) totals = { encode: totals.encode + encode, decode: totals.decode + decode };
  }
  const n = cycle.length;
  console.log('');
  console.log(
    `  call cycle (${n} messages), mean per message: encode ${fmt(totals.encode / n)} ns, decode ${fmt(totals.decode / n)} ns -> ${fmt(1e9 / ((totals.encode + totals.decode) / n))} encode+decode pairs/s`,
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
