// The exchange information of a mail (interfaces.md "Requests by mail"):
// body lines and X-CTI-* headers, headers winning; each refusal names its
// field; scenarios as FIG. 42 and 43 write them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExchangeInfoError, parseExchangeInfo, parseScenario } from '../../src/daemon/mail/exchange-info.js';

const none = new Map<string, string>();
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExchangeInfoError) return err.message;
    throw err;
  }
  return 'accepted';
};

test('body fields up to the first blank line, keys in any case; the rest is text 1', () => {
  const info = parseExchangeInfo(none, 'cti-destination: 044-222-3333\r\nCTI-Source: 2001\nCTI-TRIGGER: on-receipt\nCTI-Monitor: 1h30m\nCTI-Network: public\n\nHello,\ncall me.');
  assert.equal(info, { destination: '044-222-3333', source: '2001', trigger: 'on-receipt', monitorMs: 5_400_000, network: 'public', text: 'Hello,\ncall me.' });
});

test('X-CTI-* headers win over the body; the trigger defaults to on-open; a delivery time needs an offset', () => {
  const headers = new Map([
    ['x-cti-destination', '2000'],
    ['x-cti-deliver-at', '2026-12-01T09:30:00+09:00'],
  ]);
  const info = parseExchangeInfo(headers, 'CTI-Destination: 2999\n\ntext');
  assert.equal([info.destination, info.trigger, info.deliverAt], ['2000', 'on-open', Date.parse('2026-12-01T00:30:00Z')]);
  assert.match(refusal(() => parseExchangeInfo(new Map([['x-cti-deliver-at', '2026-12-01T09:30:00']]), 'CTI-Destination: 2000')), /^CTI-Deliver-At: .*with an offset/);
});

test('each refusal names its field', () => {
  assert.match(refusal(() => parseExchangeInfo(none, 'Hi there')), /^CTI-Destination: missing/);
  assert.match(refusal(() => parseExchangeInfo(none, 'CTI-Destination: call me')), /^CTI-Destination: "call me" is not a phone number/);
  assert.match(refusal(() => parseExchangeInfo(none, 'CTI-Destination: 2000\nCTI-Source: me')), /^CTI-Source: /);
  assert.match(refusal(() => parseExchangeInfo(none, 'CTI-Destination: 2000\nCTI-Network: isdn')), /^CTI-Network: /);
  assert.match(refusal(() => parseExchangeInfo(none, 'CTI-Destination: 2000\nCTI-Monitor: 30')), /^CTI-Monitor: /);
  assert.match(refusal(() => parseExchangeInfo(none, 'CTI-Destination: 2000\nCTI-Colour: red')), /^CTI-Colour: not a field/);
  assert.match(refusal(() => parseExchangeInfo(none, `CTI-Destination: ${'1'.repeat(600)}`)), /^CTI-Destination: at most 512/);
});

test('scenarios: FIG. 42 and FIG. 43, and steps that are not steps', () => {
  assert.equal(parseScenario('play voice 1; ask; connect'), [[{ do: 'play', part: { kind: 'voice', n: 1 } }], [{ do: 'ask' }], [{ do: 'connect' }]]);
  assert.equal(parseScenario('play voice 2 & fax 3; ask; connect')[0], [
    { do: 'play', part: { kind: 'voice', n: 2 } },
    { do: 'fax', part: { kind: 'fax', n: 3 } },
  ]);
  assert.match(refusal(() => parseScenario('play voice; connect')), /^CTI-Scenario: "play voice" is not a step/);
  assert.match(refusal(() => parseScenario('fax x')), /^CTI-Scenario: "fax x" needs a part number/);
  assert.match(refusal(() => parseScenario('ask;; connect')), /^CTI-Scenario: an empty step/);
  assert.match(refusal(() => parseScenario('connect; ask')), /^CTI-Scenario: connect is the last step, alone/);
  assert.match(refusal(() => parseScenario('play voice 1 & connect')), /^CTI-Scenario: connect is the last step, alone/);
  assert.match(refusal(() => parseScenario('show text 1 & ask; connect')), /^CTI-Scenario: step 1 shows or asks more than once/);
});

test.run();
