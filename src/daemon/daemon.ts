// Starts one office's daemon from its config: store (with its lock), the
// switch (embedded simulator or csta://), the link and its adapter, the
// core, and the gRPC server; then the readiness lines. stop() undoes it in
// reverse order, bounded.

import { mkdirSync } from 'node:fs';
import { ScaledClock } from '../common/clock.js';
import { NumberingPlan } from '../common/numbering.js';
import { startSimulator, type RunningSimulator } from '../switch-sim/simulator.js';
import { defaultWorldInput, parseWorld } from '../switch-sim/world-file.js';
import { ensureAdminToken } from './admin-token.js';
import { loadConfig, type ConfigFlags, type ResolvedConfig } from './config.js';
import { Core } from './core/core.js';
import { DialPolicy } from './core/dial-policy.js';
import { NumberResolver } from './core/numbers.js';
import { NO_PEERS } from './core/peering.js';
import { GrpcPeers } from './peers/grpc-peers.js';
import { RouteTable, routePrefix } from './core/routes.js';
import { openRouteStore } from './store/route-store.js';
import { openTransferStore } from './store/transfer-store.js';
import { startGrpcServer } from './grpc/server.js';
import type { MailApi } from './grpc/service.js';
import type { Logger } from './logger.js';
import { openRequestStore } from './store/request-store.js';
import { CstaLink } from './switch/csta/link.js';
import { CstaSwitch } from './switch/csta/csta-switch.js';
import { AmiLink } from './switch/ami/ami-link.js';
import { AMI_SLOTS } from './switch/ami/slots.js';
import { AmiSwitch } from './switch/ami/ami-switch.js';
import { AmiTransfers } from './switch/ami/transfer/ami-transfers.js';
import { Endpoints } from './switch/ami/endpoints.js';
import type { Switch } from './core/ports.js';
import { VERSION } from './version.js';

export interface DaemonHooks {
  logger: Logger;
  /** Readiness lines for stdout (interfaces.md). */
  ready: (line: string) => void;
}

export interface RunningDaemon {
  config: ResolvedConfig;
  address: string;
  stop(): Promise<void>;
}

