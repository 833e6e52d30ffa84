// cti.v1.CtiService on top of CoreApi: each handler authenticates, converts,
// calls the core, converts back. Who may do what is the core's decision
// (api.ts); nothing here checks permissions.

import type { handleUnaryCall } from '@grpc/grpc-js';
import type { CoreApi, Principal } from '../core/api.js';
import type { CtiServiceServer, LineUpdate, MonitorLineRequest, RequestUpdate, WatchRequestsRequest } from '../../gen/cti/v1/cti.js';
import { authenticate } from './auth.js';
import { fromSubmitRequest, monitorWindowMs, toProtoLine, toProtoRequest, toProtoStatus } from './convert.js';
import { toStatusObject, type Logger } from './status.js';
import type { OpenStreams } from './streams.js';

export function ctiService(core: CoreApi, log: Logger, streams: OpenStreams): CtiServiceServer {
  /** A unary handler: the callback gets the answer, or the mapped status of whatever was thrown. */
  function unary<Req, Res>(method: string, handle: (principal: Principal, request: Req) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => handle(authenticate(core, call.metadata), call.request))
        .then(
          (response) => callback(null, response),
          (err: unknown) => callback(toStatusObject(err, log, method)),
        );
    };
  }

  return {
    getStatus: unary('GetStatus', (principal) => toProtoStatus(core.status(principal), principal)),
    submit: unary('Submit', async (principal, req) => toProtoRequest(await core.submit(principal, fromSubmitRequest(req)))),
    getRequest: unary('GetRequest', (principal, req) => toProtoRequest(core.get(principal, req.id))),
    listRequests: unary('ListRequests', (principal, req) => ({ requests: core.list(principal, { all: req.all }).map(toProtoRequest) })),
    cancelRequest: unary('CancelRequest', async (principal, req) => toProtoRequest(await core.cancel(principal, req.id))),

    watchRequests: streams.handler<WatchRequestsRequest, RequestUpdate>('WatchRequests', (principal, req, sink) =>
      core.watch(
        principal,
        { id: req.id || undefined, all: req.all },
        (record, initial) => sink.write({ request: toProtoRequest(record), initial }),
        () => sink.end(),
      ),
    ),

    monitorLine: streams.handler<MonitorLineRequest, LineUpdate>('MonitorLine', (principal, req, sink) =>
      core.monitorLine(
        principal,
        req.number,
        monitorWindowMs(req.windowMs),
        (update) => sink.write(toProtoLine(update)),
        (err) => sink.end(err),
      ),
    ),
  };
}
