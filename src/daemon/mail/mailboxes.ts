// The office's mailboxes on disk: DATA/mail/USER/UIDL.eml, one file per
// message, written the durable way (temp file, fsync, rename, fsync of the
// directory) before SMTP says 250. The file name is the message's UIDL
// (RFC 1939): unique and never reused, and sorting by it is arrival order.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredMail {
  uidl: string;
  size: number;
}

const SUFFIX = '.eml';

export class Mailboxes {
  /** Directories known to exist (made once, not on every delivery). */
  private readonly made = new Set<string>();

  constructor(private readonly dir: string) {}

  async deliver(user: string, raw: Buffer): Promise<string> {
    const box = await this.box(user);
    // Time first (arrival order when sorted), then randomness (two at once).
    const uidl = `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
    const temp = join(box, `.${uidl}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(raw);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, join(box, `${uidl}${SUFFIX}`));
    const dir = await open(box, 'r');
    try {
      await dir.sync(); // the rename itself is durable
    } finally {
      await dir.close();
    }
    return uidl;
  }

  /** The user's messages, oldest first. */
  async list(user: string): Promise<StoredMail[]> {
    const box = await this.box(user);
    const names = (await readdir(box)).filter((n) => n.endsWith(SUFFIX)).sort();
    return Promise.all(names.map(async (name) => ({ uidl: name.slice(0, -SUFFIX.length), size: (await stat(join(box, name))).size })));
  }

  async read(user: string, uidl: string): Promise<Buffer> {
    return readFile(join(await this.box(user), `${uidl}${SUFFIX}`));
  }

  async remove(user: string, uidl: string): Promise<void> {
    await rm(join(await this.box(user), `${uidl}${SUFFIX}`), { force: true });
  }

  /**
   * Runs `deliver` unless it already ran for `key` (a marker under .sent,
   * written after it): at least once, and not again after a restart.
   */
  async once(key: string, deliver: () => Promise<void>): Promise<void> {
    const marks = await this.folder(join(this.dir, '.sent'));
    const mark = join(marks, key.replace(/[^A-Za-z0-9._-]/g, '_'));
    if (await stat(mark).then(() => true, () => false)) return;
    await deliver();
    const file = await open(mark, 'w', 0o600);
    await file.close();
  }

  private async box(user: string): Promise<string> {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(user)) throw new RangeError(`"${user}" is not a mailbox name`);
    return this.folder(join(this.dir, user));
  }

  private async folder(path: string): Promise<string> {
    if (!this.made.has(path)) {
      await mkdir(path, { recursive: true, mode: 0o700 });
      this.made.add(path);
    }
    return path;
  }
}
