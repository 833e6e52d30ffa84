#!/usr/bin/env node
import { main } from '../dist/src/switch-sim/cli/main.js';

await main();
