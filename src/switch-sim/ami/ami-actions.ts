// The AMI actions the simulator's PBX serves, one handler each, keyed by the
// action's name in lower case (Asterisk matches names without regard to
// case). A handler returns the response and whatever follows it for this
// session only: an event list (with the ActionID), events (FullyBooted), or
// the end of the session. Messages follow Asterisk 22's wording, since
// clients match on them.

import { createHash, randomInt } from 'node:crypto';
import type { AmiMessage } from '../../ami/codec.js';
import { applicationRequest } from './ami-applications.js';
import type { AmiPbx } from './ami-pbx.js';
import { ROOMS_CONTEXT } from './conf-rooms.js';
import { DB_ACTIONS } from './astdb.js';

export type Fields = Record<string, string | number | undefined>;

export interface ActionResult {
  /** `Response: ...` and its fields (the session adds the ActionID). */
  response: Fields;
  /** Events of an event list, each carrying the ActionID, sent whatever the event mask says. */
  list?: Fields[];
  /** Events for this session only, sent if its event mask is on. */
  events?: Fields[];
  /** Close the session once these are written. */
  close?: boolean;
}

/** What a handler may do to its session. */
export interface SessionControl {
  readonly pbx: AmiPbx;
  /** Checks the credentials (a plain Secret, or the MD5 Key over the last Challenge); on success the session is logged in. */
  login(user: string, secret: { plain: string } | { md5: string }): boolean;
  setEvents(on: boolean): void;
  newChallenge(): string;
}

/** Asterisk's default Originate timeout (ms): how long the first phone may ring. */
const DEFAULT_ORIGINATE_TIMEOUT_MS = 30_000;

const success = (fields: Fields = {}): ActionResult => ({ response: { Response: 'Success', ...fields } });
const error = (message: string): ActionResult => ({ response: { Response: 'Error', Message: message } });

/** `on`, `yes`, `true`, or a class list like `call,system`: events on; `off`, `no`, `false`, `0`: off. */
function eventsWanted(mask: string): boolean {
  return !/^\s*(off|no|false|0|none)\s*$/i.test(mask);
}

type Handler = (session: SessionControl, action: AmiMessage) => ActionResult;

export const BEFORE_LOGIN = new Set(['login', 'challenge', 'ping']);

