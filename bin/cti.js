#!/usr/bin/env node
// CommonJS (bin/package.json), requiring the bundled CLI (scripts/bundle-cli.js).
require('../dist/bundle/cli/cti.cjs').main();
