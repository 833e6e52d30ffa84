// `switch-sim link OFFICE down|up`: drop that PBX's CSTA connections and
// refuse new ones, or accept them again (tests of ctid's link recovery).

import { Argument, type Command } from 'commander';
import { clientFor, controlOption, examples, type ControlOptions } from './options.js';

export function registerLink(program: Command): void {
  program
    .command('link')
    .description("take an office's CSTA link down (drop its connections, refuse new ones) or up again")
    .argument('<office>', 'the office, e.g. a')
    .addArgument(new Argument('<state>', 'down or up').choices(['down', 'up']))
    .addOption(controlOption())
    .addHelpText('after', examples(['switch-sim link a down', "ctid of office a loses its switch"], ['switch-sim link a up', 'it may connect again']))
    .action(async (office: string, state: 'down' | 'up', opts: ControlOptions) => {
      await clientFor(opts).link(office, state);
    });
}