export async function startDaemon(flags: ConfigFlags, hooks: DaemonHooks): Promise<RunningDaemon> {
  const { logger, ready } = hooks;
  const config = loadConfig(flags);
  mkdirSync(config.data, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const store = await openRequestStore(config.data);
    stops.push(() => store.close());
    const adminToken = ensureAdminToken(config.data);

    const clock = new ScaledClock(config.timeScale);
    const target = await switchTarget(config, clock, ready, logger);
    if (target.sim) stops.push(() => target.sim!.close());

    const voiceBoardPorts = config.voiceBoardPorts ?? defaultPorts(config.office, target);
    const { sw, close } = await openSwitch(config, target, { clock, logger, ready, slots: voiceBoardPorts });
    stops.push(close);

    const peers = Object.keys(config.peers).length > 0 ? new GrpcPeers({ office: config.office, peers: config.peers, logger }) : NO_PEERS;
    if (peers instanceof GrpcPeers) stops.push(() => peers.close());

    const numbering = new NumberingPlan(config.numbering ?? (target.sim ? embeddedNumbering(config.office) : []));
    const faxDevice = config.faxDevice ?? (target.sim ? embeddedOffice(config.office)?.fax?.[0] : undefined);
    const core = new Core({
      office: config.office,
      version: VERSION,
      switchUrl: config.switch.url,
      users: [...config.users, { name: 'admin', token: adminToken, extensions: [], admin: true, local: true }],
      limits: {
        defaultWindowMs: config.limits.defaultWindow,
        maxWindowMs: config.limits.maxWindow,
        retryEveryMs: config.limits.retryEvery,
        perRequester: config.limits.perRequester,
        perDestination: config.limits.perDestination,
        total: config.limits.total,
        retentionMs: config.limits.retention,
        promptTimeoutMs: config.limits.promptTimeout,
      },
      voiceBoardPorts,
      ...(faxDevice ? { faxDevice } : {}),
      numbers: new NumberResolver(numbering, config.country),
      routes: new RouteTable(
        config.routes.map((r) => ({ ...r, prefix: routePrefix(r.prefix) })),
        await openRouteStore(config.data),
        (office) => office in config.peers,
      ),
      peers,
      switch: sw,
      store,
      transfers: await openTransferStore(config.data),
      dialPolicy: new DialPolicy(config.dialPolicy, config.country),
      transfer: config.transfer,
      clock: new ScaledClock(),
      logger,
    });
    core.start();
    stops.push(() => core.stop());

    let mail: MailApi | undefined;
    if (config.mail) {
      const { startMailOffice } = await import('./mail/mail-office.js');
      const office = await startMailOffice({ ...config, mail: config.mail }, core, ready, logger);
      stops.push(...office.stops);
      mail = office.desk;
    }

    const server = await startGrpcServer(core, {
      listen: config.listen,
      logger,
      peer: { api: core.peerDesk, secrets: Object.fromEntries(Object.entries(config.peers).map(([office, p]) => [office, p.secret])) },
      ...(config.tls ? { tls: config.tls } : {}),
      ...(mail ? { mail } : {}),
    });
    stops.push(() => server.close(2000));
    server.setServing(sw.linkState === 'up');
    sw.onLinkState((state) => server.setServing(state === 'up'));
    ready(`ctid ${config.office} listening ${server.address}`);
    logger('ready', { office: config.office, address: server.address, switch: config.switch.url });
    return { config, address: server.address, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface SwitchTarget {
  protocol: 'csta' | 'ami';
  host: string;
  port: number;
  user: string;
  password: string;
  sim?: RunningSimulator;
}

/** `embedded`: the default world in process (its control API too); else the csta:// or ami:// address. */
async function switchTarget(config: ResolvedConfig, clock: ScaledClock, ready: (line: string) => void, logger: Logger): Promise<SwitchTarget> {
  if (config.switch.url !== 'embedded') {
    const protocol = config.switch.url.startsWith('ami:') ? 'ami' : 'csta';
    const { hostname, port } = new URL(config.switch.url.replace(/^(csta|ami):/, 'http:'));
    return { protocol, host: hostname, port: Number(port), user: config.switch.user!, password: config.switch.password! };
  }
  const input = defaultWorldInput();
  if (!input.offices.some((o) => o.id === config.office)) {
    throw new Error(`the embedded world has offices ${input.offices.map((o) => o.id).join(', ')}, not "${config.office}": set switch.url to csta://HOST:PORT`);
  }
  for (const office of input.offices) office.csta.listen = '127.0.0.1:0';
  const world = parseWorld(input);
  const sim = await startSimulator({
    world,
    clock,
    controlListen: config.switch.control,
    logger: (msg, fields) => logger(`switch-sim ${msg}`, fields),
  });
  ready(`control ${sim.controlAddress}`);
  const office = world.offices.find((o) => o.id === config.office)!;
  const address = sim.offices.find((o) => o.id === config.office)!.csta;
  const at = address.lastIndexOf(':');
  return { protocol: 'csta', host: address.slice(0, at), port: Number(address.slice(at + 1)), user: office.csta.user, password: office.csta.password, sim };
}

interface SwitchHooks {
  clock: ScaledClock;
  logger: Logger;
  ready: (line: string) => void;
  /** The ports the core lends: over AMI, ctid's slots, where routed calls are parked. */
  slots: string[];
}

/** The link to the switch and its adapter behind the core's Switch port: CSTA XML, or AMI for Asterisk (with its FastAGI server). */
async function openSwitch(config: ResolvedConfig, target: SwitchTarget, { clock, logger, ready, slots }: SwitchHooks): Promise<{ sw: Switch; close: () => Promise<void> }> {
  const linkLog = (e: string, f?: Record<string, unknown>) => logger(`link ${e}`, f);
  const switchLog = (e: string, f?: Record<string, unknown>) => logger(`switch ${e}`, f);
  if (target.protocol === 'ami') {
    const link = new AmiLink({ host: target.host, port: target.port, user: target.user, secret: target.password, clock, logger: linkLog });
    const transfers = await AmiTransfers.start({ link, context: config.switch.context, slots, listen: config.switch.agi, log: switchLog });
    ready(`agi ${transfers.address}`);
    const sw = new AmiSwitch(link, new Endpoints(config.switch.endpoint, config.switch.context), switchLog, { transfers, ...(config.switch.media ? { mediaDir: config.switch.media } : {}) });
    link.start();
    return { sw, close: () => Promise.all([transfers.close(), link.close()]).then(() => {}) };
  }
  const link = new CstaLink({ host: target.host, port: target.port, user: target.user, password: target.password, heartbeatMs: config.switch.heartbeat, clock, logger: linkLog });
  const sw = new CstaSwitch(link, { logger: switchLog });
  link.start();
  return { sw, close: () => link.close() };
}

/** The embedded world's ports, ctid's slots over AMI, none for a CSTA switch (config `voiceBoardPorts` names them). */
function defaultPorts(office: string, target: SwitchTarget): string[] {
  if (target.sim) return embeddedOffice(office)?.voiceBoardPorts ?? [];
  return target.protocol === 'ami' ? [...AMI_SLOTS] : [];
}

function embeddedOffice(office: string) {
  return defaultWorldInput().offices.find((o) => o.id === office);
}

function embeddedNumbering(office: string) {
  return embeddedOffice(office)?.numbering ?? [];
}
