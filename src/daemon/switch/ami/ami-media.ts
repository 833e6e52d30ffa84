// Switch.playMessage / sendFax over AMI. Asterisk has no voice board: it
// plays a sound file into a call itself (`Playback`) and sends a FAX from a
// file (`SendFAX`, res_fax with a FAX module), each on the channel of the
// phone or FAX device ctid originates (ami-app-call.ts). The files are
// ctid's stored media (DATA/media/HASH/NAME, mail/media.ts), which Asterisk
// reads under `switch.media`: that directory as Asterisk's machine sees it.
//
//   voice message  Playback of MEDIA/HASH/NAME without its extension (Asterisk
//                  picks the file by its format's extension). ok once the
//                  phone answered and the channel hung up after the playback.
//                  A listener who hangs up mid-message reads as played: only
//                  VarSet events (class dialplan, not asked for) would tell,
//                  and over CSTA a message that began to play is played too.
//   FAX            SendFAX of MEDIA/HASH/NAME; ok once Asterisk's SendFAX
//                  event (class call) reports pages sent. No pages, or no
//                  report before the hang-up (no FAX module), or a device
//                  not reached: fax-unavailable.
//
// The voice-board port the core lends is one of ctid's slots (slots.ts),
// a plain name with no device behind it: it is only logged.

import type { AmiMessage } from '../../../ami/codec.js';
import type { CallOutcome, FaxOutcome, PlayMessageOptions } from '../../core/ports.js';
import { AmiAppCall } from './ami-app-call.js';
import type { AmiLink, LinkLogger } from './ami-link.js';
import type { Endpoints } from './endpoints.js';

/** A stored media name (HASH/NAME): the characters mail/media.ts keeps, none that Asterisk's argument parsing reads (`,` `&` `|` `$`). */
const MEDIA_NAME = /^[\w.\-+ ()]+(\/[\w.\-+ ()]+)*$/;

export class AmiMedia {
  constructor(
    private readonly link: AmiLink,
    private readonly endpoints: Endpoints,
    /** `switch.media`: ctid's DATA/media as Asterisk sees it. */
    private readonly dir: string,
    private readonly log: LinkLogger,
  ) {}

  playMessage(opts: PlayMessageOptions): Promise<CallOutcome> {
    const file = this.pathOf(opts.message);
    if (!file.ok) return Promise.resolve({ ok: false, reason: 'switch-unavailable', detail: file.detail });
    const sound = file.path.replace(/\.[^./]*$/, '');
    this.log('playing a message', { phone: opts.phone, slot: opts.port, sound });
    const { phone: ext, signal, onRinging } = opts;
    return new AmiAppCall(this.link, this.endpoints, { ext, application: 'Playback', data: sound, role: 'destination', signal, onRinging, atHangup: { ok: true } }, this.log).outcome;
  }

  async sendFax(device: string, document: string): Promise<FaxOutcome> {
    const file = this.pathOf(document);
    if (!file.ok) return { ok: false, reason: 'switch-unavailable', detail: file.detail };
    const call = new AmiAppCall(
      this.link,
      this.endpoints,
      {
        ext: device,
        application: 'SendFAX',
        data: file.path,
        role: 'destination',
        onAppEvent: (event) => (event.get('Event') === 'SendFAX' ? faxReport(event, device) : undefined),
        atHangup: { ok: false, reason: 'no-answer', detail: `${device} answered, but Asterisk reported no FAX sent (is res_fax with a FAX module loaded?)` },
      },
      this.log,
    );
    const outcome = await call.outcome;
    if (outcome.ok) return outcome;
    const linkFault = outcome.reason === 'switch-unavailable' || outcome.reason === 'unknown';
    return { ok: false, reason: linkFault ? 'switch-unavailable' : 'fax-unavailable', detail: `${device} did not take the FAX: ${outcome.detail}` };
  }

  /** Where Asterisk reads a stored media name. */
  private pathOf(name: string): { ok: true; path: string } | { ok: false; detail: string } {
    if (!MEDIA_NAME.test(name) || name.split('/').some((part) => /^\.+$/.test(part))) {
      return { ok: false, detail: `the media name "${name}" cannot be handed to Asterisk (a stored HASH/NAME is expected)` };
    }
    return { ok: true, path: `${this.dir.replace(/\/+$/, '')}/${name}` };
  }
}

/** Asterisk's SendFAX event, raised when the FAX session ended. */
function faxReport(event: AmiMessage, device: string): CallOutcome {
  const pages = Number(event.get('PagesTransferred') ?? 0);
  if (pages > 0) return { ok: true };
  return { ok: false, reason: 'no-answer', detail: `${device} answered, but no page went (Asterisk's SendFAX reported none)` };
}
