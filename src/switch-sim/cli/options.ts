// What every client command shares: the --control option, the client it
// builds, the examples under --help, and how answers reach stdout.

import { Option } from 'commander';
import { ControlClient, DEFAULT_CONTROL_ADDRESS } from '../control-client.js';

export interface ControlOptions {
  control: string;
}

/** `--control HOST:PORT`, env SWITCH_SIM_CONTROL, default 127.0.0.1:50100 (interfaces.md). */
export function controlOption(description = "the running simulator's control API"): Option {
  return new Option('--control <host:port>', description).env('SWITCH_SIM_CONTROL').default(DEFAULT_CONTROL_ADDRESS);
}

/** Throws SimulatorError 'invalid' (exit 2) for an address that is not HOST:PORT. */
export function clientFor(opts: ControlOptions): ControlClient {
  return new ControlClient(opts.control);
}

/** Help text shown after a command's options. */
export function examples(...lines: [command: string, what: string][]): string {
  return `\nExamples:\n${lines.map(([command, what]) => `  $ ${command}\n      ${what}`).join('\n')}\n`;
}

/** The answer, on stdout (logs and errors go to stderr). */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `--json`: one JSON document on one line, for scripts. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value));
}
