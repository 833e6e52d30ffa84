// `cti requests [--all] [--watch]`: your requests, newest first; with
// --watch the current ones first, then one line per change, from one stream
// (WatchRequests), so nothing falls between a listing and the changes.

import type { Command } from 'commander';
import type { Request, RequestUpdate } from '../../gen/cti/v1/cti.js';
import { requestObject, requestRow } from '../format.js';
import { examples } from '../help.js';
import { forEachMessage, untilInterrupted } from '../interrupts.js';
import type { Output } from '../output.js';
import type { CliContext } from '../session.js';

export function registerRequests(program: Command, ctx: CliContext): void {
  program
    .command('requests')
    .description('list your requests (--all: everyone’s, admins only)')
    .option('--all', "every user's requests (admins)")
    .option('--watch', 'after the current requests, print a line for each change until interrupted')
    .addHelpText(
      'after',
      examples(['cti requests', 'id, state, what, and the result or time left'], ['cti requests --watch --json', 'one JSON object per request, then one per change']),
    )
    .action((opts: { all?: boolean; watch?: boolean }) =>
      ctx.run(async ({ api, out }) => {
        const all = opts.all === true;
        if (!opts.watch) {
          const requests = await api.list(all);
          requests.forEach((request) => print(out, request));
          if (requests.length === 0 && !out.json) out.note('no requests');
          return;
        }
        await untilInterrupted(async (signal) => {
          await forEachMessage<RequestUpdate>(api.watch({ id: '', all }), signal, ({ request }) => {
            if (request) print(out, request);
          });
        });
      }),
    );
}

function print(out: Output, request: Request): void {
  if (out.json) out.object(requestObject(request));
  else out.line(requestRow(request, Date.now()));
}
