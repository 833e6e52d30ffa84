#!/usr/bin/env node
// Bundles `cti` (after tsc, from dist/src/cli/) into one minified CommonJS
// file, dist/bundle/cli/cti.cjs, which bin/cti.js (CommonJS too) requires:
// resolving and loading ~60 ES modules one by one, and the ES module loader
// itself, were most of a one-shot command's start-up (bench/README.md,
// issue 4). The dashboard (Ink and React) stays out of it: its dynamic
// import is pointed at the tsc output, so one-shot commands never load it.
// dist/bundle/cli/ is as deep as dist/src/cli/, so the paths the CLI finds
// relative to its own file (package.json) are the same in both.

import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `import('../dashboard/run.js')` stays a dynamic import, of dist/src/cli/dashboard/run.js. */
const dashboardOutside = {
  name: 'dashboard-outside',
  setup(b) {
    b.onResolve({ filter: /\/dashboard\/run\.js$/ }, () => ({ path: '../../src/cli/dashboard/run.js', external: true }));
  },
};

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
  plugins: [dashboardOutside],
  logLevel: 'warning',
});
