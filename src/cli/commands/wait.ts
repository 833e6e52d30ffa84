// `cti wait ID`: re-attach to a request (after --no-wait, or a detach) and
// wait for its result, printing progress on the way.

import type { Command } from 'commander';
import { followRequest } from '../follow.js';
import { examples } from '../help.js';
import { parseRequestId } from '../input.js';
import { printResult } from '../result.js';
import type { CliContext } from '../session.js';

export function registerWait(program: Command, ctx: CliContext): void {
  program
    .command('wait')
    .description('wait for a request’s result (exit 0 succeeded, 1 failed or cancelled)')
    .argument('<id>', 'the request id, as `--no-wait` or `cti requests` printed it', parseRequestId)
    .addHelpText('after', examples(['cti wait "$(cti camp-on 2000 --no-wait)"', 'submit now, wait for the result later']))
    .action((id: string) => ctx.run(async ({ api, out }) => printResult(out, await followRequest(api, id, out))));
}
