// Switch.followJoin / undoJoin for a transfer that connected over AMI
// (JoinedCall mode `transfer`, refs = [the caller's channel]). While ctid's
// FastAGI session still holds the call, its end is the session's: the Dial
// returned (someone hung up). After a restart the session is gone but the
// conversation may go on in Asterisk: the caller's channel is then followed
// by AMI, its `Hangup` event, or its absence from CoreShowChannels after each
// login (events were lost meanwhile). Undoing hangs the caller's channel up;
// one already gone is fine.

import type { AmiMessage } from '../../../../ami/codec.js';
import type { JoinedCall } from '../../../core/ports.js';
import { AmiActionError, type AmiLink, type LinkLogger } from '../ami-link.js';
import type { ParkedCalls } from './parked-calls.js';

export function followTransfer(link: AmiLink, parked: ParkedCalls, joined: JoinedCall, onEnd: (why: string) => void, log: LinkLogger): () => void {
  const channel = joined.refs[0];
  const call = joined.ports[0] === undefined ? undefined : parked.get(joined.ports[0]);
  if (call?.live && call.channel === channel) {
    call.onGone.add(onEnd);
    return () => void call.onGone.delete(onEnd);
  }
  if (!channel) {
    queueMicrotask(() => onEnd('the call ended'));
    return () => {};
  }
  return followChannel(link, channel, onEnd, log);
}

function followChannel(link: AmiLink, channel: string, onEnd: (why: string) => void, log: LinkLogger): () => void {
  let done = false;
  const end = () => {
    if (done) return;
    stop();
    onEnd('the call ended');
  };
  const onEvent = (event: AmiMessage) => {
    if (event.get('Event') === 'Hangup' && event.get('Channel') === channel) end();
  };
  const look = async () => {
    try {
      const channels = await link.list({ Action: 'CoreShowChannels' });
      if (!channels.some((c) => c.get('Channel') === channel)) end();
    } catch (err) {
      log('transfer not looked at', { channel, err: (err as Error).message }); // the next login looks again
    }
  };
  const onUp = () => void look();
  const stop = () => {
    done = true;
    link.off('event', onEvent);
    link.off('up', onUp);
  };
  link.on('event', onEvent);
  link.on('up', onUp);
  if (link.state === 'up') void look();
  return stop;
}

export async function undoTransfer(link: AmiLink, joined: JoinedCall, log: LinkLogger): Promise<void> {
  const channel = joined.refs[0];
  if (!channel) return;
  if (link.state !== 'up') return log('transfer not undone', { channel, why: 'the switch link is down' });
  await link.action({ Action: 'Hangup', Channel: channel }).catch((err: Error) => {
    if (!(err instanceof AmiActionError)) log('transfer not undone', { channel, err: err.message }); // `No such channel`: over already
  });
}
