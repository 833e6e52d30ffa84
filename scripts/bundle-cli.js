#!/usr/bin/env node
// Bundles `cti` (after tsc, from dist/src/cli/) into one minified CommonJS
// file, dist/bundle/cli/cti.cjs, which bin/cti.js (CommonJS too) runs, and
// writes the V8 code cache bin/cti.js runs it with (cti.cjs.cache):
// resolving and loading ~60 ES modules one by one, and the ES module loader
// itself, were most of a one-shot command's start-up (bench/README.md,
// issue 4). The dashboard (Ink and React) stays out of it: it is loaded
// from the tsc output, and only by `cti dashboard`.
// dist/bundle/cli/ is as deep as dist/src/cli/, so the paths the CLI finds
// relative to its own file (package.json) are the same in both.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http2';
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The dashboard is ES modules (Ink, React), and code that bin/cti.js compiles
 * with a code cache cannot import(): `import('../dashboard/run.js')` becomes
 * a require() of a shim beside the bundle, which imports the tsc output.
 */
const dashboardOutside = {
  name: 'dashboard-outside',
  setup(b) {
    b.onResolve({ filter: /\/dashboard\/run\.js$/ }, () => ({ path: './dashboard.cjs', external: true }));
  },
};
const DASHBOARD_SHIM = `// Written by scripts/bundle-cli.js: the dashboard, loaded by Node's own module loader.
exports.runDashboard = async (api) => (await import('../../src/cli/dashboard/run.js')).runDashboard(api);
`;

/**
 * commander requires node:child_process as it loads, for executable
 * subcommands cti never has; loading it (and dgram with it) cost ~3 ms of
 * every start. Its one use, spawn, now loads it when called.
 */
const childProcessWhenUsed = {
  name: 'child-process-when-used',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, ({ importer }) => (/[\\/]commander[\\/]/.test(importer) ? { path: 'child_process', namespace: 'when-used' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'when-used' }, () => ({ contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);", loader: 'js' }));
  },
};

// V8 checks a cache against its source's length only: never leave one of an older bundle.
await rm(`${root}/dist/bundle/cli/cti.cjs.cache`, { force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bundle/cli/cti.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: true,
  // import.meta.url has no CommonJS equivalent of its own: the bundle's file URL.
  banner: { js: "const __ctiFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__ctiFileUrl' },
  plugins: [dashboardOutside, childProcessWhenUsed],
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
await writeFile(`${root}/dist/bundle/cli/dashboard.cjs`, DASHBOARD_SHIM);

// One start-up, so that the cache holds what a one-shot command compiles:
// settings, the client, the HTTP/2 connection both ways (HPACK with Huffman
// codes, as ctid's node:http2 sends them) and a unary answer, from a
// stand-in for ctid that answers every call with one empty message. Its
// output is not the build's.
const standIn = createServer();
standIn.on('stream', (stream) => {
  stream.resume();
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(Buffer.alloc(5)); // an empty message: every field at its default
});
await new Promise((resolve) => standIn.listen(0, '127.0.0.1', resolve));
const warmUp = spawn(
  process.execPath,
  ['bin/cti.js', 'camp-on', '2000', '--from', '2002', '--no-wait', '--server', `127.0.0.1:${standIn.address().port}`, '--token', 'code-cache'],
  { cwd: root, env: { ...process.env, CTI_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' },
);
await once(warmUp, 'exit');
standIn.close();
