// `cti routes list`, `cti routes add PREFIX --office O [--network
// station|toll|public] [--place remote|local]`, `cti routes rm PREFIX`: the
// route table (FIG. 20 CTIDB), longest prefix first. Anyone may list it;
// changes are for admins, and ctid stores them (interfaces.md).

import { Option, type Command } from 'commander';
import type { Route } from '../../gen/cti/v1/cti.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import { parseOffice, parsePrefix } from '../input.js';
import type { Output } from '../output.js';
import type { CliContext } from '../session.js';

interface AddOptions {
  office: string;
  network?: string;
  place?: string;
}

export function registerRoutes(program: Command, ctx: CliContext): void {
  const routes = program
    .command('routes')
    .description('the route table: which office owns which numbers (changes: admins only)')
    .addHelpText('after', examples(['cti routes list', 'prefix, office, network, who places the call, where the route comes from']));

  routes
    .command('list')
    .description('list the routes, longest prefix first')
    .addHelpText('after', examples(['cti routes list --json | jq -r .prefix', 'the prefixes, for a script']))
    .action(() => ctx.run(async ({ api, out }) => printRoutes(out, await api.routes())));

  routes
    .command('add')
    .description('route numbers starting with PREFIX to office O (replaces a route with the same prefix)')
    .argument('<prefix>', 'the start of national numbers, e.g. 044-222', parsePrefix)
    .requiredOption('--office <office>', 'the office that owns these numbers (a peer in ctid’s config)', parseOffice)
    .addOption(new Option('--network <network>', 'the telephone network to it (default: public)').choices(['station', 'toll', 'public']))
    .addOption(new Option('--place <where>', 'across offices, who places the call: remote = that office, local = this one (default: remote)').choices(['remote', 'local']))
    .addHelpText('after', examples(['cti routes add 044-222 --office b --place local', "numbers 044222... belong to office b; this office places the calls"]))
    .action((prefix: string, opts: AddOptions) =>
      ctx.run(async ({ api, out }) => {
        const route = await api.addRoute({ prefix, office: opts.office, network: opts.network ?? '', place: opts.place ?? '', origin: '' });
        printRoutes(out, [route]);
      }),
    );

  routes
    .command('rm')
    .description('remove the route for PREFIX (exit 1 if there is none)')
    .argument('<prefix>', 'the prefix as `cti routes list` shows it, e.g. 044222', parsePrefix)
    .addHelpText('after', examples(['cti routes rm 044-222', 'numbers 044222... are no longer routed to another office']))
    .action((prefix: string) =>
      ctx.run(async ({ api, out }) => {
        await api.removeRoute(prefix);
        if (out.json) out.object({ type: 'route-removed', prefix });
        else out.line(`removed route ${prefix}`);
      }),
    );
}

function printRoutes(out: Output, routes: Route[]): void {
  if (out.json) return routes.forEach((route) => out.object({ type: 'route', ...route }));
  if (routes.length === 0) return out.note('no routes');
  const rows = routes.map((r) => [r.prefix, r.office, r.network, r.place, r.origin]);
  table([['PREFIX', 'OFFICE', 'NETWORK', 'PLACE', 'ORIGIN'], ...rows]).forEach((line) => out.line(line));
}
