// The command tree: a one-shot command registers only its own file (start-up
// time), so the table of command names in program.ts must say what each
// file registers, and help must still see every command.

import { Command } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProgram, COMMANDS } from '../../src/cli/program.js';
import { CliContext } from '../../src/cli/session.js';

const names = (program: Command): string[] => program.commands.map((c) => c.name());
const all = COMMANDS.flatMap((entry) => entry.names);

test('each command file registers exactly the names the table gives it', () => {
  for (const { names: expected, register } of COMMANDS) {
    const program = new Command('cti');
    register(program, new CliContext(() => ({})));
    assert.equal(names(program), [...expected]);
  }
});

test('a one-shot command registers its own file only', () => {
  assert.equal(names(buildProgram(['node', 'cti', 'camp-on', '2000', '--no-wait']).program), ['camp-on']);
  assert.equal(names(buildProgram(['node', 'cti', '--server', 'status', 'accept', 'p-1']).program), ['prompts', 'accept', 'reject'], 'a global option value is not the command');
  assert.equal(names(buildProgram(['node', 'cti', '--json', '--token=x', 'barge-in', '2000']).program), ['join', 'barge-in']);
});

test('help, no command or an unknown one registers every command', () => {
  for (const argv of [['--help'], [], ['help', 'camp-on'], ['campon', '2000']]) {
    assert.equal(names(buildProgram(['node', 'cti', ...argv]).program).sort(), [...all].sort(), argv.join(' '));
  }
});

test.run();
