// `cti relay list`, `cti relay add DOMAIN --office O --smtp HOST:PORT`,
// `cti relay rm DOMAIN`: the mail relay table (FIG. 38): mail for DOMAIN
// goes to office O's ctid at its SMTP address. Anyone may list it; changes
// are for admins, and ctid stores them (interfaces.md).

import type { Command } from 'commander';
import type { Relay } from '../../gen/cti/v1/cti.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import { parseHostPort, parseMailDomain, parseOffice } from '../input.js';
import type { Output } from '../output.js';
import type { CliContext } from '../session.js';

export function registerRelay(program: Command, ctx: CliContext): void {
  const relay = program
    .command('relay')
    .description('the mail relay table: which office takes mail for which domain (changes: admins only)')
    .addHelpText('after', examples(['cti relay list', 'domain, office, its SMTP address, where the entry comes from']));

  relay
    .command('list')
    .description('list the relay table')
    .action(() => ctx.run(async ({ api, out }) => printRelays(out, await api.relays())));

  relay
    .command('add')
    .description('send mail for DOMAIN to office O at HOST:PORT (replaces an entry for the same domain)')
    .argument('<domain>', 'a mail domain, e.g. b.example', parseMailDomain)
    .requiredOption('--office <office>', 'the office that takes that mail (a peer in ctid’s config: the pair’s secret authenticates the relay)', parseOffice)
    .requiredOption('--smtp <host:port>', 'where its ctid’s SMTP listens', parseHostPort)
    .addHelpText('after', examples(['cti relay add b.example --office b --smtp 10.0.2.5:2525', 'mail for anyone@b.example goes to office b']))
    .action((domain: string, opts: { office: string; smtp: string }) =>
      ctx.run(async ({ api, out }) => printRelays(out, [await api.addRelay({ domain, office: opts.office, smtp: opts.smtp, origin: '' })])),
    );

  relay
    .command('rm')
    .description('remove the entry for DOMAIN (exit 1 if there is none)')
    .argument('<domain>', 'the domain as `cti relay list` shows it', parseMailDomain)
    .action((domain: string) =>
      ctx.run(async ({ api, out }) => {
        await api.removeRelay(domain);
        if (out.json) out.object({ type: 'relay-removed', domain });
        else out.line(`removed the relay for ${domain}`);
      }),
    );
}

function printRelays(out: Output, relays: Relay[]): void {
  if (out.json) return relays.forEach((r) => out.object({ type: 'relay', ...r }));
  if (relays.length === 0) return out.note('no relays');
  table([['DOMAIN', 'OFFICE', 'SMTP', 'ORIGIN'], ...relays.map((r) => [r.domain, r.office, r.smtp, r.origin])]).forEach((line) => out.line(line));
}
