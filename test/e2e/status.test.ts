// `cti status` against a running ctid (interfaces.md "cti"): the office, the
// switch link's state and the version, as plain lines and as one JSON
// object; and what it says while the link is down. The simulator runs as its
// own process, ctid reaches it over csta://; all through the real bins.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, cstaSwitch, runCti, startCtid, startSwitchSim, untilCtidLink, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { killAll } from '../helpers/processes.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let sim: TestSwitchSim;
let ctid: TestCtid;

test.after(async () => {
  await killAll();
});

test('a simulator of its own, and ctid on csta:// with its link up', async () => {
  sim = await startSwitchSim();
  ctid = await startCtid({ config: cstaSwitch(sim) });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up');
});

test('cti status: office, link up, version, one fact a line', async () => {
  const result = await runCti(['status'], ctiAs(ctid.address, 'bob'));
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '');
  const lines = result.stdout.trimEnd().split('\n');
  const field = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.slice(name.length).trim();
  assert.is(field('office'), 'a');
  assert.match(field('switch link') ?? '', new RegExp(`^up \\(csta://${sim.csta.a!.replace(/\./g, '\\.')}\\)$`));
  assert.is(field('version'), VERSION);
  assert.is(field('user'), 'bob');
  assert.not.match(result.stdout, /\x1b\[/, 'no colour without a TTY');
});

test('cti status --json: one object with the same facts', async () => {
  const result = await runCti(['status', '--json'], ctiAs(ctid.address, 'bob'));
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout.trim().split('\n').length, 1, 'one line');
  const status = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(
    { type: status.type, office: status.office, switchLink: status.switchLink, switchUrl: status.switchUrl, version: status.version, user: status.user },
    { type: 'status', office: 'a', switchLink: 'up', switchUrl: `csta://${sim.csta.a}`, version: VERSION, user: 'bob' },
  );
});

test('while the switch link is down, cti status still answers (exit 0) and says so', async () => {
  await sim.cli.link('a', 'down');
  await untilCtidLink(ctid.address, (link) => link !== 'up', 'down');
  const result = await runCti(['status'], ctiAs(ctid.address, 'bob'));
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^switch link\s+(down|connecting) /m);
  await sim.cli.link('a', 'up');
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');
});

test('SIGTERM: ctid and the simulator shut down cleanly', async () => {
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test.run();
