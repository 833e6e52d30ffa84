// Camp-ons of one line take turns (src/daemon/core/line-turns.ts): the
// oldest submission first whatever order they join in (a restart resumes
// them in store order), a failed try goes to the back, leaving wakes the
// next (and only the next), and lines do not share queues.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineTurns, type LineQueue, type TurnTaker } from '../../src/daemon/core/line-turns.js';

function setup() {
  const turns = new LineTurns();
  const woken: string[] = [];
  const join = (name: string, since: number, line = '/2000') => {
    const member: TurnTaker = { since, wake: () => woken.push(name) };
    const queue: LineQueue = turns.join(line, member);
    return { first: () => queue.isFirst(member), toBack: () => queue.toBack(member), leave: () => queue.leave(member) };
  };
  return { turns, woken, join };
}

test('oldest first, whatever the joining order; toBack and leave hand the turn on and wake the new first only', () => {
  const { woken, join } = setup();
  const middle = join('middle', 20);
  const young = join('young', 30);
  assert.equal(woken, [], 'joining behind the first wakes nobody');
  const old = join('old', 10);
  assert.equal(woken, ['middle'], 'the head it displaced (a restart resuming out of order) looks again');
  woken.length = 0;
  const other = join('other line', 40, '/2001');
  assert.equal([old.first(), middle.first(), young.first(), other.first()], [true, false, false, true]);

  old.toBack();
  assert.equal([middle.first(), woken], [true, ['middle']], 'a failed try hands the turn on at once');
  middle.leave();
  assert.equal([young.first(), woken], [true, ['middle', 'young']]);
  young.leave();
  assert.ok(old.first(), 'the one sent back is next again');
  old.toBack();
  assert.ok(old.first(), 'alone, it stays first');
  old.leave();
  old.leave();
  assert.equal(woken, ['middle', 'young', 'old'], 'leaving twice wakes nobody');
  assert.ok(join('again', 50).first(), 'an emptied line starts afresh');
});

test('clear empties every queue without waking anyone (the daemon stops)', () => {
  const { turns, woken, join } = setup();
  const a = join('a', 1);
  join('b', 2);
  turns.clear();
  a.leave();
  assert.equal(woken, []);
  assert.ok(join('c', 3).first(), 'a line joined afresh has a new queue');
});

test.run();
