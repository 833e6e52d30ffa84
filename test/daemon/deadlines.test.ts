// The office's request windows on one timer (src/daemon/core/deadlines.ts):
// items expire in due order, a removed one never does, re-adding moves it,
// and only one clock timer is pending however many items wait.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/common/clock.js';
import { Deadlines, type Expiring } from '../../src/daemon/core/deadlines.js';

function item(name: string, expired: string[]): Expiring {
  return { dueAt: 0, slot: -1, expire: () => expired.push(name) };
}

test('expire in due order on one timer; a removed item never expires; adding again moves it', () => {
  const clock = new ManualClock();
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  const items = new Map<number, Expiring>();
  // 200 items with due times in a scrambled order.
  for (let i = 0; i < 200; i++) {
    const ms = ((i * 7919) % 200) * 10 + 10;
    const x = item(String(ms), expired);
    items.set(ms, x);
    deadlines.add(x, ms);
  }
  assert.is(clock.pending, 1, 'one clock timer for all of them');
  deadlines.remove(items.get(500)!);
  deadlines.remove(items.get(500)!); // twice is harmless
  deadlines.add(items.get(20)!, 2500); // moved past the others
  clock.advance(1000);
  const due = [...items.keys()].filter((ms) => ms <= 1000 && ms !== 500 && ms !== 20).sort((a, b) => a - b).map(String);
  assert.equal(expired, due);
  clock.advance(1500);
  assert.equal(expired.slice(-1), ['20'], 'the moved item expires last, at its new time');
  assert.is(expired.length, 199);
  assert.is(deadlines.size, 0);
  assert.is(clock.pending, 0, 'no timer left once nothing waits');
});

test('an item expiring may add another; an earlier add re-arms the timer sooner', () => {
  const clock = new ManualClock();
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  const late = item('late', expired);
  deadlines.add(late, 10_000);
  const chained = item('chained', expired);
  deadlines.add({ dueAt: 0, slot: -1, expire: () => (expired.push('first'), deadlines.add(chained, 5)) }, 100);
  clock.advance(104);
  assert.equal(expired, ['first']);
  clock.advance(1);
  assert.equal(expired, ['first', 'chained']);
  deadlines.clear();
  clock.advance(20_000);
  assert.equal(expired, ['first', 'chained'], 'cleared items never expire');
  assert.is(late.slot, -1);
});

test.run();
