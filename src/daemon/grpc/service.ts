// cti.v1.CtiService on top of CoreApi: each handler authenticates, converts,
// calls the core, converts back. Who may do what is the core's decision
// (api.ts); nothing here checks permissions.

import type { handleUnaryCall } from '@grpc/grpc-js';
import { CtiError } from '../core/errors.js';
import type { MailDesk } from '../mail/mail-desk.js';
import type { CoreApi, Principal } from '../core/api.js';
import { routePrefix } from '../core/routes.js';
import type { CtiServiceDefinition, LineUpdate, MonitorLineRequest, PromptUpdate, RequestUpdate, WatchPromptsRequest, WatchRequestsRequest } from '../../gen/cti/v1/cti.js';
import type { ServerOf } from '../../rpc/grpc-js-service.js';
import { authenticate } from './auth.js';
import {
  fromProtoRoute,
  fromSubmitRequest,
  monitorWindowMs,
  toProtoLine,
  toProtoPeer,
  toProtoPrompt,
  toProtoRequest,
  toProtoRoute,
  toProtoStatus,
  toProtoTransfer,
} from './convert.js';
import { toStatusObject, type Logger } from './status.js';
import type { Identify, OpenStreams } from './streams.js';

/** A unary handler of any of our services: the callback gets the answer, or the mapped status of whatever was thrown. */
export function unary<Who, Req, Res>(
  method: string,
  log: Logger,
  identify: Identify<Who>,
  handle: (who: Who, request: Req) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handle(identify(call), call.request))
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(toStatusObject(err, log, method)),
      );
  };
}

/** Requests by mail, when the office takes mail (mail/mail-desk.ts). */
export type MailApi = Pick<MailDesk, 'list' | 'open' | 'send' | 'listeners' | 'listRelays' | 'addRelay' | 'removeRelay'>;

export function ctiService(core: CoreApi, log: Logger, streams: OpenStreams, mail?: MailApi): ServerOf<CtiServiceDefinition> {
  const mailDesk = (): MailApi => {
    if (!mail) throw new CtiError('failed-precondition', 'this office takes no mail (config `mail`)');
    return mail;
  };
  const user: Identify<Principal> = (call) => authenticate(core, call.metadata);
  const userCall = <Req, Res>(method: string, handle: (principal: Principal, request: Req) => Res | Promise<Res>) => unary(method, log, user, handle);

  return {
    getStatus: userCall('GetStatus', (principal) => toProtoStatus(core.status(principal), principal, mail?.listeners)),
    submit: userCall('Submit', async (principal, req) => toProtoRequest(await core.submit(principal, fromSubmitRequest(req)))),
    getRequest: userCall('GetRequest', (principal, req) => toProtoRequest(core.get(principal, req.id))),
    listRequests: userCall('ListRequests', (principal, req) => ({ requests: core.list(principal, { all: req.all }).map(toProtoRequest) })),
    cancelRequest: userCall('CancelRequest', async (principal, req) => toProtoRequest(await core.cancel(principal, req.id))),

    watchRequests: streams.handler<Principal, WatchRequestsRequest, RequestUpdate>('WatchRequests', user, (principal, req, sink) =>
      core.watch(
        principal,
        { id: req.id || undefined, all: req.all },
        (record, initial) => sink.write({ request: toProtoRequest(record), initial }),
        () => sink.end(),
      ),
    ),

    monitorLine: streams.handler<Principal, MonitorLineRequest, LineUpdate>('MonitorLine', user, (principal, req, sink) =>
      core.monitorLine(
        principal,
        req.number,
        monitorWindowMs(req.windowMs),
        (update) => sink.write(toProtoLine(update)),
        (err) => sink.end(err),
      ),
    ),

    listRoutes: userCall('ListRoutes', (principal) => ({ routes: core.listRoutes(principal).map(toProtoRoute) })),
    addRoute: userCall('AddRoute', async (principal, req) => toProtoRoute(await core.addRoute(principal, fromProtoRoute(req.route)))),
    removeRoute: userCall('RemoveRoute', async (principal, req) => {
      await core.removeRoute(principal, routePrefix(req.prefix));
      return {};
    }),
    listPeers: userCall('ListPeers', (principal) => ({ peers: core.listPeers(principal).map(toProtoPeer) })),

    listTransfers: userCall('ListTransfers', async (principal, req) => ({ transfers: (await core.listTransfers(principal, req.office || undefined)).map(toProtoTransfer) })),
    setTransfer: userCall('SetTransfer', async (principal, req) =>
      toProtoTransfer(await core.setTransfer(principal, { extension: req.extension, destinations: req.destinations, confirm: req.confirm })),
    ),
    clearTransfer: userCall('ClearTransfer', async (principal, req) => toProtoTransfer(await core.clearTransfer(principal, req.extension))),

    listPrompts: userCall('ListPrompts', (principal) => ({ prompts: core.listPrompts(principal).map(toProtoPrompt) })),
    watchPrompts: streams.handler<Principal, WatchPromptsRequest, PromptUpdate>('WatchPrompts', user, (principal, _req, sink) =>
      core.watchPrompts(principal, (prompt, initial) => sink.write({ prompt: toProtoPrompt(prompt), initial })),
    ),
    listMail: userCall('ListMail', async (principal) => ({ mail: await mailDesk().list(principal) })),
    openMail: userCall('OpenMail', async (principal, req) => mailDesk().open(principal, req.id)),
    sendMail: userCall('SendMail', async (principal, req) => ({
      reply: await mailDesk().send(principal, {
        to: req.to,
        destination: req.destination,
        ...(req.source ? { source: req.source } : {}),
        ...(req.trigger === 'on-receipt' || req.trigger === 'on-open' ? { trigger: req.trigger } : {}),
        ...(req.monitorMs > 0 ? { monitorMs: Number(req.monitorMs) } : {}),
        text: req.text,
        ...(req.deliverAt ? { deliverAt: req.deliverAt } : {}),
        ...(req.scenario ? { scenario: req.scenario } : {}),
        parts: req.parts.map((p) => {
          if (p.kind !== 'voice' && p.kind !== 'fax') throw new CtiError('invalid-argument', `a part is voice or fax, not "${p.kind}"`);
          return { kind: p.kind, filename: p.filename, contentType: p.contentType.toLowerCase(), content: Buffer.from(p.content) };
        }),
      }),
    })),
    listRelays: userCall('ListRelays', () => ({ relays: mailDesk().listRelays() })),
    addRelay: userCall('AddRelay', (principal, req) => {
      if (!req.relay) throw new CtiError('invalid-argument', 'relay is required');
      return mailDesk().addRelay(principal, { domain: req.relay.domain, office: req.relay.office, smtp: req.relay.smtp });
    }),
    removeRelay: userCall('RemoveRelay', async (principal, req) => {
      await mailDesk().removeRelay(principal, req.domain);
      return {};
    }),
    answerPrompt: userCall('AnswerPrompt', async (principal, req) => toProtoPrompt(await core.answerPrompt(principal, req.id, { accept: req.accept, ...(req.to > 0 ? { to: req.to } : {}), here: req.here }))),
  };
}
