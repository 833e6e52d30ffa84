// `cti transfer set EXT --to NUMBER [--to NUMBER ...] [--confirm]`,
// `cti transfer clear EXT`, `cti transfer list`: the transfer table (FIG.
// 55-58). Only the owner of EXT (or an admin) may change its entry; ctid
// refuses a destination its dial policy bars (exit 4, naming the rule).
// Another office's number (`044-222-3333`) is set and cleared at the office
// that owns it, which reads the destinations and decides who may.

import type { Command } from 'commander';
import type { Transfer } from '../../gen/cti/v1/cti.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import { parseNumber, parseOffice } from '../input.js';
import type { Output } from '../output.js';
import type { CliContext } from '../session.js';

export function registerTransfer(program: Command, ctx: CliContext): void {
  const transfer = program
    .command('transfer')
    .description('send calls to your extension elsewhere, with fallbacks (transfer entry / release)')
    .addHelpText('after', examples(['cti transfer list', 'extension, destinations in order, mode, who set it and when']));

  transfer
    .command('set')
    .description('calls to EXT go to the first --to that answers; if none does, EXT rings')
    .argument('<ext>', "your extension, or another office's number (set there)", parseNumber)
    .requiredOption('--to <number>', 'a destination; repeat for fallbacks, tried in order', (value: string, previous: string[] = []) => [...previous, parseNumber(value)])
    .option('--confirm', 'ask me per call where it goes (a prompt, like join)')
    .addHelpText(
      'after',
      examples(
        ['cti transfer set 2001 --to 2005', 'calls to 2001 ring 2005'],
        ['cti transfer set 2001 --to 090-1234-5678 --to 2005 --confirm', 'ask me per call: my mobile, 2005, or here'],
        ['cti transfer set 044-222-3333 --to 2003', "another office's number: the office that owns it sets it; --to 2003 is that office's 2003"],
      ),
    )
    .action((ext: string, opts: { to: string[]; confirm?: boolean }) =>
      ctx.run(async ({ api, out }) => printTransfers(out, [await api.setTransfer(ext, opts.to, opts.confirm === true)])),
    );

  transfer
    .command('clear')
    .description('calls to EXT ring EXT again (exit 1 if no transfer is set)')
    .argument('<ext>', "your extension, or another office's number (cleared there)", parseNumber)
    .addHelpText('after', examples(['cti transfer clear 2001', 'release the transfer of 2001']))
    .action((ext: string) =>
      ctx.run(async ({ api, out }) => {
        const removed = await api.clearTransfer(ext);
        if (out.json) out.object({ type: 'transfer-cleared', extension: removed.extension });
        else out.line(`cleared the transfer of ${removed.extension}`);
      }),
    );

  transfer
    .command('list')
    .description('transfer entries of your extensions (all of the office’s, for admins)')
    .option('--office <office>', 'another office: your entries there (you as its user of your name)', parseOffice)
    .addHelpText('after', examples(['cti transfer list --office b', 'the entries you set at office b']))
    .action((opts: { office?: string }) => ctx.run(async ({ api, out }) => printTransfers(out, await api.transfers(opts.office))));
}

function printTransfers(out: Output, transfers: Transfer[]): void {
  if (out.json) return transfers.forEach((t) => out.object({ type: 'transfer', ...t }));
  if (transfers.length === 0) return out.note('no transfers');
  const rows = transfers.map((t) => [t.extension, t.destinations.map((d) => d.number).join(' → '), t.mode, t.setBy, t.setAt]);
  table([['EXT', 'DESTINATIONS', 'MODE', 'SET BY', 'SET AT'], ...rows]).forEach((line) => out.line(line));
}
