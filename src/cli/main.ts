// The `cti` entry point, and the one place the exit status is set (style.md
// section 3): commands return or throw, never exit.

import { failureOf } from './exit-codes.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // `cti requests | head`: a reader that stops early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const { program, ctx } = buildProgram(argv);
  try {
    await program.parseAsync(argv);
    process.exitCode = 0;
  } catch (err) {
    const { exitCode, message } = failureOf(err, ctx.server);
    if (message !== undefined) process.stderr.write(`cti: ${message}\n`);
    process.exitCode = exitCode;
  }
}
