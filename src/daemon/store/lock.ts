// One ctid per data directory: two daemons appending to the same journal
// would interleave frames and fold each other's files away.
//
// The lock file DIR/ctid.lock names its holder (pid and boot id). It is
// written under a private name first and then hard-linked into place, which
// fails if the name exists (like O_EXCL) but never shows a half-written
// file. A lock whose holder is gone is stale and taken over: kill -9 or a
// power cut must not block the restart. A pid from an earlier boot is gone
// too, even if some other process has that number now. (Two daemons taking
// over the same stale lock in the same instant could both win; the lock
// stops an operator's second ctid, not that race.)

import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

async function bootId(): Promise<string> {
  // Linux only; elsewhere a reboot goes unnoticed and only the pid is checked.
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The live holder's pid, or undefined for a stale (or unreadable) lock. */
async function liveHolder(path: string, boot: string): Promise<number | undefined> {
  const [pidText, holderBoot = ''] = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || holderBoot !== boot) return undefined;
  return isAlive(pid) ? pid : undefined;
}

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, 'ctid.lock');
  const boot = await bootId();
  const claim = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(claim, `${process.pid}\n${boot}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (;;) {
      try {
        await link(claim, path);
        return { path, release: () => rm(path, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await liveHolder(path, boot);
      if (holder !== undefined) throw new Error(`data directory ${dir} is in use by ctid (pid ${holder})`);
      await rm(path, { force: true });
    }
  } finally {
    await rm(claim, { force: true });
  }
}
