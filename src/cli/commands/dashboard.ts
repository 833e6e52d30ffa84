// `cti dashboard`: the interactive screen (src/cli/dashboard). It needs a
// terminal: without one it says so and exits 2, pointing at the streams a
// script can read instead.

import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { examples } from '../help.js';
import type { CliContext } from '../session.js';

export function registerDashboard(program: Command, ctx: CliContext): void {
  program
    .command('dashboard')
    .description('the interactive screen: your lines, requests, prompts, transfers and peers, live')
    .addHelpText('after', examples(['cti dashboard', 'q quits, ? lists the keys']))
    .action(async () => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new CliError('usage', 'cti dashboard needs a terminal; for a stream of changes a script can read, use `cti requests --watch` or `cti prompts --watch`');
      }
      await ctx.run(async ({ api }) => {
        // Ink draws only a last frame when it believes it runs in CI (a CI variable in the
        // environment, read as Ink loads); a person at this terminal gets the live screen anyway.
        delete process.env.CI;
        delete process.env.CONTINUOUS_INTEGRATION;
        const { runDashboard } = await import('../dashboard/run.js');
        await runDashboard(api);
      });
    });
}
