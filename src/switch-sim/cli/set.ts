// `switch-sim set OFFICE EXT [--answer auto|manual|never] [--rings N]
// [--dnd on|off] [--service in|out]`: how the phone behaves.

import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AnswerMode, DeviceSettings } from '../control.js';
import { SimulatorError } from '../errors.js';
import { clientFor, controlOption, examples, type ControlOptions } from './options.js';

interface SetOptions extends ControlOptions {
  answer?: AnswerMode;
  rings?: number;
  dnd?: 'on' | 'off';
  service?: 'in' | 'out';
}

export function registerSet(program: Command): void {
  program
    .command('set')
    .description('how the phone OFFICE/EXT behaves: answering, no-answer limit, do-not-disturb, service')
    .argument('<office>', 'the office, e.g. a')
    .argument('<ext>', 'the extension, e.g. 2000')
    .addOption(new Option('--answer <mode>', 'auto: answers by itself; manual: when told (switch-sim answer); never').choices(['auto', 'manual', 'never']))
    .addOption(new Option('--rings <n>', 'the no-answer limit, in rings').argParser(parseRings))
    .addOption(new Option('--dnd <on|off>', 'do not disturb: calls to it fail as busy').choices(['on', 'off']))
    .addOption(new Option('--service <in|out>', 'out: the line is out of service').choices(['in', 'out']))
    .addOption(controlOption())
    .addHelpText('after', examples(['switch-sim set a 2000 --answer auto', 'a/2000 answers by itself'], ['switch-sim set b 2000 --dnd on', 'calls to b/2000 fail']))
    .action(async (office: string, ext: string, opts: SetOptions) => {
      await clientFor(opts).set(office, ext, settingsOf(opts));
    });
}

function parseRings(text: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new InvalidArgumentError('give a whole number of rings from 1 to 100.');
  return Number(text);
}

function settingsOf(opts: SetOptions): DeviceSettings {
  const settings: DeviceSettings = {};
  if (opts.answer !== undefined) settings.answer = opts.answer;
  if (opts.rings !== undefined) settings.rings = opts.rings;
  if (opts.dnd !== undefined) settings.dnd = opts.dnd === 'on';
  if (opts.service !== undefined) settings.service = opts.service;
  if (Object.keys(settings).length === 0) throw new SimulatorError('invalid', 'give at least one of --answer, --rings, --dnd, --service');
  return settings;
}
