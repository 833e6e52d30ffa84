// Switch.playMessage / sendFax over CSTA: the voice board's media, through
// our vendor's Escape (csta-link.md "vendor specific").
//
// A voice message (FIG. 36 S3607-S3609) is a two-point call with the port
// as the calling device (a port connects at once) and the phone as the
// called one; once the phone answers, Escape play, then the port hangs up.
// Whatever the port still held (a play a restart interrupted) is cleared
// first, so a port never carries two calls.

import { isCstaServiceError } from '../../../csta/errors.js';
import type { CallOutcome, FaxOutcome, PlaceCallOptions, PlayMessageOptions } from '../../core/ports.js';
import type { CstaLink } from './link.js';
import { clearAll } from './snapshots.js';

export interface MediaContext {
  link: CstaLink;
  placeCall(options: PlaceCallOptions): Promise<CallOutcome>;
}

export async function playMessage(ctx: MediaContext, opts: PlayMessageOptions): Promise<CallOutcome> {
  const { link } = ctx;
  if (link.state !== 'up') return { ok: false, reason: 'switch-unavailable', detail: 'the switch link is down' };
  try {
    await clearAll(link, opts.port);
  } catch (err) {
    return { ok: false, reason: 'switch-unavailable', detail: (err as Error).message };
  }
  const call = await ctx.placeCall({
    first: opts.port,
    second: opts.phone,
    destination: 'second',
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRinging: (device) => device !== opts.port && opts.onRinging?.(device),
  });
  if (!call.ok) return call;
  try {
    await link.request({ type: 'Escape', command: { op: 'play', port: opts.port, message: opts.message } });
    return { ok: true };
  } catch (err) {
    // Refused: the phone hung up as it answered. Either way the message was not heard.
    const detail = `${opts.phone} answered but the message could not be played: ${(err as Error).message}`;
    return { ok: false, reason: isCstaServiceError(err) ? 'no-answer' : 'switch-unavailable', detail };
  } finally {
    await clearAll(link, opts.port).catch(() => {}); // the port hangs up; a link error leaves it to the next play's clear
  }
}

export async function sendFax(link: CstaLink, device: string, document: string): Promise<FaxOutcome> {
  if (link.state !== 'up') return { ok: false, reason: 'switch-unavailable', detail: 'the switch link is down' };
  try {
    await link.request({ type: 'Escape', command: { op: 'fax', device, document } });
    return { ok: true };
  } catch (err) {
    if (isCstaServiceError(err)) return { ok: false, reason: 'fax-unavailable', detail: `${device} did not take the FAX: ${err.message}` };
    return { ok: false, reason: 'switch-unavailable', detail: (err as Error).message };
  }
}
