// `switch-sim serve [--world FILE] [--control HOST:PORT] [--time-scale N] [--ami]`:
// run the world until SIGINT or SIGTERM, then shut down and exit 0.
// Readiness lines on stdout (interfaces.md): `office OFFICE csta HOST:PORT`
// per office once listening (and `office OFFICE ami HOST:PORT` for a PBX with
// an AMI face), then `control HOST:PORT`; logs go to stderr.

import { InvalidArgumentError, type Command } from 'commander';
import { controlOption, examples, print } from './options.js';

interface ServeOptions {
  world?: string;
  control: string;
  timeScale: number;
  ami?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a world of PBXs and the public network; each PBX serves CSTA XML on its own port')
    .option('--world <file>', 'the world file (JSON); default: the offices a, b and the public network of MISSION.md')
    .addOption(controlOption('where the control API listens (port 0: pick a free port)'))
    .option('--time-scale <n>', "run the world's clock N times faster (ring periods, no-answer limits)", parseTimeScale, 1)
    .option('--ami', 'every PBX also serves AMI (Asterisk Manager Interface) on a free port: user ctid-OFFICE, secret secret-OFFICE, context internal (offices whose world entry has "ami" keep it)')
    .addHelpText(
      'after',
      examples(
        ['switch-sim serve', 'the default world; control API on 127.0.0.1:50100'],
        ['switch-sim serve --world world.json --control 127.0.0.1:0 --time-scale 10', 'a world of your own, ten times faster'],
        ['switch-sim serve --ami', 'the default world, each PBX speaking AMI as well as CSTA'],
      ),
    )
    .action(serve);
}

function parseTimeScale(text: string): number {
  const scale = Number(text);
  if (text.trim() === '' || !Number.isFinite(scale) || scale <= 0) throw new InvalidArgumentError('give a positive number, e.g. 10.');
  return scale;
}

async function serve(opts: ServeOptions): Promise<void> {
  // Loaded here, not at the top: the one-shot commands never load the simulated world.
  const [{ defaultWorld, loadWorldFile, withAmi }, { startSimulator }] = await Promise.all([import('../world-file.js'), import('../simulator.js')]);
  const file = opts.world === undefined ? defaultWorld() : loadWorldFile(opts.world);
  const world = opts.ami ? withAmi(file) : file;
  const stop = nextSignal();
  try {
    const sim = await startSimulator({ world, timeScale: opts.timeScale, controlListen: opts.control });
    for (const office of sim.offices) {
      print(`office ${office.id} csta ${office.csta}`);
      if (office.ami !== undefined) print(`office ${office.id} ami ${office.ami}`);
    }
    if (sim.controlAddress !== undefined) print(`control ${sim.controlAddress}`);
    const signal = await stop.received;
    process.stderr.write(`switch-sim: ${signal}: shutting down\n`);
    await sim.close();
  } finally {
    stop.dispose();
  }
}

/**
 * The first SIGINT or SIGTERM. Its handlers go once it comes, so a second
 * signal takes Node's default action and ends the process at once
 * (style.md section 6) should the graceful shutdown stall.
 */
function nextSignal(): { received: Promise<NodeJS.Signals>; dispose(): void } {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  let onSignal!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      dispose();
      resolve(signal);
    };
  });
  const dispose = (): void => signals.forEach((signal) => process.off(signal, onSignal));
  signals.forEach((signal) => process.on(signal, onSignal));
  return { received, dispose };
}
