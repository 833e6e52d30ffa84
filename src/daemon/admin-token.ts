// The local admin token (interfaces.md): DATA/admin.token, mode 0600, made
// once and kept, so `cti` on the same machine works with no token given.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, 'admin.token');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}
