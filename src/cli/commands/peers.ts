// `cti peers`: the other offices' ctids this one talks to, their address,
// their health (the standard gRPC health check: serving, not-serving,
// unreachable, or unknown until first asked) and when they were last reached.

import type { Command } from 'commander';
import { formatDuration } from '../../common/duration.js';
import type { Peer } from '../../gen/cti/v1/cti.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import type { CliContext } from '../session.js';

export function registerPeers(program: Command, ctx: CliContext): void {
  program
    .command('peers')
    .description('the peer offices: address, health, when last reached')
    .addHelpText(
      'after',
      examples(['cti peers', 'is every other office reachable?'], ['cti peers --json | jq -r \'select(.health != "serving") | .office\'', 'the offices in trouble']),
    )
    .action(() =>
      ctx.run(async ({ api, out }) => {
        const peers = await api.peers();
        if (out.json) return peers.forEach((peer) => out.object({ type: 'peer', ...peer }));
        if (peers.length === 0) return out.note('no peers (config "peers")');
        const now = Date.now();
        const rows = peers.map((p) => [p.office, p.address, p.health, lastReached(p, now), p.lastError]);
        table([['OFFICE', 'ADDRESS', 'HEALTH', 'LAST REACHED', 'LAST ERROR'], ...rows]).forEach((line) => out.line(line));
      }),
    );
}

function lastReached(peer: Peer, now: number): string {
  const at = Date.parse(peer.lastReached);
  return Number.isNaN(at) ? 'never' : `${formatDuration(Math.max(0, now - at))} ago`;
}
