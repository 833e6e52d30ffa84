// `switch-sim paths [--json]`: who hears whom, one group per line
// (`a/2001 <-> b/2000`); held parties are in no group with the others.

import type { Command } from 'commander';
import type { TalkPaths } from '../control.js';
import { clientFor, controlOption, examples, print, printJson, type ControlOptions } from './options.js';

export function registerPaths(program: Command): void {
  program
    .command('paths')
    .description('talk paths: which devices hear each other')
    .option('--json', 'one JSON document: {"paths":[{"devices":[...]}]}')
    .addOption(controlOption())
    .addHelpText('after', examples(['switch-sim paths', 'e.g. "a/2001 <-> b/2000": those two talk']))
    .action(async (opts: ControlOptions & { json?: boolean }) => {
      const paths = await clientFor(opts).paths();
      if (opts.json) printJson(paths);
      else print(renderPaths(paths));
    });
}

export function renderPaths({ paths }: TalkPaths): string {
  if (paths.length === 0) return 'no talk paths';
  return paths
    .map((path) => path.devices.join(' <-> ') + (path.listeners?.length ? `  (listening: ${path.listeners.join(', ')})` : ''))
    .join('\n');
}
