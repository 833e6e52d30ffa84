// The dashboard screen, frame by frame (ink-testing-library): the model is
// fed what ctid's streams would deliver, keys are typed on its stdin, and
// the assertions read the frames a person would see and the actions the
// screen asked for. No sleeps: every wait polls the last frame.

import { cleanup, render } from 'ink-testing-library';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Prompt, Request, SubmitRequest, Transfer } from '../../src/gen/cti/v1/cti.js';
import { Dashboard, type DashboardActions } from '../../src/cli/dashboard/app.js';
import { DashboardStore } from '../../src/cli/dashboard/store.js';
import { eventually } from '../helpers/eventually.js';

test.after.each(() => cleanup()); // a failed test unmounts too, so the process can end

const NOW = Date.parse('2026-11-26T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function request(n: number, fields: Partial<Request> = {}): Request {
  return {
    id: `a-${String(n).padStart(16, '0')}`,
    kind: 'camp-on',
    requester: 'bob',
    destination: String(2000 + (n % 10)),
    dial: String(2000 + (n % 10)),
    source: '2001',
    network: 'station',
    campOn: true,
    strategy: 'watch',
    retryEveryMs: 30_000,
    recallFirst: false,
    state: 'watching',
    reason: '',
    message: '',
    ringing: '',
    createdAt: iso(NOW - 1_000_000 + n * 10),
    deadline: iso(NOW + 600_000),
    endedAt: '',
    attempts: 0,
    history: [],
    office: '',
    place: '',
    display: '',
    ...fields,
  };
}

function prompt(id: string, fields: Partial<Prompt> = {}): Prompt {
  return { id, kind: 'join', extension: '2001', from: 'carol (2002)', call: ['2003'], options: ['accept', 'reject'], expires: iso(NOW + 20_000), state: 'open', text: '', ...fields };
}

interface Recorded {
  submitted: SubmitRequest[];
  cancelled: string[];
  answered: [string, boolean][];
  transfers: [string, string[], boolean][];
  quits: number;
}

function mount() {
  const store = new DashboardStore(undefined, 5);
  const seen: Recorded = { submitted: [], cancelled: [], answered: [], transfers: [], quits: 0 };
  const actions: DashboardActions = {
    submit: async (r) => (seen.submitted.push(r), request(99, { kind: r.kind, destination: r.destination, source: r.source, state: 'accepted' })),
    cancel: async (id) => (seen.cancelled.push(id), request(1, { state: 'cancelled' })),
    answer: async (id, accept) => (seen.answered.push([id, accept]), prompt(id, { state: accept ? 'accepted' : 'rejected' })),
    setTransfer: async (extension, destinations, confirm) => {
      seen.transfers.push([extension, destinations, confirm]);
      return { extension, destinations: destinations.map((d) => ({ number: d, dial: d, network: 'station' })), mode: 'auto', setBy: 'bob', setAt: iso(NOW) } satisfies Transfer;
    },
    quit: () => void seen.quits++,
  };
  const ui = render(<Dashboard store={store} actions={actions} color={false} now={() => NOW} />);
  store.update((m) => {
    m.status({ office: 'a', user: 'bob', admin: false, switchLink: 'up', extensions: ['2001'] });
    m.connectionIs('up');
  });
  const frame = (what: string, accept: (f: string) => boolean) => eventually(what, async () => ui.lastFrame() ?? '', accept, 5_000);
  return { store, ui, seen, frame };
}

test('80x24: the panes are labelled, the header says who and where, lines show their state in words', async () => {
  const { store, ui, frame } = mount();
  store.update((m) => m.line('2001', 'busy', NOW - 65_000));
  const f = await frame('the first full frame', (x) => x.includes('2001') && x.includes('busy'));
  for (const label of ['Lines', 'Prompts', 'Requests', 'Transfers and peers']) assert.ok(f.includes(label), `pane ${label}:\n${f}`);
  assert.match(f, /office a · bob · switch up · ctid up/);
  assert.match(f, /● 2001\s+busy\s+1m5s/);
  assert.ok(f.split('\n').length <= 24, `fits 24 rows:\n${f}`);
  ui.unmount();
});

test('requests newest first with their state in words; / filters by number, kind or state; esc clears the filter', async () => {
  const { store, ui, frame } = mount();
  store.update((m) => {
    m.request(request(1, { state: 'failed', reason: 'busy', message: '2001 was busy' }));
    m.request(request(2, { destination: '2005', state: 'succeeded', message: '2005 answered' }));
    m.request(request(3, { destination: '2007' }));
  });
  let f = await frame('three requests', (x) => x.includes('2007'));
  const rows = f.split('\n').filter((l) => /camp-on \d/.test(l));
  assert.equal(rows.map((r) => r.match(/camp-on (\d+)/)![1]), ['2007', '2005', '2001'], f);
  assert.match(f, /✗ failed\s+camp-on 2001 from 2001\s+busy: 2001 was busy/);
  assert.match(f, /✓ succeeded/);

  ui.stdin.write('/');
  ui.stdin.write('fail');
  f = await frame('the filter applied', (x) => x.includes('filter: fail'));
  assert.not.ok(f.includes('camp-on 2007'), f);
  assert.ok(f.includes('camp-on 2001'));
  ui.stdin.write('\u001b'); // esc
  await frame('the filter cleared', (x) => x.includes('camp-on 2007') && !x.includes('filter:'));
  ui.unmount();
});

