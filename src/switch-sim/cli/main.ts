// The `switch-sim` entry point, and the one place the process's exit status
// is set (style.md section 3): commands return or throw, never exit.

import { failureOf } from './exit-codes.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // `switch-sim log | head`: a reader that stops early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
    process.exitCode = 0;
  } catch (err) {
    const { exitCode, message } = failureOf(err);
    if (message !== undefined) process.stderr.write(`switch-sim: ${message}\n`);
    process.exitCode = exitCode;
  }
}
