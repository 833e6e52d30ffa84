// `switch-sim dial OFFICE EXT NUMBER`: the phone goes off-hook and dials.

import type { Command } from 'commander';
import { clientFor, controlOption, examples, type ControlOptions } from './options.js';

export function registerDial(program: Command): void {
  program
    .command('dial')
    .description('the phone OFFICE/EXT goes off-hook and dials NUMBER (an extension or an external number)')
    .argument('<office>', 'the office, e.g. a (pstn for the public network)')
    .argument('<ext>', 'the extension, e.g. 2001')
    .argument('<number>', 'what it dials, e.g. 2000 or 044-222-3333')
    .addOption(controlOption())
    .addHelpText('after', examples(['switch-sim dial a 2001 2000', 'a/2001 calls a/2000'], ['switch-sim dial a 2001 044-222-3333', 'a/2001 calls b/2000 over the public network']))
    .action(async (office: string, ext: string, number: string, opts: ControlOptions) => {
      await clientFor(opts).dial(office, ext, number);
    });
}
