// The typed client of ctid's API for the commands: every call carries the
// token, has a deadline, and fails with the status ctid sent. Loaded lazily,
// once the arguments are parsed (grpc-js is most of the CLI's start-up time).

import { connectivityState, credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
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
import { grpcJsClient } from '../rpc/grpc-js-service.js';
import { CliError, unreachable } from './errors.js';
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
  watch(request: WatchRequestsRequest): ClientReadableStream<RequestUpdate>;
  monitor(request: MonitorLineRequest): ClientReadableStream<LineUpdate>;
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
  watchPrompts(): ClientReadableStream<PromptUpdate>;
  answerPrompt(request: AnswerPromptRequest): Promise<Prompt>;
  listMail(): Promise<MailSummary[]>;
  openMail(id: string): Promise<OpenMailResponse>;
  sendMail(request: SendMailRequest): Promise<SendMailResponse>;
  /** Resolves once connected; throws CliError 'unreachable' at the first failure to connect, or after the deadline. */
  connect(): Promise<void>;
  /** Like connect, but keeps trying (grpc-js's reconnect backoff) until deadlineMs: for ctid restarting. */
  reconnect(deadlineMs: number): Promise<void>;
  close(): void;
}

type Callback<T> = (err: ServiceError | null, value: T) => void;

/** A client for settings.server; throws CliError 'no-token' when no token was found anywhere. */
export function createApi(settings: Settings): CtiApi {
  const { server, token } = settings;
  if (token === undefined) {
    throw new CliError(
      'no-token',
      `no token: give --token, set CTI_TOKEN, put "token" in ${settings.configFile}, or run cti where ctid keeps its admin token (${settings.tokenFile})`,
    );
  }
  const client = new (grpcJsClient(CtiServiceDefinition))(server, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const deadline = () => ({ deadline: Date.now() + CALL_DEADLINE_MS });
  const unary = <T>(call: (cb: Callback<T>) => void): Promise<T> =>
    new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));

  return {
    server,
    status: () => unary((cb) => client.getStatus({}, metadata, deadline(), cb)),
    submit: (request) => unary((cb) => client.submit(request, metadata, deadline(), cb)),
    list: async (all) => (await unary<{ requests: Request[] }>((cb) => client.listRequests({ all }, metadata, deadline(), cb))).requests,
    cancel: (id) => unary((cb) => client.cancelRequest({ id }, metadata, deadline(), cb)),
    watch: (request) => client.watchRequests(request, metadata),
    monitor: (request) => client.monitorLine(request, metadata),
    routes: async () => (await unary<{ routes: Route[] }>((cb) => client.listRoutes({}, metadata, deadline(), cb))).routes,
    addRoute: (route) => unary((cb) => client.addRoute({ route }, metadata, deadline(), cb)),
    removeRoute: async (prefix) => void (await unary((cb) => client.removeRoute({ prefix }, metadata, deadline(), cb))),
    relays: async () => (await unary<{ relays: Relay[] }>((cb) => client.listRelays({}, metadata, deadline(), cb))).relays,
    addRelay: (relay) => unary((cb) => client.addRelay({ relay }, metadata, deadline(), cb)),
    removeRelay: async (domain) => void (await unary((cb) => client.removeRelay({ domain }, metadata, deadline(), cb))),
    peers: async () => (await unary<{ peers: Peer[] }>((cb) => client.listPeers({}, metadata, deadline(), cb))).peers,
    transfers: async (office) => (await unary<{ transfers: Transfer[] }>((cb) => client.listTransfers({ office: office ?? '' }, metadata, deadline(), cb))).transfers,
    setTransfer: (extension, destinations, confirm) => unary((cb) => client.setTransfer({ extension, destinations, confirm }, metadata, deadline(), cb)),
    clearTransfer: (extension) => unary((cb) => client.clearTransfer({ extension }, metadata, deadline(), cb)),
    prompts: async () => (await unary<{ prompts: Prompt[] }>((cb) => client.listPrompts({}, metadata, deadline(), cb))).prompts,
    watchPrompts: () => client.watchPrompts({}, metadata),
    answerPrompt: (request) => unary((cb) => client.answerPrompt(request, metadata, deadline(), cb)),
    listMail: async () => (await unary<{ mail: MailSummary[] }>((cb) => client.listMail({}, metadata, deadline(), cb))).mail,
    openMail: (id) => unary((cb) => client.openMail({ id }, metadata, deadline(), cb)),
    sendMail: (request) => unary((cb) => client.sendMail(request, metadata, deadline(), cb)),
    connect: () =>
      new Promise((resolve, reject) => {
        const channel = client.getChannel();
        const until = Date.now() + CONNECT_DEADLINE_MS;
        const check = (): void => {
          const state = channel.getConnectivityState(true);
          if (state === connectivityState.READY) return resolve();
          // Refused or unresolvable: say so now rather than retrying until the deadline.
          if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) return reject(unreachable(server));
          channel.watchConnectivityState(state, until, (err) => (err ? reject(unreachable(server)) : check()));
        };
        check();
      }),
    reconnect: (deadlineMs) =>
      new Promise((resolve, reject) => client.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(unreachable(server)) : resolve()))),
    close: () => client.close(),
  };
}
