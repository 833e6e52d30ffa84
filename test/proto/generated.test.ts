// The committed generated code (src/gen/) must be what proto/ generates
// today: regenerate into a temporary folder with the same buf template and
// compare file by file. Fix a failure with `npm run gen`.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('src/gen matches proto/ (run `npm run gen` after changing a .proto file)', () => {
  const out = mkdtempSync(join(tmpdir(), 'cti-gen-'));
  try {
    const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace(/out: src\/gen/, `out: ${out}`);
    execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', template], { cwd: root, stdio: 'pipe' });
    const fresh = files(out).map((f) => relative(out, f)).sort();
    const committed = files(join(root, 'src/gen')).map((f) => relative(join(root, 'src/gen'), f)).sort();
    assert.equal(committed, fresh, 'the same files');
    for (const name of fresh) {
      assert.ok(readFileSync(join(out, name), 'utf8') === readFileSync(join(root, 'src/gen', name), 'utf8'), `${name} is out of date: run npm run gen`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
