// Starts a simulated world: the model, one CSTA XML listener per PBX (and an
// AMI listener where the world gives the PBX an AMI face), and (unless
// disabled) the control API. Used by `switch-sim serve`, by ctid's
// embedded default, and in-process by tests.

import { ScaledClock, type Clock } from '../common/clock.js';
import type { SimulatorControl } from './control.js';
import { DEFAULT_CONTROL_ADDRESS } from './control-client.js';
import { startControlServer } from './control-server.js';
import { CstaServer } from './csta-server.js';
import { AmiAwarePhones } from './ami/ami-phones.js';
import { AmiPbx } from './ami/ami-pbx.js';
import { AmiServer } from './ami/ami-server.js';
import { AgiDialplan } from './ami/agi-dialplan.js';
import { RequestLog } from './request-log.js';
import { World } from './world.js';
import type { WorldConfig } from './world-file.js';

export interface SimulatorOptions {
  world: WorldConfig;
  /** Runs the world's clock this many times faster than real time. Default 1. */
  timeScale?: number;
  /** A clock of the caller's (tests); overrides timeScale. */
  clock?: Clock;
  /** Control API address; default 127.0.0.1:50100; null for none. */
  controlListen?: string | null;
  /** Where the simulator logs (stderr by default). */
  logger?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface RunningSimulator {
  control: SimulatorControl;
  world: World;
  /** Each office's listeners; `ami` where the world gives the PBX an AMI face. */
  offices: { id: string; csta: string; ami?: string }[];
  controlAddress?: string;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const clock = options.clock ?? new ScaledClock(options.timeScale ?? 1);
  const logger = options.logger ?? ((msg, fields) => process.stderr.write(`switch-sim: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`));
  const world = new World(options.world, clock);
  const log = new RequestLog();
  const servers = new Map<string, CstaServer>();
  const amiServers = new Map<string, AmiServer>();
  const credentials = new Map<string, { user: string; password: string }>();
  let crossRef = 0;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    for (const office of options.world.offices) {
      const server = new CstaServer(
        {
          exchange: world.exchange(office.id)!,
          voiceBoard: world.voiceBoard,
          log,
          clock,
          credentials: { user: office.csta.user, password: office.csta.password },
          heartbeatMs: options.world.heartbeatMs,
          systemStatus: options.world.systemStatus,
          maxSessionDurationS: options.world.maxSessionDurationS,
          nextCrossRef: () => String(++crossRef),
        },
        logger,
      );
      await server.listen(office.csta.listen);
      stops.push(() => server.close());
      servers.set(office.id, server);
      credentials.set(office.id, { user: office.csta.user, password: office.csta.password });
      if (office.ami) {
        const pbx = new AmiPbx(world.exchange(office.id)!, office.ami, logger, world.voiceBoard);
        const ami = new AmiServer({ pbx, office: office.id, credentials: { user: office.ami.user, secret: office.ami.secret }, log }, logger);
        try {
          await ami.listen(office.ami.listen);
        } catch (err) {
          pbx.close();
          throw err;
        }
        stops.push(() => ami.close());
        amiServers.set(office.id, ami);
        if (office.ami.agi) {
          const dialplan = new AgiDialplan(pbx, office.ami.agi, logger);
          stops.push(async () => dialplan.close());
        }
      }
    }
    const control = new AmiAwarePhones(amiServers, world, servers, log, credentials);
    let controlAddress: string | undefined;
    const controlListen = options.controlListen === undefined ? DEFAULT_CONTROL_ADDRESS : options.controlListen;
    if (controlListen !== null) {
      const server = await startControlServer(control, controlListen);
      stops.push(() => server.close());
      controlAddress = server.address;
    }
    return {
      control,
      world,
      offices: [...servers].map(([id, s]) => {
        const ami = amiServers.get(id)?.address;
        return { id, csta: s.address, ...(ami !== undefined ? { ami } : {}) };
      }),
      ...(controlAddress ? { controlAddress } : {}),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
