// ECMA-354 application session messages (csta-link.md "Session"), written
// in the ECMA-354 namespace; one codec entry each.

import type { CodecEntry, CodecTable } from './codec-shapes.js';
import { int, message, named, optional, text, within } from './codec-shapes.js';
import type { CstaMessage, StartApplicationSession, StopApplicationSession } from './messages.js';
import { el, leaf } from './xml.js';

type SessionMessage = Extract<CstaMessage, { type: `${string}ApplicationSession${string}` }>;

const sessionId = named('sessionID', text);
/** ECMA-354 puts a negative response's reason in errorCode/definedError. */
const definedError = named('errorCode', within('definedError', text));

export const sessionCodecs: CodecTable<SessionMessage> = {
  StartApplicationSession: startApplicationSession(),
  StartApplicationSessionPosResponse: message('StartApplicationSessionPosResponse', {
    sessionId,
    protocolVersion: named('actualProtocolVersion', text),
    actualSessionDuration: int,
  }),
  StartApplicationSessionNegResponse: message('StartApplicationSessionNegResponse', { errorCode: definedError }),
  StopApplicationSession: stopApplicationSession(),
  StopApplicationSessionPosResponse: message('StopApplicationSessionPosResponse', {}),
  ResetApplicationSessionTimer: message('ResetApplicationSessionTimer', { sessionId, requestedSessionDuration: optional(int) }),
  ResetApplicationSessionTimerPosResponse: message('ResetApplicationSessionTimerPosResponse', { actualSessionDuration: int }),
  ResetApplicationSessionTimerNegResponse: message('ResetApplicationSessionTimerNegResponse', { errorCode: definedError }),
};

/**
 * applicationInfo/applicationID, the link credentials in
 * applicationInfo/applicationSpecificInfo/user|password, and the versions in
 * requestedProtocolVersions/protocolVersion*.
 */
function startApplicationSession(): CodecEntry<StartApplicationSession> {
  const duration = optional(int);
  return {
    encode: (m) =>
      el('applicationInfo', leaf('applicationID', m.applicationId) + el('applicationSpecificInfo', leaf('user', m.user) + leaf('password', m.password))) +
      el('requestedProtocolVersions', m.protocolVersions.map((v) => leaf('protocolVersion', v)).join('')) +
      duration.encode('requestedSessionDuration', m.requestedSessionDuration),
    decode: (r) => {
      const info = r.child('applicationInfo');
      const specific = info.child('applicationSpecificInfo');
      const requestedSessionDuration = duration.decode(r, 'requestedSessionDuration');
      return {
        type: 'StartApplicationSession',
        applicationId: info.string('applicationID'),
        user: specific.string('user'),
        password: specific.string('password'),
        protocolVersions: r
          .child('requestedProtocolVersions')
          .children('protocolVersion')
          .map((v) => v.text ?? v.fail('must hold text')),
        ...(requestedSessionDuration === undefined ? {} : { requestedSessionDuration }),
      };
    },
  };
}

/** ECMA-354 requires a sessionEndReason; ours is always normal, and a peer's is not needed. */
function stopApplicationSession(): CodecEntry<StopApplicationSession> {
  const plain = message<StopApplicationSession>('StopApplicationSession', { sessionId });
  return {
    encode: (m) => plain.encode(m) + el('sessionEndReason', leaf('definedEndReason', 'normal')),
    decode: plain.decode,
  };
}
