// Asterisk channels and bridges over the simulator's connections and calls.
// Every connection the AMI face reports gets a channel, `PJSIP/EXT-0000000N`
// (a trunk party: `PJSIP/trunk-0000000N`), with a Uniqueid; the channels of
// one call share a Linkedid (the Uniqueid of its first channel), and its
// talking channels meet in one basic bridge. Plain data, plus the standard
// channel snapshot fields every channel event carries.

import type { Connection } from '../call.js';
import type { AppRequest } from './ami-applications.js';

/** AST_STATE_* codes the face uses. */
export type ChannelState = 0 | 4 | 5 | 6;
const STATE_DESC: Record<ChannelState, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up' };

/** A Dial() (or an Originate's dial of its first phone) in progress towards a channel. */
export interface Dial {
  /** The dialling channel; undefined for an Originate's first leg (its DialBegin names no Channel). */
  from: AmiChannel | undefined;
  dialString: string;
  /** Until its DialEnd went out. */
  open: boolean;
}

/** What an Originate asked for, kept on the channel of the phone it rings first. */
export interface OriginateRecord {
  actionId: string | undefined;
  context: string;
  exten: string;
  application?: AppRequest;
  /** Whether the OriginateResponse went out. */
  responded: boolean;
}

export class AmiBridge {
  readonly members = new Set<AmiChannel>();
  constructor(
    readonly uniqueid: string,
    /** basic: the two parties of a Dial(); confbridge: a ConfBridge() room (conf-rooms.ts). */
    readonly type: 'basic' | 'confbridge' = 'basic',
  ) {}

  fields(): Record<string, string | number> {
    return {
      BridgeUniqueid: this.uniqueid,
      BridgeType: this.type,
      BridgeTechnology: this.type === 'basic' ? 'simple_bridge' : 'softmix',
      BridgeCreator: '<unknown>',
      BridgeName: '<unknown>',
      BridgeNumChannels: this.members.size,
      BridgeVideoSourceMode: 'none',
    };
  }
}

export class AmiChannel {
  dial: Dial | undefined;
  originate: OriginateRecord | undefined;
  bridge: AmiBridge | undefined;
  readonly createdAt = Date.now();

  constructor(
    readonly conn: Connection,
    readonly name: string,
    readonly uniqueid: string,
    readonly linkedid: string,
    public state: ChannelState,
    /** The channel's own number: the extension, or a trunk party's national digits. */
    readonly callerIdNum: string,
    /** Where the channel is in the dialplan: the PBX's context, or one of ctid's (conf-rooms.ts) once redirected there. */
    public context: string,
    public exten: string,
  ) {}

  /** The number at the other end of its call, for ConnectedLineNum. */
  connectedLineNum(): string {
    const other = this.conn.call.connections.find((c) => c !== this.conn && c.live) ?? this.conn.call.connections.find((c) => c !== this.conn);
    return other?.deviceId ?? '<unknown>';
  }

  /** The channel snapshot of every channel event; `Dest` prefixes the fields of a DialBegin's dialled channel. */
  fields(prefix: '' | 'Dest' = ''): Record<string, string | number> {
    const f: Record<string, string | number> = {
      Channel: this.name,
      ChannelState: this.state,
      ChannelStateDesc: STATE_DESC[this.state],
      CallerIDNum: this.callerIdNum,
      CallerIDName: '<unknown>',
      ConnectedLineNum: this.connectedLineNum(),
      ConnectedLineName: '<unknown>',
      Language: 'en',
      AccountCode: '',
      Context: this.context,
      Exten: this.exten,
      Priority: 1,
      Uniqueid: this.uniqueid,
      Linkedid: this.linkedid,
    };
    if (prefix === '') return f;
    return Object.fromEntries(Object.entries(f).map(([k, v]) => [k === 'Channel' ? 'DestChannel' : `Dest${k}`, v]));
  }
}
