// The backoff helper: growth, cap, the two jitters, reset, and scheduling on
// an injected clock (no real time passes).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff } from '../../src/common/backoff.js';
import { ManualClock } from '../../src/common/clock.js';

const delays = (b: Backoff, n: number) => Array.from({ length: n }, () => b.nextDelay());

test('without jitter the delay doubles up to the cap and stays there', () => {
  const b = new Backoff(new ManualClock(), { initialMs: 100, maxMs: 1000, jitter: 'none' });
  assert.equal(delays(b, 6), [100, 200, 400, 800, 1000, 1000]);
  assert.is(b.attempts, 6);
});

test('a success resets the delay to the first one', () => {
  const b = new Backoff(new ManualClock(), { initialMs: 100, maxMs: 1000, jitter: 'none' });
  delays(b, 3);
  b.reset();
  assert.is(b.attempts, 0);
  assert.equal(delays(b, 2), [100, 200]);
});

test('full jitter spreads over [0, d); equal jitter over [d/2, d)', () => {
  const at = (r: number, jitter: 'full' | 'equal') => new Backoff(new ManualClock(), { initialMs: 100, factor: 3, jitter, random: () => r });
  assert.equal(delays(at(0, 'full'), 2), [0, 0]);
  assert.equal(delays(at(0.5, 'full'), 2), [50, 150]);
  assert.equal(delays(at(0, 'equal'), 2), [50, 150]);
  assert.equal(delays(at(0.999, 'equal'), 1).map(Math.round), [100]);
});

test('many failures never overflow past the cap', () => {
  const b = new Backoff(new ManualClock(), { initialMs: 1, maxMs: 5000, jitter: 'none' });
  delays(b, 2000);
  assert.is(b.nextDelay(), 5000);
});

test('schedule waits the next delay on the injected clock', () => {
  const clock = new ManualClock();
  const b = new Backoff(clock, { initialMs: 100, jitter: 'none' });
  let fired = 0;
  assert.is(b.schedule(() => fired++).delayMs, 100);
  clock.advance(99);
  assert.is(fired, 0);
  clock.advance(1);
  assert.is(fired, 1);
  const timer = b.schedule(() => fired++);
  timer.cancel();
  clock.advance(1000);
  assert.is(fired, 1);
  assert.is(clock.pending, 0);
});

test('nonsense options are refused', () => {
  for (const bad of [{ initialMs: 0 }, { initialMs: 10, maxMs: 5 }, { factor: 0.5 }, { initialMs: Number.NaN }]) {
    assert.throws(() => new Backoff(new ManualClock(), bad), (err: Error) => err instanceof RangeError);
  }
});

test.run();
