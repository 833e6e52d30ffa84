// A mail's parts, numbered by kind as interfaces.md says (voice N, fax N,
// text N), the scenario checked against them, and the default order for a
// mail that carries voice or FAX parts but no CTI-Scenario.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExchangeInfoError, parseExchangeInfo } from '../../src/daemon/mail/exchange-info.js';
import { partsOf, resolveSteps, stepsOf } from '../../src/daemon/mail/mail-scenario.js';
import { MediaStore } from '../../src/daemon/mail/media.js';

const attachment = (contentType: string, filename: string, text = filename) => ({ contentType, filename, content: Buffer.from(text) });
const mixed = [
  attachment('audio/wav', 'first.wav'),
  attachment('application/pdf', 'memo.pdf'),
  attachment('text/plain', 'notes.txt', 'the second text'),
  attachment('audio/mpeg', 'second.mp3'),
  attachment('image/tiff', 'plan.tif'),
  attachment('image/png', 'logo.png'),
];
const info = (fields: string) => parseExchangeInfo(new Map(), `CTI-Destination: 2002\n${fields}\n\nHello there`);

test('parts are numbered by kind in the order they appear; other attachments are no part', () => {
  const parts = partsOf('Hello there', mixed);
  assert.equal(
    parts.voice.map((p) => p.filename),
    ['first.wav', 'second.mp3'],
  );
  assert.equal(
    parts.fax.map((p) => p.filename),
    ['memo.pdf', 'plan.tif'],
  );
  assert.equal(parts.text, ['Hello there', 'the second text']);
});

test('a scenario naming a part the mail lacks is refused with the field named', () => {
  const parts = partsOf('Hello there', mixed);
  assert.ok(stepsOf(info('CTI-Scenario: play voice 2 & fax 2; show text 2; ask; connect'), parts));
  try {
    stepsOf(info('CTI-Scenario: play voice 3; connect'), parts);
    assert.unreachable('voice 3 does not exist');
  } catch (err) {
    assert.instance(err, ExchangeInfoError);
    assert.is((err as Error).message, 'CTI-Scenario: voice 3: the mail has 2 voice parts');
  }
});

test('no scenario: a plain call without voice or FAX; with them, text + first voice + FAXes at once, more voices in turn, then connect', () => {
  assert.is(stepsOf(info(''), partsOf('Hello there', [])), undefined);
  const steps = stepsOf(info(''), partsOf('Hello there', mixed))!;
  assert.equal(
    steps.map((step) => step.map((a) => ('part' in a ? `${a.do} ${a.part.kind} ${a.part.n}` : a.do)).join(' & ')),
    ['show text 1 & play voice 1 & fax fax 1 & fax fax 2', 'play voice 2', 'connect'],
  );
  const silent = stepsOf(info(''), partsOf('', [attachment('application/pdf', 'memo.pdf')]))!;
  assert.equal(silent[0], [{ do: 'fax', part: { kind: 'fax', n: 1 } }], 'no empty text is shown');
});

test('resolved steps name stored media (content-addressed, plain file names) and carry their text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'media-'));
  try {
    const media = new MediaStore(dir);
    const parts = partsOf('Hello there', [attachment('audio/wav', '../../etc/evil name.wav', 'RIFF....'), attachment('audio/wav', '', 'RIFF....')]);
    const steps = await resolveSteps([[{ do: 'play', part: { kind: 'voice', n: 1 } }, { do: 'show', part: { kind: 'text', n: 1 } }], [{ do: 'play', part: { kind: 'voice', n: 2 } }]], parts, media);
    const first = steps[0]![0] as { media: string };
    assert.match(first.media, /^[0-9a-f]{24}\/evil name\.wav$/);
    assert.is(readFileSync(join(dir, first.media), 'utf8'), 'RIFF....');
    assert.equal(steps[0]![1], { do: 'show', part: 'text 1', text: 'Hello there' });
    const second = steps[1]![0] as { media: string };
    assert.is(second.media.split('/')[0], first.media.split('/')[0], 'the same content is stored once');
    assert.match(second.media, /\/voice-2\.wav$/, 'a part without a name gets one');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
