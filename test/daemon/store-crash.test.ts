// kill -9 of a process using the store: every put that had resolved before
// the kill is there after reopening. The child keeps 64 puts in flight and
// folds often, so the kill lands mid-frame, mid-fsync or mid-fold; it prints
// each id once put() resolved (stdout to a pipe is synchronous on Linux, so a
// line we read is an acknowledged put). Half the workers write instead
// (RequestStore.write: the frame written when it returns, before its
// fsync): a kill of the process cannot lose those either. Three rounds on the same directory:
// each restart also takes over the dead child's lock.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startBin } from '../helpers/processes.js';
import { openRequestStore } from '../../src/daemon/store/request-store.js';

const root = await mkdtemp(join(tmpdir(), 'ctid-crash-'));
test.after(async () => {
  await killAll();
  await rm(root, { recursive: true, force: true });
});

const storeModule = new URL('../../src/daemon/store/request-store.js', import.meta.url).href;
const child = `
import { openRequestStore } from ${JSON.stringify(storeModule)};
const [dir, round] = process.argv.slice(2);
const store = await openRequestStore(dir, { foldAfterBytes: 64 * 1024 });
console.log('open ' + store.load().length);
let n = 0;
const record = (id) => ({ id, kind: 'camp-on', requester: 'alice', destination: '2001', dial: '2001', source: '2000',
  network: 'station', campOn: false, strategy: 'watch', retryEveryMs: 30000, recallFirst: false, state: 'watching',
  createdAt: Date.now(), deadline: Date.now() + 600000, attempts: 0, history: [{ state: 'accepted', at: Date.now() }] });
// Half the workers put (acked once durable), half write (acked once written, as a camp-on before its MakeCall).
for (let i = 0; i < 64; i++) {
  (async () => {
    for (;;) {
      const id = round + '-' + n++;
      if (i % 2) {
        store.write(record(id));
        await new Promise((resolve) => setImmediate(resolve));
      } else await store.put(record(id));
      console.log('acked ' + id);
    }
  })();
}
`;

test('puts acknowledged before kill -9 are all there after a restart', async () => {
  const script = join(root, 'child.mjs');
  await writeFile(script, child);
  const dir = join(root, 'data');
  const acked: string[] = [];
  for (let round = 1; round <= 3; round++) {
    const bin = startBin(script, [dir, String(round)]);
    await bin.waitForLine(/^open (\d+)$/);
    await bin.waitForLine(new RegExp(`^acked ${round}-2000$`));
    bin.kill('SIGKILL');
    const exit = await bin.exited;
    assert.is(exit.signal, 'SIGKILL', bin.stderr);
    for (const line of bin.lines) if (line.startsWith('acked ')) acked.push(line.slice(6));

    const store = await openRequestStore(dir);
    const stored = new Set(store.load().map((r) => r.id));
    const lost = acked.filter((id) => !stored.has(id));
    assert.equal(lost.slice(0, 10), [], `round ${round}: ${lost.length} of ${acked.length} acknowledged puts lost`);
    await store.close();
  }
});

test.run();
