// `cti camp-on NUMBER [--from EXT] [--monitor DUR] [--strategy watch|retry]
// [--retry-every DUR] [--recall-first] [--place remote|local] [--no-wait]`:
// wait for a busy line and connect when it frees up (FIG. 4-9, 12-23).

import { Option, type Command } from 'commander';
import { examples } from '../help.js';
import { parseDurationMs, parseExtension, parseNumber } from '../input.js';
import type { CliContext } from '../session.js';
import { placeOption, submitRequest } from '../submit.js';

interface CampOnOptions {
  from?: string;
  monitor?: number;
  strategy?: string;
  retryEvery?: number;
  recallFirst?: boolean;
  place?: string;
  wait: boolean;
}

export function registerCampOn(program: Command, ctx: CliContext): void {
  program
    .command('camp-on')
    .description('wait until NUMBER is free, then connect you: it rings first, then your phone (--recall-first: yours first)')
    .argument('<number>', 'an extension or an external number, e.g. 2000 or 044-222-3333', parseNumber)
    .option('--from <ext>', 'your extension (default: your first extension)', parseExtension)
    .option('--monitor <dur>', "how long to keep trying, e.g. 30m (default: ctid's window, 30m unless set)", parseDurationMs)
    .addOption(
      new Option('--strategy <strategy>', 'watch: call the moment the line goes idle; retry: call again every --retry-every (default: watch)').choices([
        'watch',
        'retry',
      ]),
    )
    .option('--retry-every <dur>', 'the retry cycle, and the fallback cycle of watch (default: 30s)', parseDurationMs)
    .option('--recall-first', 'ring your phone first, then the destination (default: the destination first)')
    .addOption(placeOption())
    .option('--no-wait', 'print the request id once ctid has stored it, and exit')
    .addHelpText(
      'after',
      examples(
        ['cti camp-on 2000 --monitor 10m', 'connect you with 2000 as soon as it is free, within 10 minutes'],
        ['id=$(cti camp-on 044-222-3333 --no-wait) && cti wait "$id"', 'submit, then re-attach to the result later'],
      ),
    )
    .action((number: string, opts: CampOnOptions) =>
      ctx.run((session) =>
        submitRequest(
          session,
          {
            kind: 'camp-on',
            destination: number,
            source: opts.from,
            windowMs: opts.monitor,
            strategy: opts.strategy,
            retryEveryMs: opts.retryEvery,
            recallFirst: opts.recallFirst === true,
            place: opts.place,
          },
          opts.wait,
        ),
      ),
    );
}