test('10k requests: only what fits is drawn, j/k move the selection, and x cancels the selected one', async () => {
  const { store, ui, frame, seen } = mount();
  store.update((m) => {
    for (let n = 0; n < 10_000; n++) m.request(request(n));
  });
  const f = await frame('10k requests', (x) => x.includes('10000, yours'));
  assert.ok(f.includes(request(9_999).destination), 'the newest is shown');
  assert.ok(f.split('\n').length <= 24, 'one screenful');
  ui.stdin.write('j');
  ui.stdin.write('j');
  await eventually('the selection to move', async () => store.model.selected.requests, (n) => n === 2, 5_000);
  ui.stdin.write('x');
  await eventually('the cancel to be sent', async () => seen.cancelled, (c) => c.length === 1, 5_000);
  assert.equal(seen.cancelled, [request(9_997).id], 'the third newest');
  await frame('the result in words', (x) => x.includes('cancelled camp-on'));
  ui.unmount();
});

test('a prompt arriving shows at once and rings the bell; a accepts the selected prompt', async () => {
  const { store, ui, frame, seen } = mount();
  await frame('no prompts', (x) => x.includes('no prompts'));
  store.update((m) => m.prompt(prompt('a-00000000000000aa'), false));
  const f = await frame('the prompt', (x) => x.includes('join 2001 from carol (2002)'));
  assert.match(f, /in a call with 2003 — 20s left/);
  assert.ok(ui.frames.some((x) => x.includes('\u0007')) || store.model.bells === 1, 'the bell rang');
  ui.stdin.write('a');
  await eventually('the answer to be sent', async () => seen.answered, (a) => a.length === 1, 5_000);
  assert.equal(seen.answered, [['a-00000000000000aa', true]]);
  await frame('the result in words', (x) => x.includes('accepted: join 2001 from carol (2002)'));
  ui.unmount();
});

test('c opens the camp-on form: a bad number reads as a sentence; a good one is submitted with its window', async () => {
  const { ui, frame, seen } = mount();
  ui.stdin.write('c');
  await frame('the form', (x) => x.includes('New camp-on'));
  ui.stdin.write('20a0');
  let f = await frame('the inline error', (x) => x.includes('✗'));
  assert.match(f, /is not a phone number/);
  for (let i = 0; i < 4; i++) ui.stdin.write('\u007f'); // backspace
  ui.stdin.write('2000');
  f = await frame('a valid number', (x) => x.includes('Number: 2000') && !x.includes('✗'));
  ui.stdin.write('\r'); // to From
  ui.stdin.write('\r'); // to Window
  ui.stdin.write('\r'); // send
  await eventually('the submission', async () => seen.submitted, (s) => s.length === 1, 5_000);
  assert.equal([seen.submitted[0]!.kind, seen.submitted[0]!.destination, seen.submitted[0]!.source, seen.submitted[0]!.windowMs], ['camp-on', '2000', '2001', 30 * 60_000]);
  await frame('the form closed, the result said', (x) => !x.includes('New camp-on') && x.includes('camp-on 2000 from 2001: accepted'));
  ui.unmount();
});

test('keys that arrive in one chunk (typed fast, pasted) are taken one by one: "2003\\r\\r" sends a call', async () => {
  const { ui, frame, seen } = mount();
  ui.stdin.write('n');
  await frame('the call form', (x) => x.includes('New call'));
  ui.stdin.write('2003\r\r');
  await eventually('the submission', async () => seen.submitted, (s) => s.length === 1, 5_000);
  assert.equal([seen.submitted[0]!.kind, seen.submitted[0]!.destination, seen.submitted[0]!.source], ['call', '2003', '2001']);
  ui.unmount();
});

test('J asks for the name the target sees (--as); t sets a transfer with "ask me first" (--confirm)', async () => {
  const { ui, frame, seen } = mount();
  ui.stdin.write('J');
  await frame('the join form', (x) => x.includes('Join a call') && x.includes('Shown as'));
  ui.stdin.write('2003\r\rThe Boss\r');
  await eventually('the join', async () => seen.submitted, (s) => s.length === 1, 5_000);
  assert.equal([seen.submitted[0]!.kind, seen.submitted[0]!.destination, seen.submitted[0]!.display], ['join', '2003', 'The Boss']);
  await frame('the join form closed', (x) => !x.includes('Join a call'));
  ui.stdin.write('t');
  await frame('the transfer form', (x) => x.includes('Transfer an extension') && x.includes('Ask me first'));
  ui.stdin.write('\r2005,2006\r');
  ui.stdin.write('\u007f'); // backspace: the default n
  ui.stdin.write('x');
  await frame('an answer that is not y or n', (x) => x.includes('y or n'));
  ui.stdin.write('\u007f');
  ui.stdin.write('y\r');
  await eventually('the transfer', async () => seen.transfers, (t) => t.length === 1, 5_000);
  assert.equal(seen.transfers[0], ['2001', ['2005', '2006'], true]);
  ui.unmount();
});

test('ctid goes away: the header and footer say so, and the last state stays on screen', async () => {
  const { store, ui, frame } = mount();
  store.update((m) => m.request(request(5, { destination: '2004' })));
  await frame('a request', (x) => x.includes('camp-on 2004'));
  store.update((m) => m.connectionIs('down', 'ctid at 127.0.0.1:50051: unreachable; trying again in 2 s (showing the last state)'));
  const f = await frame('the outage', (x) => x.includes('ctid DOWN'));
  assert.match(f, /unreachable; trying again in 2 s/);
  assert.ok(f.includes('camp-on 2004'), 'the last state is kept');
  ui.unmount();
});

test('q quits, and so does Ctrl-C', async () => {
  for (const key of ['q', '\u0003']) {
    const { ui, frame, seen } = mount();
    await frame('the screen', (x) => x.includes('Requests'));
    ui.stdin.write(key);
    await eventually(`quit on ${JSON.stringify(key)}`, async () => seen.quits, (n) => n === 1, 5_000);
    ui.unmount();
  }
});

test.run();
