// cti.v1.PeerService (peer.proto) on top of the core's PeerFacingApi: the
// camp-on request / reply / cancel and status monitor of other offices'
// ctids (FIG. 19-26), and transfer entry / release of this office's
// extensions for their users (FIG. 55-58). Each call is authenticated as a peer office
// (auth.ts) and the core is told which office asks; what that office may do
// with a request is the core's decision.

import type { PeerFacingApi } from '../core/peering.js';
import type {
  MonitorStatusRequest,
  PeerRequestState,
  PeerServiceDefinition,
  PeerStatusNotification,
  WatchCampOnRequest,
} from '../../gen/cti/v1/peer.js';
import type { ServerOf } from '../../rpc/grpc-js-service.js';
import { authenticatePeer } from './auth.js';
import {
  fromProtoCampOn,
  fromProtoMonitor,
  fromProtoTransferEntry,
  fromProtoTransferList,
  fromProtoTransferRelease,
  requestId,
  toProtoPeerState,
  toProtoPeerTransfer,
  toProtoStatus,
} from './peer-convert.js';
import { unary } from './service.js';
import type { Logger } from './status.js';
import type { Identify, OpenStreams } from './streams.js';

/** Status names of the peer methods, as logs show them beside CtiService's. */
const METHOD = {
  campOn: 'PeerService/CampOn',
  watchCampOn: 'PeerService/WatchCampOn',
  cancelCampOn: 'PeerService/CancelCampOn',
  monitorStatus: 'PeerService/MonitorStatus',
  transferEntry: 'PeerService/TransferEntry',
  transferRelease: 'PeerService/TransferRelease',
  transferList: 'PeerService/TransferList',
} as const;

/**
 * @param secrets each peer office's id -> the secret that pair of offices
 *   shares (config `peers.*.secret`); an office not in it is refused.
 */
export function peerService(api: PeerFacingApi, secrets: Readonly<Record<string, string>>, log: Logger, streams: OpenStreams): ServerOf<PeerServiceDefinition> {
  const office: Identify<string> = (call) => authenticatePeer(secrets, call, log);

  return {
    campOn: unary(METHOD.campOn, log, office, async (origin, req) => toProtoPeerState(await api.peerCampOn(origin, fromProtoCampOn(req)))),

    watchCampOn: streams.handler<string, WatchCampOnRequest, PeerRequestState>(METHOD.watchCampOn, office, (origin, req, sink) =>
      api.peerWatch(
        origin,
        requestId(req.id),
        (state) => sink.write(toProtoPeerState(state)),
        () => sink.end(),
      ),
    ),

    cancelCampOn: unary(METHOD.cancelCampOn, log, office, async (origin, req) => toProtoPeerState(await api.peerCancel(origin, requestId(req.id)))),

    monitorStatus: streams.handler<string, MonitorStatusRequest, PeerStatusNotification>(METHOD.monitorStatus, office, (origin, req, sink) => {
      const { number, windowMs, via } = fromProtoMonitor(req);
      return api.peerMonitor(
        origin,
        number,
        windowMs,
        via,
        (notification) => sink.write(toProtoStatus(number, notification)),
        (err) => sink.end(err),
      );
    }),

    transferEntry: unary(METHOD.transferEntry, log, office, async (origin, req) => toProtoPeerTransfer(await api.peerSetTransfer(origin, fromProtoTransferEntry(req)))),

    transferRelease: unary(METHOD.transferRelease, log, office, async (origin, req) =>
      toProtoPeerTransfer(await api.peerClearTransfer(origin, fromProtoTransferRelease(req))),
    ),

    transferList: unary(METHOD.transferList, log, office, (origin, req) => ({ transfers: api.peerListTransfers(origin, fromProtoTransferList(req)).map(toProtoPeerTransfer) })),
  };
}
