// The transfer table and the route table on their real files: changed by
// many callers at once (two `cti transfer set` at the same moment, a script
// setting entries in parallel): every change is acknowledged, none is lost,
// and what is on disk after a reopen is what the callers were told.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NumberingPlan } from '../../src/common/numbering.js';
import { DEFAULT_DIAL_POLICY, DialPolicy } from '../../src/daemon/core/dial-policy.js';
import { NumberResolver } from '../../src/daemon/core/numbers.js';
import { RouteTable } from '../../src/daemon/core/routes.js';
import { TransferTable } from '../../src/daemon/core/transfers.js';
import { openRouteStore } from '../../src/daemon/store/route-store.js';
import { openTransferStore } from '../../src/daemon/store/transfer-store.js';

const ADMIN = { name: 'boss', admin: true, extensions: [] };
const numbers = new NumberResolver(new NumberingPlan([{ extension: '2xxx', external: '044-123-4xxx' }]), 'JP');
const policy = new DialPolicy(DEFAULT_DIAL_POLICY, 'JP');

let dir: string;
test.before.each(() => void (dir = mkdtempSync(join(tmpdir(), 'ctid-tables-'))));
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test('20 transfer entries set at once: all acknowledged, all kept after a reopen; clears at once likewise', async () => {
  const table = new TransferTable(await openTransferStore(dir), numbers, policy, Date.now);
  const extensions = Array.from({ length: 20 }, (_, i) => String(2100 + i));
  const set = await Promise.allSettled(extensions.map((extension) => table.set(ADMIN, { extension, destinations: ['2999'] })));
  assert.equal(set.filter((r) => r.status === 'rejected'), [], 'every set acknowledged');
  const reopened = new TransferTable(await openTransferStore(dir), numbers, policy, Date.now);
  assert.equal(reopened.list(ADMIN).map((e) => e.extension), extensions);

  await Promise.all(extensions.slice(0, 10).map((extension) => reopened.clear(ADMIN, extension)));
  const again = new TransferTable(await openTransferStore(dir), numbers, policy, Date.now);
  assert.equal(again.list(ADMIN).map((e) => e.extension), extensions.slice(10));
});

test('a refused change in the queue does not stop the ones after it', async () => {
  const table = new TransferTable(await openTransferStore(dir), numbers, policy, Date.now);
  const results = await Promise.allSettled([
    table.set(ADMIN, { extension: '2100', destinations: ['2999'] }),
    table.set(ADMIN, { extension: '2101', destinations: ['+1 212 555 0100'] }), // barred: international
    table.set(ADMIN, { extension: '2102', destinations: ['2999'] }),
  ]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(table.list(ADMIN).map((e) => e.extension), ['2100', '2102']);
});

test('20 routes added at once: all kept after a reopen', async () => {
  const routes = new RouteTable([], await openRouteStore(dir), () => true);
  const prefixes = Array.from({ length: 20 }, (_, i) => `0${50 + i}`);
  await Promise.all(prefixes.map((prefix) => routes.add({ prefix, office: 'b', network: 'public', place: 'remote' })));
  const reopened = new RouteTable([], await openRouteStore(dir), () => true);
  assert.equal(reopened.list().map((r) => r.prefix).sort(), prefixes);
});

test("a table written before the entry mode was called `auto` (`direct`) still loads, as `auto`", async () => {
  writeFileSync(join(dir, 'transfers.json'), JSON.stringify({ transfers: [{ extension: '2100', destinations: [{ number: '2999', dial: '2999', network: 'station' }], mode: 'direct', setBy: 'boss', setAt: 1 }] }));
  const table = new TransferTable(await openTransferStore(dir), numbers, policy, Date.now);
  assert.equal(table.list(ADMIN).map((e) => [e.extension, e.mode]), [['2100', 'auto']]);
});

test.run();
