// What an `Originate` with `Application` runs on the phone it rang, once
// that answers: Asterisk runs the application on the originated channel,
// then hangs the channel up (Hangup Cause 16). The two ctid uses are served:
//
//   Playback  Data `FILE[&FILE...][,options]`: the phone hears each file,
//             recorded as the voice board records a played message (kind
//             voice, the name as given), so `switch-sim status` shows it
//   SendFAX   Data `FILE[&FILE...][,options]`: a FAX device receives each
//             file (kind fax); a `SendFAX` event then reports the pages sent,
//             one a file, or none when what answered is no FAX machine
//
// The simulator has no Asterisk disk: it plays and sends whatever file is
// named, so a wrong path shows in the media records, not as a failure.

import type { Connection } from '../call.js';
import type { MediaRecord } from '../control.js';

type Fields = Record<string, string | number | undefined>;

const NAMES = ['Playback', 'SendFAX'] as const;
export type ApplicationName = (typeof NAMES)[number];

/** What an Originate asked to run. */
export interface AppRequest {
  name: ApplicationName;
  data: string;
}

/** Where media go (the world's voice board keeps the records). */
export interface MediaRecorder {
  record(entry: Omit<MediaRecord, 'at'>): void;
}

export interface AppContext {
  /** The answered phone's connection, alone in its call. */
  conn: Connection;
  /** Its channel's snapshot fields, for the events the application raises. */
  channel: Fields;
  send(event: string, fields: Fields): void;
  media: MediaRecorder;
  /** The application returned: the channel hangs up. */
  hangup(): void;
}

/** The application an Originate names (Asterisk matches names without regard to case), or why it cannot run here. */
export function applicationRequest(name: string, data: string | undefined): AppRequest | string {
  const known = NAMES.find((n) => n.toLowerCase() === name.trim().toLowerCase());
  if (!known) return `Originate failed: application ${name} is not served here (${NAMES.join(', ')})`;
  if (files(data ?? '').length === 0) return `Originate failed: ${known} needs Data, the file to ${known === 'Playback' ? 'play' : 'send'}`;
  return { name: known, data: data! };
}

export function runApplication(app: AppRequest, ctx: AppContext): void {
  const device = ctx.conn.device!;
  const named = files(app.data);
  if (app.name === 'Playback') {
    for (const name of named) ctx.media.record({ device: device.name, kind: 'voice', name, call: ctx.conn.call.id });
  } else {
    const fax = device.kind === 'fax';
    if (fax) for (const name of named) ctx.media.record({ device: device.name, kind: 'fax', name });
    ctx.send('SendFAX', {
      ...ctx.channel,
      LocalStationID: '',
      RemoteStationID: fax ? (device.external ?? device.ext) : '',
      PagesTransferred: fax ? named.length : 0,
      Resolution: fax ? '8040' : '',
      TransferRate: fax ? 14400 : '',
      FileName: named.join(','),
    });
  }
  ctx.hangup();
}

/** The files of an application's first argument (`a&b,options`). */
function files(data: string): string[] {
  return data
    .split(',')[0]!
    .split('&')
    .map((f) => f.trim())
    .filter(Boolean);
}
