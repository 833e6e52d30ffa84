// The voice and FAX parts of mails whose requests play or fax them: stored
// under DATA/media/HASH/NAME (content-addressed, so the same attachment
// twice is stored once, and a name never points at other content), durably
// before the request that names them is acknowledged. `HASH/NAME` is the
// name the voice board plays or faxes.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../store/durable-io.js';

export interface MediaPart {
  /** The attachment's file name as the mail gave it (may be empty). */
  filename: string;
  content: Buffer;
}

export class MediaStore {
  constructor(private readonly dir: string) {}

  async save(part: MediaPart, fallbackName: string): Promise<string> {
    const hash = createHash('sha256').update(part.content).digest('hex').slice(0, 24);
    const name = `${hash}/${safeName(part.filename) || fallbackName}`;
    const path = join(this.dir, name);
    if (await exists(path)) return name;
    const folder = join(this.dir, hash);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(part.content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await fsyncDir(folder);
    return name;
  }
}

/** A file name that stays one plain name on any system: no paths, no control characters, at most 80 characters. */
function safeName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  return base
    .replace(/[^\w.\-+ ()]/g, '_')
    .replace(/^\.+/, '')
    .slice(-80);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
