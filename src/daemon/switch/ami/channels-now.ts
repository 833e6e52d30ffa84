// What the PBX's channels are doing now, read with `CoreShowChannels`: the
// call a device talks in (activeCall, a join's first look) and whether the
// channels a join holds are still there (after a restart or a link outage).
// A device talks in a call when one of its channels is up and in a bridge;
// the call's other parties are the other channels of that bridge.

import type { AmiMessage } from '../../../ami/codec.js';
import type { CallView } from '../../core/ports.js';
import type { AmiLink } from './ami-link.js';
import type { Endpoints } from './endpoints.js';

/** One CoreShowChannel item. */
export interface ChannelRow {
  channel: string;
  uniqueid: string;
  /** AST_STATE: 6 is up (answered). */
  state: number;
  bridgeId: string;
  context: string;
  exten: string;
  callerIdNum: string;
  connectedLineNum: string;
}

/** The call a device talks in, with channel names (a join moves them). */
export interface TalkingCall {
  channel: ChannelRow;
  others: { row: ChannelRow; party: string }[];
}

export async function channelsNow(link: AmiLink): Promise<ChannelRow[]> {
  const items = await link.list({ Action: 'CoreShowChannels' });
  return items.filter((m) => m.get('Event') === 'CoreShowChannel').map(rowOf);
}

function rowOf(m: AmiMessage): ChannelRow {
  return {
    channel: m.get('Channel') ?? '',
    uniqueid: m.get('Uniqueid') ?? '',
    state: Number(m.get('ChannelState') ?? -1),
    bridgeId: m.get('BridgeId') ?? '',
    context: m.get('Context') ?? '',
    exten: m.get('Exten') ?? '',
    callerIdNum: m.get('CallerIDNum') ?? '',
    connectedLineNum: m.get('ConnectedLineNum') ?? '',
  };
}

/** The bridged call `ext` talks in among `rows`, or undefined when it talks in none. */
export function talkingCall(rows: ChannelRow[], endpoints: Endpoints, ext: string): TalkingCall | undefined {
  const channel = rows.find((r) => endpoints.isChannelOf(r.channel, ext) && r.state === 6 && r.bridgeId !== '');
  if (!channel) return undefined;
  const others = rows.filter((r) => r !== channel && r.bridgeId === channel.bridgeId).map((row) => ({ row, party: partyOf(row, endpoints, ext) }));
  return others.length > 0 ? { channel, others } : undefined;
}

/**
 * Who a channel stands for: the extension of a device's channel; for a
 * trunk channel the outside number, which is its caller ID on an inbound
 * call and its connected line on an outbound one (the caller ID then shows
 * `ext`'s own number).
 */
function partyOf(row: ChannelRow, endpoints: Endpoints, ext: string): string {
  const device = row.channel.slice(0, row.channel.lastIndexOf('-'));
  return endpoints.extensionOf(device) ?? (row.callerIdNum !== ext && row.callerIdNum !== '' ? row.callerIdNum : row.connectedLineNum);
}

/** activeCall: the other parties of the call `ext` talks in. */
export async function activeCallOver(link: AmiLink, endpoints: Endpoints, ext: string): Promise<CallView | undefined> {
  const call = talkingCall(await channelsNow(link), endpoints, ext);
  return call && { parties: call.others.map((o) => o.party) };
}
