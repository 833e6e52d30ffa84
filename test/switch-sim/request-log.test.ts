// The simulator's request log on its own: bounded per office, in order past
// its capacity, offices merged by time, credentials masked.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CstaMessage } from '../../src/csta/messages.js';
import { RequestLog } from '../../src/switch-sim/request-log.js';

const snapshot = (n: number): CstaMessage => ({ type: 'SnapshotDevice', snapshotObject: String(n) });

/** A clock that moves one millisecond per reading, from a fixed start. */
function steppingClock(start = Date.UTC(2026, 10, 26, 12)): () => number {
  let t = start;
  return () => t++;
}

test('bounded: past its capacity it keeps the newest entries, oldest first, and stays ordered as it wraps', () => {
  const log = new RequestLog({ maxEntriesPerOffice: 5, now: steppingClock() });
  for (let i = 1; i <= 3; i++) log.record('a', 's', i, snapshot(i));
  assert.equal(
    log.list('a').map((e) => e.invokeId),
    [1, 2, 3],
    'not yet full',
  );
  for (let i = 4; i <= 23; i++) {
    log.record('a', 's', i, snapshot(i));
    const ids = log.list('a').map((e) => e.invokeId);
    const first = Math.max(1, i - 4);
    assert.equal(
      ids,
      Array.from({ length: i - first + 1 }, (_, k) => first + k),
      `after ${i} requests`,
    );
  }
  const times = log.list('a').map((e) => Date.parse(e.at));
  assert.equal(times, [...times].sort((x, y) => x - y), 'times ascend');
});

test('the default capacity is 50,000 per office, and recording past it stays cheap', () => {
  const log = new RequestLog();
  const total = 120_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < total; i++) log.record('a', 's', i % 9998, snapshot(i));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const list = log.list('a');
  assert.is(list.length, 50_000);
  assert.equal(list[0]!.message.snapshotObject, String(total - 50_000));
  assert.equal(list.at(-1)!.message.snapshotObject, String(total - 1));
  for (let i = 1; i < list.length; i++) {
    if (Number(list[i]!.message.snapshotObject) !== Number(list[i - 1]!.message.snapshotObject) + 1) assert.unreachable(`out of order at ${i}`);
  }
  // splice(0, 1) on the full array took about 210 us a request: 70,000 of them would be about 15 s.
  assert.ok(ms < 5_000, `${total} records took ${ms.toFixed(0)} ms`);
});

test('list(office) is that office in arrival order; list() is every office by time, ties in office order', () => {
  let now = 1_000;
  const log = new RequestLog({ maxEntriesPerOffice: 3, now: () => now });
  const at = (t: number, office: string, id: number) => {
    now = t;
    log.record(office, 's', id, snapshot(id));
  };
  at(10, 'a', 1);
  at(20, 'b', 2);
  at(20, 'a', 3);
  at(30, 'b', 4);
  at(5, 'a', 5); // the wall clock stepped back: list('a') keeps arrival order, list() sorts it first
  at(40, 'a', 6); // a is past its capacity of 3: 1 is gone
  assert.equal(
    log.list('a').map((e) => e.invokeId),
    [3, 5, 6],
  );
  assert.equal(
    log.list('b').map((e) => e.invokeId),
    [2, 4],
  );
  assert.equal(
    log.list().map((e) => [e.office, e.invokeId]),
    [
      ['a', 5],
      ['a', 3],
      ['b', 2],
      ['b', 4],
      ['a', 6],
    ],
  );
  assert.equal(log.list('c'), []);
});

test('entries: ISO time, office, session, invoke id, type and the message with its password masked', () => {
  const log = new RequestLog({ now: () => Date.UTC(2026, 10, 26, 12, 0, 0, 7) });
  const start: CstaMessage = { type: 'StartApplicationSession', applicationId: 'ctid', user: 'u', password: 'secret', protocolVersions: [] };
  log.record('a', '-', 1, start);
  const [entry] = log.list();
  assert.equal(entry, {
    at: '2026-11-26T12:00:00.007Z',
    office: 'a',
    session: '-',
    invokeId: 1,
    type: 'StartApplicationSession',
    message: { type: 'StartApplicationSession', applicationId: 'ctid', user: 'u', password: '***', protocolVersions: [] },
  });
  assert.is(start.password, 'secret', 'the request itself is untouched');
  assert.equal(Object.keys(entry!), ['at', 'office', 'session', 'invokeId', 'type', 'message'], 'the same shape as before, for JSON output');
});

test('a capacity must be a positive integer', () => {
  assert.throws(() => new RequestLog({ maxEntriesPerOffice: 0 }), RangeError);
  assert.throws(() => new RequestLog({ maxEntriesPerOffice: 1.5 }), RangeError);
});

test.run();
