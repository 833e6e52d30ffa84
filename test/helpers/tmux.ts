// A terminal for end-to-end tests of the dashboard: a tmux session on a
// socket of its own, running one command; the test types keys and reads the
// screen as a person would (capture-pane), waiting for what it expects.

import { execFileSync, spawnSync } from 'node:child_process';
import { eventually } from './eventually.js';

let sessions = 0;

export class TmuxScreen {
  private constructor(private readonly socket: string) {}

  /** Starts `argv` in a detached `columns`x`rows` terminal with `env` set (TERM xterm-256color). */
  static start(argv: string[], env: Record<string, string | undefined>, size = { columns: 100, rows: 30 }): TmuxScreen {
    const screen = new TmuxScreen(`cti-test-${process.pid}-${++sessions}`);
    const entries = Object.entries(env);
    const unset = entries.filter(([, v]) => v === undefined).flatMap(([k]) => ['-u', k]);
    const set = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    const command = ['env', ...unset, ...set, 'TERM=xterm-256color', ...argv].map(shellQuote).join(' ');
    // `; sleep` keeps the pane (and what the command printed last) after it exits.
    screen.tmux('new-session', '-d', '-s', 'test', '-x', String(size.columns), '-y', String(size.rows), `${command}; echo "[exit $?]"; sleep 600`);
    return screen;
  }

  /** The screen's text now, one string per row. */
  text(): string {
    return this.tmux('capture-pane', '-p', '-t', 'test');
  }

  /** Types keys (tmux key names: `Enter`, `Escape`, `Tab`, or literal text with `literal`). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'test', ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 'test', '-l', text);
  }

  until(what: string, accept: (text: string) => boolean, deadlineMs = 20_000): Promise<string> {
    return eventually(`the screen to show ${what}`, async () => this.text(), accept, deadlineMs);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
