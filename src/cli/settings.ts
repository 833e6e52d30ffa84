// The global options, compiled once (style.md section 10), with the
// precedence of interfaces.md: flags > env > config file > defaults. With no
// token anywhere, the local admin token ctid writes is used, so `cti` on
// ctid's own machine works with no setup. Pure apart from the injected
// file reader, so the precedence is tested without touching $HOME.

import { join } from 'node:path';
import { parseHostPort } from '../common/listen.js';
import { CliError } from './errors.js';

export const DEFAULT_SERVER = '127.0.0.1:50051';

export interface Settings {
  /** HOST:PORT of ctid. */
  server: string;
  token: string | undefined;
  /** Where a token was looked for last (for the "no token" sentence). */
  tokenFile: string;
  configFile: string;
  json: boolean;
}

export interface SettingsInput {
  flags: { server?: string; token?: string; json?: boolean };
  env: Record<string, string | undefined>;
  home: string;
  /** A file's text, or undefined if it does not exist; throws for other failures. */
  readText: (path: string) => string | undefined;
}

const CONFIG_KEYS = ['server', 'token'] as const;
type ConfigFile = Partial<Record<(typeof CONFIG_KEYS)[number], string>>;

export function resolveSettings({ flags, env, home, readText }: SettingsInput): Settings {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const configFile = join(given(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'cti', 'config.json');
  const config = readConfig(configFile, readText);
  const tokenFile = given(env.CTI_TOKEN_FILE) ?? join(given(env.XDG_DATA_HOME) ?? join(home, '.local', 'share'), 'ctid', 'admin.token');

  const server = given(flags.server) ?? given(env.CTI_SERVER) ?? config.server ?? DEFAULT_SERVER;
  try {
    parseHostPort(server);
  } catch (err) {
    throw new CliError('usage', `server ${(err as Error).message}`);
  }
  const token = given(flags.token) ?? given(env.CTI_TOKEN) ?? config.token ?? readTokenFile(tokenFile, readText);
  return { server, token, tokenFile, configFile, json: flags.json === true };
}

function readConfig(path: string, readText: SettingsInput['readText']): ConfigFile {
  let text: string | undefined;
  let parsed: unknown;
  try {
    text = readText(path);
    if (text === undefined) return {};
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError('usage', `config file ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('usage', `config file ${path}: expected a JSON object like {"server": "HOST:PORT", "token": "..."}`);
  const entries = Object.entries(parsed);
  const unknown = entries.filter(([key]) => !(CONFIG_KEYS as readonly string[]).includes(key)).map(([key]) => key);
  if (unknown.length > 0) throw new CliError('usage', `config file ${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${CONFIG_KEYS.join(', ')})`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new CliError('usage', `config file ${path}: "${key}" must be a string`);
  }
  return parsed as ConfigFile;
}

/** The admin token file is a fallback: unreadable counts as absent (the "no token" sentence names it). */
function readTokenFile(path: string, readText: SettingsInput['readText']): string | undefined {
  try {
    return readText(path)?.trim() || undefined;
  } catch {
    return undefined;
  }
}
