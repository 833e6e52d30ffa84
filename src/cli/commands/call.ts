// `cti call NUMBER [--from EXT] [--camp-on] [--monitor DUR] [--place remote|local] [--no-wait]`:
// a telephone connection request (FIG. 17): try now; with --camp-on, camp on
// if the first attempt fails (retrieval).

import type { Command } from 'commander';
import { examples } from '../help.js';
import { parseDurationMs, parseExtension, parseNumber } from '../input.js';
import type { CliContext } from '../session.js';
import { placeOption, submitRequest } from '../submit.js';

interface CallOptions {
  from?: string;
  campOn?: boolean;
  monitor?: number;
  place?: string;
  wait: boolean;
}

export function registerCall(program: Command, ctx: CliContext): void {
  program
    .command('call')
    .description('connect you with NUMBER now: an extension rings first, then your phone (an outside number: yours first)')
    .argument('<number>', 'an extension or an external number, e.g. 2000 or 044-222-3333', parseNumber)
    .option('--from <ext>', 'your extension, which rings first (default: your first extension)', parseExtension)
    .option('--camp-on', 'if the line is busy or does not answer, camp on it')
    .option('--monitor <dur>', "with --camp-on: how long to keep trying, e.g. 30m (default: ctid's window)", parseDurationMs)
    .addOption(placeOption())
    .option('--no-wait', 'print the request id once ctid has stored it, and exit')
    .addHelpText(
      'after',
      examples(
        ['cti call 2000', 'ring your phone, then 2000, and wait for the result'],
        ['cti call 044-222-3333 --from 2001 --camp-on --monitor 30m', 'if the line is busy, keep at it for 30 minutes'],
      ),
    )
    .action((number: string, opts: CallOptions) =>
      ctx.run((session) =>
        submitRequest(
          session,
          { kind: 'call', destination: number, source: opts.from, campOn: opts.campOn === true, windowMs: opts.monitor, place: opts.place },
          opts.wait,
        ),
      ),
    );
}
