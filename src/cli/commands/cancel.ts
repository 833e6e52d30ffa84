// `cti cancel ID`: cancel a pending request (FIG. 22). Exit 0 once it is
// cancelled (again: cancelling twice is no error); a request that had
// already ended otherwise is left as it was (exit 1, its state printed).

import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { examples } from '../help.js';
import { parseRequestId } from '../input.js';
import { resultObject, resultText } from '../format.js';
import type { CliContext } from '../session.js';

export function registerCancel(program: Command, ctx: CliContext): void {
  program
    .command('cancel')
    .description('cancel a pending request (whoever waits on it sees "cancelled")')
    .argument('<id>', 'the request id, as `--no-wait` or `cti requests` printed it', parseRequestId)
    .addHelpText('after', examples(['cti cancel 7q3k9x2m', 'stop camping on for that request']))
    .action((id: string) =>
      ctx.run(async ({ api, out }) => {
        const request = await api.cancel(id);
        if (out.json) out.object(resultObject(request));
        else out.line(resultText(request, out.style.out));
        if (request.state !== 'cancelled') {
          throw new CliError('request-ended', `${id} was not cancelled: it is ${request.state}`, { reason: request.reason });
        }
      }),
    );
}
