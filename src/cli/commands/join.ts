// `cti join NUMBER [--from EXT] [--as NAME]` (additional connection, FIG.
// 44-52) and `cti barge-in NUMBER ...` (interruptive connection, FIG. 53-54):
// the office that owns NUMBER asks its owner's consent, then adds your phone
// to the call. Both wait for the result like `cti call`.

import type { Command } from 'commander';
import { examples } from '../help.js';
import { parseDisplayName, parseExtension, parseNumber } from '../input.js';
import type { CliContext } from '../session.js';
import { submitRequest } from '../submit.js';

interface JoinOptions {
  from?: string;
  as?: string;
  wait: boolean;
}

const WHAT = {
  join: 'join the call NUMBER is in, once its owner accepts: all three of you talk',
  'barge-in': "break into NUMBER's call, once its owner accepts: the other party is held while you two talk",
} as const;

export function registerJoin(program: Command, ctx: CliContext): void {
  for (const kind of ['join', 'barge-in'] as const) {
    program
      .command(kind)
      .description(WHAT[kind])
      .argument('<number>', 'the extension (or its external number) whose call to enter', parseNumber)
      .option('--from <ext>', 'your extension, which rings once the owner accepts (default: your first extension)', parseExtension)
      .option('--as <name>', 'the name the owner sees in the prompt (default: your user name)', parseDisplayName)
      .option('--no-wait', 'print the request id once ctid has stored it, and exit')
      .addHelpText(
        'after',
        examples(
          [`cti ${kind} 2000`, "ask 2000's owner; when they accept, your phone rings"],
          [`cti ${kind} 044-222-3333 --as "Front desk"`, 'a number another office owns, shown to its owner as "Front desk"'],
        ),
      )
      .action((number: string, opts: JoinOptions) =>
        ctx.run((session) => submitRequest(session, { kind, destination: number, source: opts.from, display: opts.as }, opts.wait)),
      );
  }
}
