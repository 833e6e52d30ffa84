// `switch-sim answer|hangup|hold|retrieve OFFICE EXT`: the phone's own
// buttons. Four commands with one shape, so one table instead of four
// copies of the same file.

import type { Command } from 'commander';
import { clientFor, controlOption, examples, type ControlOptions } from './options.js';

const BUTTONS = [
  { name: 'answer', description: 'the ringing phone OFFICE/EXT goes off-hook', example: 'a/2000 answers its ringing call' },
  { name: 'hangup', description: 'the phone OFFICE/EXT hangs up (or stops dialling)', example: 'a/2000 leaves its call' },
  { name: 'hold', description: 'the phone OFFICE/EXT puts its party on hold', example: "a/2000's party is held" },
  { name: 'retrieve', description: 'the phone OFFICE/EXT takes its held party back', example: 'a/2000 talks to its held party again' },
] as const;

export function registerButtons(program: Command): void {
  for (const button of BUTTONS) {
    program
      .command(button.name)
      .description(button.description)
      .argument('<office>', 'the office, e.g. a (pstn for the public network)')
      .argument('<ext>', 'the extension, e.g. 2000')
      .addOption(controlOption())
      .addHelpText('after', examples([`switch-sim ${button.name} a 2000`, button.example]))
      .action(async (office: string, ext: string, opts: ControlOptions) => {
        await clientFor(opts)[button.name](office, ext);
      });
  }
}
