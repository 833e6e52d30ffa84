// The typed client of ctid's API for the commands: every call carries the
// token, has a deadline, and fails with the status ctid sent. It speaks gRPC
// over HTTP/2 itself (./rpc/): loading grpc-js took longer than all the
// rest of a one-shot command. Loaded lazily, once the arguments are parsed.

import {
  CtiServiceDefinition,
  type GetStatusResponse,
  type LineUpdate,
  type MonitorLineRequest,
  type Peer,
  type AnswerPromptRequest,
  type MailSummary,
  type OpenMailResponse,
  type SendMailRequest,
  type SendMailResponse,
  type Prompt,
  type PromptUpdate,
  type Request,
  type RequestUpdate,
  type Relay,
  type Route,
  type SubmitRequest,
  type Transfer,
  type WatchRequestsRequest,
} from '../gen/cti/v1/cti.js';
import { Backoff } from '../common/backoff.js';
import { ScaledClock } from '../common/clock.js';
import { CliError, unreachable } from './errors.js';
import { Channel } from './rpc/channel.js';
import { ServiceClient } from './rpc/service-client.js';
import type { RpcStream } from './rpc/stream.js';
import type { Settings } from './settings.js';

/** How long dialling ctid may take before the CLI gives up (exit 3; style.md section 5). */
const CONNECT_DEADLINE_MS = 5000;
/** A unary call's deadline: Submit returns once the request is stored, so this is generous. */
const CALL_DEADLINE_MS = 30_000;

export interface CtiApi {
  /** HOST:PORT of ctid. */
  readonly server: string;
  status(): Promise<GetStatusResponse>;
  submit(request: SubmitRequest): Promise<Request>;
  list(all: boolean): Promise<Request[]>;
  cancel(id: string): Promise<Request>;
  watch(request: WatchRequestsRequest): RpcStream<RequestUpdate>;
  monitor(request: MonitorLineRequest): RpcStream<LineUpdate>;
  routes(): Promise<Route[]>;
  addRoute(route: Route): Promise<Route>;
  removeRoute(prefix: string): Promise<void>;
  relays(): Promise<Relay[]>;
  addRelay(relay: Relay): Promise<Relay>;
  removeRelay(domain: string): Promise<void>;
  peers(): Promise<Peer[]>;
  transfers(office?: string): Promise<Transfer[]>;
  setTransfer(extension: string, destinations: string[], confirm: boolean): Promise<Transfer>;
  clearTransfer(extension: string): Promise<Transfer>;
  prompts(): Promise<Prompt[]>;
  watchPrompts(): RpcStream<PromptUpdate>;
  answerPrompt(request: AnswerPromptRequest): Promise<Prompt>;
  listMail(): Promise<MailSummary[]>;
  openMail(id: string): Promise<OpenMailResponse>;
  sendMail(request: SendMailRequest): Promise<SendMailResponse>;
  /** Resolves once connected; throws CliError 'unreachable' at the first failure to connect, or after the deadline. */
  connect(): Promise<void>;
  /** Like connect, but keeps trying (with backoff) until deadlineMs: for ctid restarting. */
  reconnect(deadlineMs: number): Promise<void>;
  close(): void;
}

/** A client for settings.server; throws CliError 'no-token' when no token was found anywhere. */
export function createApi(settings: Settings): CtiApi {
  const { server, token } = settings;
  if (token === undefined) {
    throw new CliError(
      'no-token',
      `no token: give --token, set CTI_TOKEN, put "token" in ${settings.configFile}, or run cti where ctid keeps its admin token (${settings.tokenFile})`,
    );
  }
  const channel = new Channel(server);
  const client = new ServiceClient(CtiServiceDefinition, channel, { authorization: `Bearer ${token}` }, CALL_DEADLINE_MS);
  const unary = client.unary.bind(client);
  const stream = client.serverStream.bind(client);

  return {
    server,
    status: () => unary('getStatus', {}),
    submit: (request) => unary('submit', request),
    list: async (all) => (await unary('listRequests', { all })).requests,
    cancel: (id) => unary('cancelRequest', { id }),
    watch: (request) => stream('watchRequests', request),
    monitor: (request) => stream('monitorLine', request),
    routes: async () => (await unary('listRoutes', {})).routes,
    addRoute: (route) => unary('addRoute', { route }),
    removeRoute: async (prefix) => void (await unary('removeRoute', { prefix })),
    relays: async () => (await unary('listRelays', {})).relays,
    addRelay: (relay) => unary('addRelay', { relay }),
    removeRelay: async (domain) => void (await unary('removeRelay', { domain })),
    peers: async () => (await unary('listPeers', {})).peers,
    transfers: async (office) => (await unary('listTransfers', { office: office ?? '' })).transfers,
    setTransfer: (extension, destinations, confirm) => unary('setTransfer', { extension, destinations, confirm }),
    clearTransfer: (extension) => unary('clearTransfer', { extension }),
    prompts: async () => (await unary('listPrompts', {})).prompts,
    watchPrompts: () => stream('watchPrompts', {}),
    answerPrompt: (request) => unary('answerPrompt', request),
    listMail: async () => (await unary('listMail', {})).mail,
    openMail: (id) => unary('openMail', { id }),
    sendMail: (request) => unary('sendMail', request),
    // Refused or unresolvable: say so at once rather than retrying until the deadline.
    connect: () => channel.ready(CONNECT_DEADLINE_MS).catch(() => Promise.reject(unreachable(server))),
    reconnect: async (deadlineMs) => {
      const until = Date.now() + deadlineMs;
      const backoff = new Backoff(new ScaledClock(), { initialMs: 250, maxMs: 5000 });
      for (;;) {
        const left = until - Date.now();
        if (left <= 0) throw unreachable(server);
        try {
          return await channel.ready(left);
        } catch {
          const { setTimeout: sleep } = await import('node:timers/promises'); // only when ctid is down: not at start-up
          await sleep(Math.min(backoff.nextDelay(), Math.max(0, until - Date.now())));
        }
      }
    },
    close: () => channel.close(),
  };
}
