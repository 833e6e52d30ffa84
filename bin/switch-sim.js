#!/usr/bin/env node
import('../dist/src/switch-sim/cli/main.js').then(({ main }) => main());
