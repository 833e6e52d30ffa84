// `switch-sim status [--json]`: offices, devices, calls, and the media played
// and faxed (interfaces.md, "switch-sim").

import type { Command } from 'commander';
import type { WorldStatus } from '../control.js';
import { clientFor, controlOption, examples, print, printJson, type ControlOptions } from './options.js';
import { tableOr } from './table.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('devices, calls, states, media played and faxed')
    .option('--json', 'one JSON document: {"offices":[...],"calls":[...],"media":[...]}')
    .addOption(controlOption())
    .addHelpText('after', examples(['switch-sim status', 'every device with its state'], ['switch-sim status --json | jq .calls', 'the calls, for a script']))
    .action(async (opts: ControlOptions & { json?: boolean }) => {
      const status = await clientFor(opts).status();
      if (opts.json) printJson(status);
      else print(renderStatus(status));
    });
}

export function renderStatus(status: WorldStatus): string {
  const offices = tableOr(
    'no offices',
    ['office', 'csta', 'user', 'link', 'sessions'],
    status.offices.map((o) => [o.id, o.csta ?? '-', o.user ?? '-', o.link ?? '-', o.sessions === undefined ? '-' : String(o.sessions)]),
  );
  const devices = tableOr(
    'no devices',
    ['device', 'kind', 'state', 'answer', 'dnd', 'rings', 'service', 'external'],
    status.offices.flatMap((o) =>
      o.devices.map((d) => [d.id, d.kind, d.state, d.answer, d.dnd ? 'on' : 'off', String(d.rings), d.service, d.external ?? '']),
    ),
  );
  const calls = tableOr(
    'no calls',
    ['call', 'connections'],
    status.calls.map((c) => [c.id, c.connections.map((k) => `${k.device} ${k.state}${k.trunk ? ' (trunk)' : ''}`).join(', ')]),
  );
  const media = tableOr(
    'no media played or faxed',
    ['media', 'device', 'name', 'port', 'call', 'at'],
    status.media.map((m) => [m.kind, m.device, m.name, m.port ?? '-', m.call ?? '-', m.at]),
  );
  return [offices, devices, calls, media].join('\n\n');
}
