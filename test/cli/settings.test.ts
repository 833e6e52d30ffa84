// Global options: flags > env > config file > defaults, the admin token file
// as the last resort, and config files that are wrong said so (exit 2).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCliError } from '../../src/cli/errors.js';
import { resolveSettings, type SettingsInput } from '../../src/cli/settings.js';

const CONFIG = '/home/u/.config/cti/config.json';
const TOKEN_FILE = '/home/u/.local/share/ctid/admin.token';

function resolve(over: Partial<SettingsInput> & { files?: Record<string, string> } = {}) {
  const files = over.files ?? {};
  return resolveSettings({
    flags: over.flags ?? {},
    env: over.env ?? {},
    home: '/home/u',
    readText: over.readText ?? ((path) => files[path]),
  });
}

function usageError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isCliError(err) && err.code === 'usage', `a usage error, got ${String(err)}`);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable('no error');
}

test('defaults: 127.0.0.1:50051, no token, plain output', () => {
  const s = resolve();
  assert.is(s.server, '127.0.0.1:50051');
  assert.is(s.token, undefined);
  assert.is(s.json, false);
  assert.is(s.configFile, CONFIG);
  assert.is(s.tokenFile, TOKEN_FILE);
});

test('precedence: flags > env > config file > defaults, for server and token alike', () => {
  const files = { [CONFIG]: JSON.stringify({ server: 'config:1', token: 'config-token' }), [TOKEN_FILE]: 'file-token\n' };
  const env = { CTI_SERVER: 'env:2', CTI_TOKEN: 'env-token' };
  const flags = { server: 'flag:3', token: 'flag-token', json: true };
  assert.equal(pick(resolve({ files })), ['config:1', 'config-token']);
  assert.equal(pick(resolve({ files, env })), ['env:2', 'env-token']);
  assert.equal(pick(resolve({ files, env, flags })), ['flag:3', 'flag-token']);
  assert.equal(pick(resolve({ files, env: { CTI_SERVER: 'env:2' } })), ['env:2', 'config-token'], 'each option on its own');
  assert.is(resolve({ flags }).json, true);
});

test('an empty variable counts as unset', () => {
  const files = { [CONFIG]: JSON.stringify({ server: 'config:1' }) };
  assert.is(resolve({ files, env: { CTI_SERVER: '' } }).server, 'config:1');
});

test('with no token anywhere, the local admin token file; CTI_TOKEN_FILE moves it; XDG homes move both files', () => {
  assert.is(resolve({ files: { [TOKEN_FILE]: 'admin-secret\n' } }).token, 'admin-secret');
  assert.is(resolve({ env: { CTI_TOKEN_FILE: '/t' }, files: { '/t': 'other' } }).token, 'other');
  const s = resolve({ env: { XDG_CONFIG_HOME: '/c', XDG_DATA_HOME: '/d' }, files: { '/c/cti/config.json': '{"token":"c"}', '/d/ctid/admin.token': 'd' } });
  assert.is(s.token, 'c');
  assert.is(s.tokenFile, '/d/ctid/admin.token');
  assert.is(resolve({ env: { XDG_DATA_HOME: '/d' }, files: { '/d/ctid/admin.token': 'd' } }).token, 'd');
});

test('an unreadable token file counts as no token (the sentence then names it)', () => {
  const s = resolve({ readText: (path) => { if (path === TOKEN_FILE) throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); return undefined; } });
  assert.is(s.token, undefined);
});

test('a bad config file is a usage error naming the file and what is wrong', () => {
  usageError(() => resolve({ files: { [CONFIG]: '{not json' } }), /config\.json: .*JSON/);
  usageError(() => resolve({ files: { [CONFIG]: '["a"]' } }), /expected a JSON object/);
  usageError(() => resolve({ files: { [CONFIG]: '{"server":"a:1","colour":true}' } }), /unknown key colour/);
  usageError(() => resolve({ files: { [CONFIG]: '{"token":5}' } }), /"token" must be a string/);
});

test('a server that is not HOST:PORT is a usage error', () => {
  usageError(() => resolve({ flags: { server: 'localhost' } }), /not an address/);
  usageError(() => resolve({ env: { CTI_SERVER: 'a:99999' } }), /not an address/);
});

function pick(s: { server: string; token?: string }): [string, string | undefined] {
  return [s.server, s.token];
}

test.run();
