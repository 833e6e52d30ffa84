// A seeded mutation fuzzer against the simulator's CSTA listener (issue 3;
// after smtp-server's): valid frames are mutated (bytes flipped, cut,
// duplicated, headers bent, DOCTYPEs and entities slipped in, XML tags
// broken), sent in 1-, 3- and 17-byte chunks or whole, and after every few
// inputs a valid session must still be served. The seed is printed on
// failure; FUZZ_SEED=N replays it, FUZZ_ROUNDS=N runs longer.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { encodeCstaFrame } from '../../src/csta/codec.js';
import type { CstaMessage } from '../../src/csta/messages.js';
import { openApp } from '../helpers/csta-client.js';
import { startTestSim, type TestSim } from '../helpers/world.js';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rounds = Number(process.env.FUZZ_ROUNDS ?? 600);

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: CstaMessage[] = [
  { type: 'StartApplicationSession', applicationId: 'fuzz', user: 'ctid-a', password: 'secret-a', protocolVersions: ['http://www.ecma-international.org/standards/ecma-323/csta/ed5'] },
  { type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000' },
  { type: 'MonitorStart', monitorObject: '2000' },
  { type: 'SnapshotDevice', snapshotObject: '2002' },
  { type: 'ClearConnection', connectionToBeCleared: { callId: '1', deviceId: '2001' } },
  { type: 'Escape', command: { op: 'bridge', ports: ['7001', '7002'] } },
  { type: 'RouteSelect', routeRegisterReqId: '1', crossRefIdentifier: '2', routeSelected: '7001' },
];

const SNIPPETS = ['<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', '&a;&a;&a;', '<![CDATA[', ']]>', '<', '>', '</', '\u0000', '\uffff', '&#x0;', '<?xml version="1.0"?>', 'xmlns:x="y"'];

function mutate(rand: () => number, frame: Buffer): Buffer {
  const bytes = Buffer.from(frame);
  const pick = (n: number) => Math.floor(rand() * n);
  switch (pick(8)) {
    case 0: // flip bytes anywhere, the header included
      for (let i = 0, n = 1 + pick(4); i < n; i++) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    case 1: // cut the frame short, or at the header
      return bytes.subarray(0, pick(bytes.length));
    case 2: // a length that lies
      bytes.writeUInt16BE(pick(0x10000), 2);
      return bytes;
    case 3: // a non-digit or zero invoke id
      bytes.write(['abcd', '0000', '99x9', '    '][pick(4)]!, 4, 'latin1');
      return bytes;
    case 4: {
      // XML snippets spliced into the body, header length kept consistent
      const at = 8 + pick(bytes.length - 8);
      const body = Buffer.concat([bytes.subarray(8, at), Buffer.from(SNIPPETS[pick(SNIPPETS.length)]!), bytes.subarray(at)]);
      const header = Buffer.from(bytes.subarray(0, 8));
      header.writeUInt16BE(Math.min(0xffff, body.length + 8), 2);
      return Buffer.concat([header, body]);
    }
    case 5: // the same frame twice, then garbage
      return Buffer.concat([bytes, bytes, Buffer.from(Array.from({ length: pick(40) }, () => pick(256)))]);
    case 6: // a bad format indicator
      bytes[pick(2)] = 1 + pick(255);
      return bytes;
    default: {
      // rename the root element: an unknown message
      const text = bytes.subarray(8).toString('utf8').replace(/<(\w+)/, '<Bogus$1');
      const body = Buffer.from(text);
      const header = Buffer.from(bytes.subarray(0, 8));
      header.writeUInt16BE(body.length + 8, 2);
      return Buffer.concat([header, body]);
    }
  }
}

async function send(address: string, data: Buffer, chunk: number): Promise<void> {
  const socket: Socket = connect({ host: '127.0.0.1', port: Number(address.split(':')[1]) });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  for (let i = 0; i < data.length; i += chunk) socket.write(data.subarray(i, i + chunk));
  // Let the switch read it (or drop us), then go.
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
    setImmediate(() => socket.destroy()); // never wait on a switch that keeps the socket half-open
  });
}

let sim: TestSim;
test.before(async () => {
  sim = await startTestSim();
});
test.after(async () => {
  await sim.close();
});

test(`hostile frames never take the CSTA server down (seed ${seed})`, async () => {
  const rand = prng(seed);
  const frames = SEEDS.map((message, i) => encodeCstaFrame({ invokeId: i + 1, message }));
  const transcript: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const session = frames[0]!;
      const victim = frames[Math.floor(rand() * frames.length)]!;
      const input = Buffer.concat([rand() < 0.5 ? session : Buffer.alloc(0), mutate(rand, victim)]);
      const chunk = [1, 3, 17, input.length][Math.floor(rand() * 4)]!;
      transcript.push(`round ${round}: ${input.length} bytes in ${chunk}-byte chunks: ${input.subarray(0, 48).toString('hex')}`);
      await send(sim.csta('a'), input, chunk);
      if (round % 20 === 19) {
        const probe = await openApp(sim.csta('a'), sim.credentials('a'));
        await probe.request({ type: 'SnapshotDevice', snapshotObject: '2000' });
        probe.close();
      }
    }
    const last = await openApp(sim.csta('a'), sim.credentials('a'));
    const made = await last.request({ type: 'MakeCall', callingDevice: '2003', calledDirectoryNumber: '2004' });
    assert.equal(made.type, 'MakeCallResponse');
    last.close();
  } catch (err) {
    console.error(`fuzz failed with FUZZ_SEED=${seed}; last inputs:\n${transcript.slice(-5).join('\n')}`);
    throw err;
  }
});

test.run();
