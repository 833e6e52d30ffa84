// How results and progress read, for people and (--json) for scripts; and
// plain output without a TTY or with NO_COLOR.

import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressObject, progressText, requestRow, resultObject, resultText } from '../../src/cli/format.js';
import { createOutput, type Style } from '../../src/cli/output.js';
import type { Request } from '../../src/gen/cti/v1/cti.js';

const PLAIN: Style = { ok: (t) => t, bad: (t) => t, warn: (t) => t, dim: (t) => t };
const T0 = Date.parse('2026-01-01T10:00:00Z');

const request = (over: Partial<Request> = {}): Request => ({
  id: 'r1', kind: 'camp-on', requester: 'bob', destination: '2000', dial: '2000', source: '2001', network: 'station',
  campOn: true, strategy: 'watch', retryEveryMs: 30_000, recallFirst: false, state: 'watching', reason: '', message: '',
  ringing: '', createdAt: new Date(T0).toISOString(), deadline: new Date(T0 + 300_000).toISOString(), endedAt: '', attempts: 0,
  history: [], office: '', place: '', display: '', ...over,
});

test('progress lines say what happens and the time left', () => {
  const r = request();
  assert.is(progressText(r, { state: 'watching', at: '', detail: 'busy' }, T0 + 48_000, PLAIN), 'watching 2000 (busy) — 4m12s left');
  assert.is(progressText(r, { state: 'calling', at: '', detail: 'ringing 2000' }, T0, PLAIN), 'calling: ringing 2000');
  assert.is(progressText(r, { state: 'accepted', at: '', detail: '' }, T0, PLAIN), 'accepted: camp-on 2000 from 2001 (id r1)');
});

test('result lines: the state, the reason, the message', () => {
  assert.is(resultText(request({ state: 'succeeded' }), PLAIN), 'succeeded');
  const failed = request({ state: 'failed', reason: 'busy', message: 'the line stayed busy until the window ended' });
  assert.is(resultText(failed, PLAIN), 'failed: busy — the line stayed busy until the window ended');
  assert.is(resultText(request({ state: 'cancelled', reason: 'cancelled', message: 'cancelled by bob' }), PLAIN), 'cancelled — cancelled by bob');
});

test('JSON lines have the interfaces.md shapes', () => {
  const r = request({ state: 'failed', reason: 'timeout', message: 'the window ended', endedAt: '2026-01-01T10:05:00.000Z' });
  const progress = progressObject(r, { state: 'watching', at: '2026-01-01T10:00:01.000Z', detail: 'busy' });
  assert.equal(Object.keys(progress).slice(0, 4), ['type', 'id', 'state', 'at']);
  assert.equal(progress, { type: 'progress', id: 'r1', state: 'watching', at: '2026-01-01T10:00:01.000Z', detail: 'busy', deadline: r.deadline });
  const result = resultObject(r);
  assert.equal(Object.keys(result).slice(0, 5), ['type', 'id', 'state', 'reason', 'message']);
  assert.equal(result, { type: 'result', id: 'r1', state: 'failed', reason: 'timeout', message: 'the window ended', at: r.endedAt });
});

test('a listing row: id, state, what, the result or time left', () => {
  assert.match(requestRow(request(), T0), /^r1 {2}watching +camp-on 2000 from 2001 +5m left$/);
  assert.match(requestRow(request({ state: 'failed', reason: 'timeout' }), T0), /^r1 {2}failed +camp-on 2000 from 2001 +timeout$/);
});

async function capture(isTTY: boolean, env: Record<string, string | undefined>) {
  const stdout = Object.assign(new PassThrough(), { isTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const out = await createOutput(false, { stdout, stderr, env });
  out.line(resultText(request({ state: 'succeeded' }), out.style.out));
  out.progress(() => 'watching 2000');
  stdout.end();
  stderr.end();
  return { stdout: String(stdout.read() ?? ''), stderr: String(stderr.read() ?? '') };
}

test('no TTY: plain lines, progress on stderr, the answer on stdout', async () => {
  assert.equal(await capture(false, {}), { stdout: 'succeeded\n', stderr: 'watching 2000\n' });
});

test('a TTY is coloured, unless NO_COLOR is set', async () => {
  assert.match((await capture(true, {})).stdout, /\x1b\[32msucceeded\x1b\[39m/);
  assert.is((await capture(true, { NO_COLOR: '1' })).stdout, 'succeeded\n');
});

test.run();
