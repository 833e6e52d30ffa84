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

type Register = (program: Command, ctx: CliContext) => void;

/** Every command file, with the top-level commands it registers (test/cli/program.test.ts checks them). */
export const COMMANDS: readonly { names: readonly string[]; register: Register }[] = [
  { names: ['status'], register: registerStatus },
  { names: ['call'], register: registerCall },
  { names: ['camp-on'], register: registerCampOn },
  { names: ['join', 'barge-in'], register: registerJoin },
  { names: ['monitor'], register: registerMonitor },
  { names: ['requests'], register: registerRequests },
  { names: ['wait'], register: registerWait },
  { names: ['cancel'], register: registerCancel },
  { names: ['prompts', 'accept', 'reject'], register: registerPrompts },
  { names: ['transfer'], register: registerTransfer },
  { names: ['routes'], register: registerRoutes },
  { names: ['relay'], register: registerRelay },
  { names: ['peers'], register: registerPeers },
  { names: ['mail'], register: registerMail },
  { names: ['dashboard'], register: registerDashboard },
];

/**
 * The command name in the arguments: the first one that is neither an option
 * nor the value of a global option that takes one (`withValue`; given as
 * --opt=value it is one argument).
 */
function commandIn(args: readonly string[], withValue: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (withValue.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const PACKAGE_JSON = new URL('../../../package.json', import.meta.url); // from dist/src/cli/

export function buildProgram(argv: readonly string[]): { program: Command; ctx: CliContext } {
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
  // A one-shot command registers only its own file (start-up time, issue 4);
  // help, a mistyped name or none registers them all, so help lists and suggests them.
  const withValue = new Set(program.options.filter((o) => o.required).map((o) => o.long!));
  const command = commandIn(argv.slice(2), withValue) ?? '';
  const named = COMMANDS.filter(({ names }) => names.includes(command));
  for (const { register } of named.length > 0 ? named : COMMANDS) {
    register(program, ctx);
  }
  return { program, ctx };
}
