// `switch-sim log [--office O] [--json]`: the CSTA requests (and AMI actions)
// each PBX received, in order (tests count MakeCalls and Originates with it).

import type { Command } from 'commander';
import type { LogEntry } from '../control.js';
import { clientFor, controlOption, examples, print, printJson, type ControlOptions } from './options.js';
import { tableOr } from './table.js';

export function registerLog(program: Command): void {
  program
    .command('log')
    .description('the CSTA requests and AMI actions each PBX received, in order')
    .option('--office <office>', 'only the requests office OFFICE received')
    .option('--json', 'one JSON document: {"entries":[{"at","office","session","invokeId","type","message"[,"protocol":"ami","actionId"]}]}')
    .addOption(controlOption())
    .addHelpText(
      'after',
      examples(['switch-sim log --office a', "office a's requests"], [`switch-sim log --json | jq '[.entries[] | select(.type == "MakeCall")] | length'`, 'count MakeCalls']),
    )
    .action(async (opts: ControlOptions & { office?: string; json?: boolean }) => {
      const entries = await clientFor(opts).log(opts.office);
      if (opts.json) printJson({ entries });
      else print(renderLog(entries));
    });
}

export function renderLog(entries: LogEntry[]): string {
  return tableOr(
    'no CSTA requests received',
    ['at', 'office', 'session', 'invoke', 'type', 'details'],
    // An AMI action has no invoke id: its column shows `ami` and the ActionID.
    entries.map((e) => [e.at, e.office, e.session, e.protocol === 'ami' ? `ami ${e.actionId ?? '-'}` : String(e.invokeId), e.type, details(e.message)]),
  );
}

/** The request's fields as `name=value`, its type left out (it has a column). */
function details(message: Record<string, unknown>): string {
  return Object.entries(message)
    .filter(([name]) => name !== 'type')
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
