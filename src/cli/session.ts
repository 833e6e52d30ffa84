// What a command that talks to ctid runs in: the output (as the resolved
// settings say) and a connected client, closed when the command is done. The
// client module is imported here, after the arguments are parsed,
// so `--help` and usage errors never load it.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { CtiApi } from './client.js';
import { createOutput, type Output } from './output.js';
import { DEFAULT_SERVER, resolveSettings } from './settings.js';

export interface Session {
  out: Output;
  api: CtiApi;
}

export interface GlobalFlags {
  server?: string;
  token?: string;
  json?: boolean;
}

export class CliContext {
  /** Where ctid is, for error sentences; the default until the settings are resolved. */
  server = DEFAULT_SERVER;

  constructor(private readonly flags: () => GlobalFlags) {}

  async run(command: (session: Session) => Promise<void>): Promise<void> {
    const settings = resolveSettings({ flags: this.flags(), env: process.env, home: homedir(), readText });
    this.server = settings.server;
    const out = await createOutput(settings.json);
    const { createApi } = await import('./client.js');
    const api = createApi(settings);
    try {
      await api.connect();
      await command({ out, api });
    } finally {
      out.endProgress();
      api.close();
    }
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