export const ACTIONS: Record<string, Handler> = {
  ...DB_ACTIONS,
  login(session, a) {
    const user = a.get('Username') ?? '';
    const key = a.get('Key');
    const ok = a.get('AuthType')?.toLowerCase() === 'md5' && key !== undefined ? session.login(user, { md5: key }) : session.login(user, { plain: a.get('Secret') ?? '' });
    if (!ok) return { ...error('Authentication failed'), close: true }; // Asterisk hangs up on a failed login
    const events = a.get('Events');
    if (events !== undefined) session.setEvents(eventsWanted(events));
    return { ...success({ Message: 'Authentication accepted' }), events: [{ Event: 'FullyBooted', Privilege: 'system,all', Uptime: Math.floor(process.uptime()), LastReload: Math.floor(process.uptime()), Status: 'Fully Booted' }] };
  },

  challenge(session, a) {
    if (a.get('AuthType')?.toLowerCase() !== 'md5') return error('Must specify AuthType');
    return success({ Challenge: session.newChallenge() });
  },

  logoff: () => ({ response: { Response: 'Goodbye', Message: 'Thanks for all the fish.' }, close: true }),

  ping: () => success({ Ping: 'Pong', Timestamp: (Date.now() / 1000).toFixed(6) }),

  events(session, a) {
    const on = eventsWanted(a.get('EventMask') ?? 'on');
    session.setEvents(on);
    return success({ Events: on ? 'On' : 'Off' });
  },

  originate({ pbx }, a) {
    const channel = a.get('Channel');
    if (!channel) return error('Channel not specified');
    const local = localChannel(channel, pbx.context, a.get('Context'));
    if (typeof local === 'string') return error(local);
    const ext = local?.number ?? /^PJSIP\/(\d{1,8})$/i.exec(channel)?.[1];
    if (ext === undefined || (!local && !pbx.exchange.devices.has(ext))) return error(`Originate failed: ${channel} is not an endpoint of this PBX (give PJSIP/EXT)`);
    const appName = a.get('Application');
    const application = appName === undefined ? undefined : applicationRequest(appName, a.get('Data'));
    if (typeof application === 'string') return error(application);
    const exten = application ? '' : (a.get('Exten') ?? '');
    if (!application && !exten) return error('Exten not specified');
    const timeoutText = a.get('Timeout');
    const timeoutMs = timeoutText === undefined ? DEFAULT_ORIGINATE_TIMEOUT_MS : Number(timeoutText);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return error('Invalid timeout');
    const channelId = a.get('ChannelId');
    if (channelId !== undefined && pbx.isUniqueidInUse(channelId)) return error('Uniqueid already in use');
    // Async or not, the outcome comes as an OriginateResponse event (this simulator does not block the session).
    pbx.originate({ ext, context: application ? '' : (a.get('Context') ?? 'default'), exten, actionId: a.get('ActionID'), timeoutMs, channelId, application });
    return success({ Message: 'Originate successfully queued' });
  },

  hangup({ pbx }, a) {
    const channel = a.get('Channel');
    if (!channel) return error('No channel specified');
    return pbx.hangup(channel) ? success({ Message: 'Channel Hungup' }) : error('No such channel');
  },

  redirect({ pbx }, a) {
    const channel = a.get('Channel');
    if (!channel) return error('Channel not specified');
    const exten = a.get('Exten');
    if (!exten) return error('Exten not specified');
    const legs = [{ channel, context: a.get('Context') ?? pbx.context, exten }];
    const extra = a.get('ExtraChannel');
    if (extra) legs.push({ channel: extra, context: a.get('ExtraContext') ?? legs[0]!.context, exten: a.get('ExtraExten') ?? exten });
    const refused = pbx.redirect(legs);
    if (refused) return error(refused);
    return success({ Message: extra ? 'Dual Redirect successful' : 'Redirect successful' });
  },

  extensionstate({ pbx }, a) {
    const exten = a.get('Exten') ?? '';
    const context = a.get('Context') ?? 'default';
    const { hint, status, text } = pbx.extensionState(exten, context);
    return success({ Message: 'Extension Status', Exten: exten, Context: context, Hint: hint, Status: status, StatusText: text });
  },

  devicestatelist({ pbx }) {
    const list: Fields[] = pbx.deviceStates().map(({ device, state }) => ({ Event: 'DeviceStateChange', Device: device, State: state }));
    list.push({ Event: 'DeviceStateListComplete', EventList: 'Complete', ListItems: list.length });
    return { ...success({ EventList: 'start', Message: 'Device State Changes will follow' }), list };
  },

  coreshowchannels({ pbx }) {
    const now = Date.now();
    const list: Fields[] = pbx.liveChannels().map((ch) => ({
      Event: 'CoreShowChannel',
      ...ch.fields(),
      Application: ch.dial?.open ? 'AppDial' : ch.bridge ? 'Dial' : '',
      ApplicationData: '',
      Duration: duration(now - ch.createdAt),
      BridgeId: ch.bridge?.uniqueid ?? '',
    }));
    list.push({ Event: 'CoreShowChannelsComplete', EventList: 'Complete', ListItems: list.length });
    return { ...success({ EventList: 'start', Message: 'Channels will follow' }), list };
  },
};

/**
 * `Local/NUMBER@CONTEXT`: the PBX dials NUMBER through its own dialplan (an
 * extension, or national digits over the trunks). Modelled for an Originate
 * into one of ctid's rooms only (a requester in another office, rung into a
 * join); undefined for any other channel, an error message for a Local
 * channel the model does not serve.
 */
function localChannel(channel: string, pbxContext: string, context: string | undefined): { number: string } | string | undefined {
  const local = /^Local\/(\d{1,20})@([\w-]+)$/i.exec(channel);
  if (!local) return undefined;
  if (local[2] !== pbxContext) return `Originate failed: ${channel}: context ${local[2]} does not exist (this PBX dials in ${pbxContext})`;
  if (context !== ROOMS_CONTEXT) return `Originate of a Local channel is modelled by switch-sim only into ${ROOMS_CONTEXT}`;
  return { number: local[1]! };
}

/** HH:MM:SS, as CoreShowChannel's Duration. */
function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** A Challenge's text: digits, as Asterisk's (a random number). */
export function challengeText(): string {
  return String(randomInt(100_000_000, 999_999_999));
}

/** The Key a client sends with AuthType md5: MD5 over the challenge and the secret. */
export function md5Key(challenge: string, secret: string): string {
  return createHash('md5').update(challenge + secret).digest('hex');
}
