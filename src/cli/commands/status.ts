// `cti status`: which office answers, its switch link, who you are to it.

import type { Command } from 'commander';
import { examples } from '../help.js';
import type { CliContext } from '../session.js';

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('the office, its switch link, who you are, pending requests, version')
    .addHelpText('after', examples(['cti status', 'is ctid up, and is its switch link up?'], ['cti status --json | jq -r .switchLink', 'the link state, for a script']))
    .action(() =>
      ctx.run(async ({ api, out }) => {
        const s = await api.status();
        if (out.json) {
          out.object({ type: 'status', ...s });
          return;
        }
        const link = s.switchLink === 'up' ? out.style.out.ok(s.switchLink) : out.style.out.bad(s.switchLink);
        const rows: [string, string][] = [
          ['office', s.office],
          ['switch link', `${link} (${s.switchUrl})`],
          ['user', `${s.user}${s.admin ? ' (admin)' : ''}`],
          ['extensions', s.extensions.join(' ') || (s.admin ? 'all of the office' : 'none')],
          ['pending', `${s.pendingRequests} request${s.pendingRequests === 1 ? '' : 's'}`],
          ['peers', s.peers.map((p) => `${p.office} ${p.health}`).join(', ') || 'none'],
          ['mail', s.mailListeners.join(', ') || 'none'],
          ['version', s.version],
        ];
        rows.forEach(([key, value]) => out.line(`${key.padEnd(12)}${value}`));
      }),
    );
}
