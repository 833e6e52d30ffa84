// `cti monitor NUMBER [--for DUR]`: a line's state now, then each change,
// until the window ends (exit 0) or SIGINT / SIGTERM (exit 130 / 143).

import type { Command } from 'commander';
import type { LineUpdate } from '../../gen/cti/v1/cti.js';
import { lineObject, lineText } from '../format.js';
import { examples } from '../help.js';
import { parseDurationMs, parseNumber } from '../input.js';
import { forEachMessage, untilInterrupted } from '../interrupts.js';
import type { CliContext } from '../session.js';

export function registerMonitor(program: Command, ctx: CliContext): void {
  program
    .command('monitor')
    .description('print the line state of NUMBER now and at each change')
    .argument('<number>', 'an extension or an external number, e.g. 2000', parseNumber)
    .option('--for <dur>', "how long to watch, e.g. 10m (default: until interrupted, within ctid's maximum)", parseDurationMs)
    .addHelpText('after', examples(['cti monitor 2000 --for 10m', 'idle / ringing / busy / held / out-of-service, one line per change']))
    .action((number: string, opts: { for?: number }) =>
      ctx.run(({ api, out }) =>
        untilInterrupted(async (signal) => {
          await forEachMessage<LineUpdate>(api.monitor({ number, windowMs: opts.for ?? 0 }), signal, (update) =>
            out.json ? out.object(lineObject(update)) : out.line(lineText(update)),
          );
        }),
      ),
    );
}
