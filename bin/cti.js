#!/usr/bin/env node
// Runs the bundled CLI (dist/bundle/cli/cti.cjs, made by scripts/bundle-cli.js)
// with the V8 code cache the build wrote beside it: compiling the bundle and
// the functions start-up calls was a fifth of a one-shot command's time, and
// Node 20 keeps no compiled code between runs by itself (bench/README.md,
// issue 4). V8 rejects a cache made by another Node version or for another
// bundle, and the bundle is then compiled as usual. CommonJS
// (bin/package.json): no ES module loader to start.

const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '../dist/bundle/cli/cti.cjs');
const cacheFile = `${bundle}.cache`;

function readIfThere(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

const script = new Script(wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData: readIfThere(cacheFile),
});
const loaded = { exports: {} };
script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
const done = loaded.exports.main();
// The build runs one command with this set, so the cache also holds the functions start-up compiled.
if (process.env.CTI_WRITE_CODE_CACHE === '1') done.then(() => writeFileSync(cacheFile, script.createCachedData()));
