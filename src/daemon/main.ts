// ctid: wires config, store, switch link, core and gRPC server together,
// says when it is ready, and shuts down in order on SIGTERM / SIGINT.
// `ctid [--config FILE] [--data DIR] [--listen HOST:PORT]` (interfaces.md).

import { parseArgs } from 'node:util';
import { isCtiError } from './core/errors.js';
import { startDaemon, type RunningDaemon } from './daemon.js';
import { createLogger, type Logger } from './logger.js';

const USAGE = 'usage: ctid [--config FILE] [--data DIR] [--listen HOST:PORT]';

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let flags: { config?: string; data?: string; listen?: string; help?: boolean };
  try {
    flags = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, data: { type: 'string' }, listen: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`ctid: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\nWith no config, serves office a of the default world on 127.0.0.1:50051 with an embedded switch-sim.\n`);
    return;
  }
  const logger = createLogger();
  // Signals are handled from the start: one that arrives while ctid starts stops it as soon as it is up.
  let daemon: RunningDaemon | undefined;
  let stopping: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143); // a second signal ends at once (style.md section 6)
    stopping = signal;
    logger('shutting down', { signal });
    if (daemon) void shutdown(daemon, logger);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    daemon = await startDaemon(flags, { logger, ready: (line) => process.stdout.write(`${line}\n`) });
  } catch (err) {
    process.stderr.write(`ctid: ${isCtiError(err) ? err.message : (err as Error).message}\n`);
    process.exitCode = isCtiError(err) && err.code === 'invalid-argument' ? 2 : 1;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    return;
  }
  if (stopping) await shutdown(daemon, logger);
}

async function shutdown(daemon: RunningDaemon, logger: Logger): Promise<void> {
  try {
    await daemon.stop();
    process.exitCode = 0;
  } catch (err) {
    logger('shutdown failed', { err: String(err) });
    process.exitCode = 1;
  }
}
