// The AMI adapter's voice messages and FAX (ami-media.ts) against the
// simulator's AMI face over real TCP: what Playback and SendFAX are given
// (switch.media + the stored name, the sound without its extension), each
// outcome in the services' terms, a cancelled message, and an adapter
// without switch.media, which says so up front.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AmiLink } from '../../src/daemon/switch/ami/ami-link.js';
import { AmiSwitch } from '../../src/daemon/switch/ami/ami-switch.js';
import { Endpoints } from '../../src/daemon/switch/ami/endpoints.js';
import { eventually } from '../helpers/eventually.js';
import { amiTestWorld, startTestSim, type TestSim } from '../helpers/world.js';

const MEDIA = '/srv/ctid-media/';
const STORED = '0123456789abcdef01234567/greeting.wav';

let sim: TestSim;
let link: AmiLink;

const adapter = (media?: string) => new AmiSwitch(link, new Endpoints('PJSIP/{ext}', 'internal'), () => {}, media === undefined ? {} : { mediaDir: media });
const media = () => sim.control.status().media;

test.before.each(async () => {
  sim = await startTestSim({
    world: amiTestWorld(),
    timeScale: 5,
  });
  const address = sim.offices.find((o) => o.id === 'a')!.ami!;
  const at = address.lastIndexOf(':');
  link = new AmiLink({ host: address.slice(0, at), port: Number(address.slice(at + 1)), user: 'ctid-a', secret: 'secret-a', clock: sim.world.clock });
  link.start();
  await eventually('the AMI link up', async () => link.state, (s) => s === 'up');
});

test.after.each(async () => {
  await link.close();
  await sim.close();
});

test('without switch.media the adapter lacks the voice board, saying what to set; with it, it serves it', () => {
  assert.match(adapter().lacks.get('voice-board') ?? '', /need switch\.media/);
  assert.not.ok(adapter(MEDIA).lacks.has('voice-board'));
});

test('playMessage: Playback of MEDIA/HASH/greeting (no extension) once 2001 answers; ok after the hang-up', async () => {
  const rang: string[] = [];
  const played = adapter(MEDIA).playMessage({ phone: '2001', port: '1', message: STORED, onRinging: (d) => rang.push(d) });
  await eventually('2001 ringing', async () => sim.world.exchange('a')!.device('2001').lineState, (s) => s === 'ringing');
  sim.control.answer('a', '2001');
  assert.equal(await played, { ok: true });
  assert.equal(rang, ['2001']);
  assert.equal(
    media().map((m) => [m.device, m.kind, m.name]),
    [['a/2001', 'voice', '/srv/ctid-media/0123456789abcdef01234567/greeting']],
  );
});

test('playMessage to a busy phone: busy, as a call to it; cancelled while ringing: cancelled, and the phone stops ringing', async () => {
  sim.control.dial('a', '2002', '2003');
  const busy = await adapter(MEDIA).playMessage({ phone: '2002', port: '1', message: STORED });
  assert.equal(busy, { ok: false, reason: 'busy', detail: '2002 is busy' });

  const abort = new AbortController();
  const cancelled = adapter(MEDIA).playMessage({ phone: '2004', port: '2', message: STORED, signal: abort.signal, onRinging: () => abort.abort() });
  assert.equal(await cancelled, { ok: false, reason: 'cancelled', detail: 'cancelled' });
  await eventually('2004 idle again', async () => sim.world.exchange('a')!.device('2004').lineState, (s) => s === 'idle');
  assert.equal(media(), []);
});

test('sendFax: the FAX device gets MEDIA/HASH/memo.tif; a phone that answers is fax-unavailable (no page); a bad name is refused', async () => {
  const sw = adapter(MEDIA);
  assert.equal(await sw.sendFax('2900', '0123456789abcdef01234567/memo.tif'), { ok: true });
  assert.equal(
    media().map((m) => [m.device, m.kind, m.name]),
    [['a/2900', 'fax', '/srv/ctid-media/0123456789abcdef01234567/memo.tif']],
  );
  sim.control.set('a', '2005', { answer: 'auto' });
  const phone = await sw.sendFax('2005', '0123456789abcdef01234567/memo.tif');
  assert.equal(phone, { ok: false, reason: 'fax-unavailable', detail: "2005 did not take the FAX: 2005 answered, but no page went (Asterisk's SendFAX reported none)" });
  const bad = await sw.sendFax('2900', '../etc/passwd');
  assert.is(bad.ok, false);
  assert.match(!bad.ok ? bad.detail : '', /the media name "\.\.\/etc\/passwd" cannot be handed to Asterisk/);
});

test.run();
