// The `switch-sim` command tree: one file per command (style.md section 1).
// Subcommands are made with program.command() so they inherit exitOverride()
// and the output settings: every usage error reaches main.ts as a throw.

import { Command } from 'commander';
import { registerButtons } from './buttons.js';
import { registerDial } from './dial.js';
import { registerLink } from './link.js';
import { registerLog } from './log.js';
import { examples } from './options.js';
import { registerPaths } from './paths.js';
import { registerServe } from './serve.js';
import { registerSet } from './set.js';
import { registerStatus } from './status.js';

export function buildProgram(): Command {
  const program = new Command('switch-sim')
    .description('a PBX and public-network simulator speaking CSTA XML, and the buttons of its phones')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      examples(
        ['switch-sim serve --time-scale 10', 'run the default world, ten times faster'],
        ['switch-sim dial a 2001 2000 && switch-sim answer a 2000', 'a/2001 calls a/2000, which answers'],
        ['switch-sim status', 'what every phone is doing (commands reach the world at --control, env SWITCH_SIM_CONTROL)'],
      ),
    );
  for (const register of [registerServe, registerStatus, registerPaths, registerLog, registerDial, registerButtons, registerSet, registerLink]) {
    register(program);
  }
  return program;
}
