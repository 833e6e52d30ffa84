// The `cti` command tree: one file per command (style.md section 1).
// Subcommands come from program.command(), so they inherit exitOverride():
// every usage error reaches main.ts as a throw and exits 2 there. The global
// options are read by session.ts, which applies their precedence.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCall } from './commands/call.js';
import { registerCampOn } from './commands/camp-on.js';
import { registerCancel } from './commands/cancel.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerMail } from './commands/mail.js';
import { registerMonitor } from './commands/monitor.js';
import { registerJoin } from './commands/join.js';
import { registerPeers } from './commands/peers.js';
import { registerPrompts } from './commands/prompts.js';
import { registerRequests } from './commands/requests.js';
import { registerRelay } from './commands/relay.js';
import { registerRoutes } from './commands/routes.js';
import { registerStatus } from './commands/status.js';
import { registerTransfer } from './commands/transfer.js';
import { registerWait } from './commands/wait.js';
import { examples } from './help.js';
import { CliContext, type GlobalFlags } from './session.js';

const PACKAGE_JSON = new URL('../../../package.json', import.meta.url); // from dist/src/cli/

export function buildProgram(): { program: Command; ctx: CliContext } {
  const program = new Command('cti')
    .description('ask ctid for calls, camp-ons, joins and barge-ins, and follow them')
    .version((JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version)
    .option('--server <host:port>', 'ctid to talk to (env CTI_SERVER, config "server"; default 127.0.0.1:50051)')
    .option('--token <token>', "your token (env CTI_TOKEN, config \"token\"; default: the local ctid's admin token)")
    .option('--json', 'print one JSON object per line, for scripts')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      examples(
        ['cti camp-on 2000', 'connect you with 2000 as soon as it is free'],
        ['cti requests --watch', 'your requests, then each change'],
        ['CTI_SERVER=ctid-b:50052 cti status', 'another office’s ctid'],
      ) +
        '\nConfig file: $XDG_CONFIG_HOME/cti/config.json ({"server": ..., "token": ...}); flags win over env, env over the file.' +
        '\nExit status: 0 ok; 1 the request failed or was refused; 2 bad input; 3 ctid unreachable; 4 not allowed; 130/143 interrupted.\n',
    );
  const ctx = new CliContext(() => program.opts<GlobalFlags>());
  const commands = [
    registerStatus,
    registerCall,
    registerCampOn,
    registerJoin,
    registerMonitor,
    registerRequests,
    registerWait,
    registerCancel,
    registerPrompts,
    registerTransfer,
    registerRoutes,
    registerRelay,
    registerPeers,
    registerMail,
    registerDashboard,
  ];
  for (const register of commands) {
    register(program, ctx);
  }
  return { program, ctx };
}
