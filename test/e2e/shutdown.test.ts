// SIGTERM as soon as ctid says it is ready (interfaces.md "ctid": SIGTERM
// shuts down gracefully; style.md section 6): a supervisor, or a script,
// may stop the daemon the moment its readiness line appears. Every time, it
// must shut down in order: exit 0, and the data directory's lock released.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCtid } from '../helpers/ctid.js';
import { killAll } from '../helpers/processes.js';

const ROUNDS = 10;

test.after(async () => {
  await killAll();
});

test(`SIGTERM right after the readiness line: a clean shutdown, ${ROUNDS} times in a row on one data directory`, async () => {
  let dataDir: string | undefined;
  const exits: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ctid = await startCtid(dataDir ? { dataDir } : {});
    dataDir = ctid.dataDir;
    const exit = await ctid.stop('SIGTERM');
    exits.push(exit.signal ?? String(exit.code));
    if (exit.code !== 0) continue; // the next start takes over a stale lock; the count below says what happened
    assert.not.ok(existsSync(join(dataDir, 'ctid.lock')), `round ${round}: the lock is released`);
  }
  const unclean = exits.filter((e) => e !== '0').length;
  assert.is(unclean, 0, `${unclean} of ${ROUNDS} ctids did not exit 0 on SIGTERM (exits: ${exits.join(' ')})`);
});

test.run();
