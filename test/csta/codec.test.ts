// The CSTA codec: every message type both ways, XML as real switches write
// it, and every kind of bad input with its error code.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CstaDecoder, decodeMessage, encodeCstaFrame, encodeMessage } from '../../src/csta/codec.js';
import { isCstaProtocolError, type ProtocolErrorCode } from '../../src/csta/errors.js';
import { CSTA_NAMESPACE, SESSION_MESSAGES, SESSION_NAMESPACE, type CstaMessage } from '../../src/csta/messages.js';
import { FIXTURES, VARIANTS } from './fixtures.js';

const ED3 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';
const ED6 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed6';

function failure(xml: string): { code: ProtocolErrorCode; message: string } {
  try {
    decodeMessage(xml);
  } catch (err) {
    if (isCstaProtocolError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error(`decoded without error: ${xml}`);
}

test('every message type round-trips, with its root in the right namespace', () => {
  for (const msg of [...Object.values(FIXTURES), ...VARIANTS] as CstaMessage[]) {
    const xml = encodeMessage(msg);
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), msg.type);
    const ns = SESSION_MESSAGES.has(msg.type) ? SESSION_NAMESPACE : CSTA_NAMESPACE;
    assert.ok(xml.includes(`<${msg.type} xmlns="${ns}">`), `${msg.type} root: ${xml}`);
    assert.equal(decodeMessage(xml), msg, msg.type);
  }
});

test('encoded shapes follow ECMA-323', () => {
  const body = (msg: CstaMessage) => encodeMessage(msg).replace(/^.*?<[A-Za-z]+ xmlns="[^"]+">/, '').replace(/<\/[A-Za-z]+>$/, '');
  assert.is(body(FIXTURES.MakeCall), '<callingDevice>2001</callingDevice><calledDirectoryNumber>2002</calledDirectoryNumber><autoOriginate>prompt</autoOriginate>');
  assert.is(body(FIXTURES.MakeCallResponse), '<callingDevice><callID>17</callID><deviceID>2001</deviceID></callingDevice>');
  assert.is(body(FIXTURES.DeflectCall), '<callToBeDiverted><callID>17</callID><deviceID>7001</deviceID></callToBeDiverted><newDestination>2001</newDestination>');
  assert.is(body(FIXTURES.DeflectCallResponse), '');
  assert.is(body(FIXTURES.MonitorStart), '<monitorObject><deviceObject>2001</deviceObject></monitorObject>');
  assert.is(body(FIXTURES.CSTAErrorCode), '<operation>invalidDeviceID</operation>');
  assert.is(body(FIXTURES.Escape), '<privateData><private><bridge><port>7001</port><port>7002</port></bridge></private></privateData>');
  assert.is(body(FIXTURES.StartApplicationSessionNegResponse), '<errorCode><definedError>invalidApplicationInfo</definedError></errorCode>');
  assert.ok(body(FIXTURES.HeldEvent).startsWith('<monitorCrossRefID>m1</monitorCrossRefID><heldConnection><callID>17</callID><deviceID>2001</deviceID></heldConnection><holdingDevice><deviceIdentifier>2001</deviceIdentifier></holdingDevice>'));
  assert.ok(body(FIXTURES.ConferencedEvent).includes('<conferenceConnections><connectionListItem><newConnection><callID>17</callID><deviceID>2001</deviceID></newConnection></connectionListItem>'));
  assert.ok(body(FIXTURES.SnapshotDeviceResponse).startsWith('<crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo><connectionIdentifier><callID>17</callID>'));
  assert.ok(body(FIXTURES.StartApplicationSession).startsWith('<applicationInfo><applicationID>ctid</applicationID><applicationSpecificInfo><user>ctid-a</user><password>s3cret&lt;&amp;&gt;</password>'));
});

test('SnapshotCallResponse: written with ECMA-323 localConnectionState, read also as localConnectionInfo', () => {
  const body = encodeMessage(FIXTURES.SnapshotCallResponse);
  assert.ok(
    body.includes(
      '<snapshotCallResponseInfo><deviceOnCall><deviceIdentifier>2001</deviceIdentifier></deviceOnCall><callIdentifier><callID>17</callID><deviceID>2001</deviceID></callIdentifier><localConnectionState>connected</localConnectionState></snapshotCallResponseInfo>',
    ),
    body,
  );
  const xml = `<SnapshotCallResponse xmlns="${ED6}"><crossRefIDorSnapshotData><snapshotData>
    <snapshotCallResponseInfo><deviceOnCall><deviceIdentifier>2002</deviceIdentifier></deviceOnCall>
      <callIdentifier><callID>4</callID><deviceID>2002</deviceID></callIdentifier><localConnectionInfo>alerting</localConnectionInfo>
      <servicesPermitted/></snapshotCallResponseInfo></snapshotData></crossRefIDorSnapshotData></SnapshotCallResponse>`;
  assert.equal(decodeMessage(xml), { type: 'SnapshotCallResponse', connections: [{ device: '2002', connection: { callId: '4', deviceId: '2002' }, state: 'alerting' }] });
});

test('a prefixed ed3 MakeCall with pretty-printing and unknown elements decodes', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<csta:MakeCall xmlns:csta="${ED3}">
  <csta:callingDevice>2001</csta:callingDevice>
  <csta:calledDirectoryNumber typeOfNumber="dialingNumber">0311234567</csta:calledDirectoryNumber>
  <csta:userData><csta:string>hello</csta:string></csta:userData>
  <csta:autoOriginate>doNotPrompt</csta:autoOriginate>
</csta:MakeCall>`;
  assert.equal(decodeMessage(xml), { type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '0311234567', autoOriginate: 'doNotPrompt' });
});

test('an ed6 event with vendor privateData, comments, CDATA and notKnown devices decodes', () => {
  const xml = `<DeliveredEvent xmlns="${ED6}" xmlns:v="urn:vendor">
    <!-- from the switch -->
    <monitorCrossRefID>  m2  </monitorCrossRefID>
    <connection>
      <callID>17</callID>
      <deviceID typeOfNumber="dialingNumber">2002</deviceID>
    </connection>
    <alertingDevice><deviceIdentifier>2002</deviceIdentifier></alertingDevice>
    <callingDevice><notKnown/></callingDevice>
    <calledDevice>2002</calledDevice>
    <lastRedirectionDevice><notRequired/></lastRedirectionDevice>
    <localConnectionInfo>alerting</localConnectionInfo>
    <cause><![CDATA[newCall]]></cause>
    <networkCallingDevice><deviceIdentifier>9</deviceIdentifier></networkCallingDevice>
    <extensions><privateData><private><v:ringPattern>3</v:ringPattern></private></privateData></extensions>
  </DeliveredEvent>`;
  assert.equal(decodeMessage(xml), {
    type: 'DeliveredEvent',
    monitorCrossRefId: 'm2',
    connection: { callId: '17', deviceId: '2002' },
    alertingDevice: '2002',
    callingDevice: '',
    calledDevice: '2002',
    lastRedirectionDevice: '',
    localConnectionInfo: 'alerting',
    cause: 'newCall',
  });
});

test('session messages in a prefixed ECMA-354 namespace, and ECMA-323 routing root names', () => {
  const pos = `<as:StartApplicationSessionPosResponse xmlns:as="${SESSION_NAMESPACE}"><as:sessionID>S1</as:sessionID><as:actualProtocolVersion>${ED3}</as:actualProtocolVersion><as:actualSessionDuration>300</as:actualSessionDuration></as:StartApplicationSessionPosResponse>`;
  assert.equal(decodeMessage(pos), { type: 'StartApplicationSessionPosResponse', sessionId: 'S1', protocolVersion: ED3, actualSessionDuration: 300 });
  const end = `<RouteEndRequest xmlns="${ED3}"><routeRegisterReqID>r1</routeRegisterReqID><crossRefIdentifier>x9</crossRefIdentifier></RouteEndRequest>`;
  assert.equal(decodeMessage(end), { type: 'RouteEnd', routeRegisterReqId: 'r1', crossRefIdentifier: 'x9' });
});

test('values that look like markup round-trip and cannot inject elements', () => {
  const evil = '</deviceID><x>&amp;</x><deviceID>';
  const msg: CstaMessage = { type: 'HoldCall', callToBeHeld: { callId: ']]>"\'', deviceId: evil } };
  const xml = encodeMessage(msg);
  assert.not.ok(xml.includes('<x>'));
  assert.equal(decodeMessage(xml), msg);
});

test('whitespace at either end of a value, \\r and unicode round-trip exactly', () => {
  for (const id of [' 2001', '2001 ', '   ', '\t\n', 'a\r\nb', '\r', '\u00a0x\u2028', '日本 ✓ 😀', '']) {
    const msg: CstaMessage = { type: 'MonitorStart', monitorObject: id };
    assert.equal(decodeMessage(encodeMessage(msg)), msg, JSON.stringify(id));
  }
});

test('the five predefined entities and character references decode; CDATA stays literal', () => {
  const xml = `<MonitorStart><monitorObject><deviceObject>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;<![CDATA[&amp;<]]></deviceObject></monitorObject></MonitorStart>`;
  assert.equal(decodeMessage(xml), { type: 'MonitorStart', monitorObject: '<>&"\'AB😀&amp;<' });
});

test('a value XML cannot carry is a RangeError when encoding', () => {
  assert.throws(() => encodeMessage({ type: 'MonitorStart', monitorObject: 'a\u0001b' }), RangeError);
  assert.throws(() => encodeMessage({ type: 'MonitorStart', monitorObject: 'a\ud800b' }), RangeError);
  assert.throws(() => encodeMessage({ type: 'MonitorStart', monitorObject: '\uffff' }), RangeError);
  assert.throws(() => encodeMessage({ type: 'ResetApplicationSessionTimerPosResponse', actualSessionDuration: -1 }), RangeError);
  assert.throws(() => encodeMessage({ type: 'ResetApplicationSessionTimerPosResponse', actualSessionDuration: 1.5 }), RangeError);
});

test('DOCTYPE and entity declarations are refused, never expanded', () => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><SystemStatus><systemStatus>&lol2;</systemStatus></SystemStatus>`;
  const external = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><SystemStatus><systemStatus>&x;</systemStatus></SystemStatus>`;
  const bare = `<!DOCTYPE SystemStatus><SystemStatus><systemStatus>normal</systemStatus></SystemStatus>`;
  const inside = `<SystemStatus><!ENTITY x "y"><systemStatus>normal</systemStatus></SystemStatus>`;
  for (const xml of [bomb, external, bare, inside]) {
    const f = failure(xml);
    assert.is(f.code, 'doctype', xml);
    assert.match(f.message, /DOCTYPE|entity/);
  }
  // A comment that merely mentions one is fine.
  assert.equal(decodeMessage('<!-- <!DOCTYPE x> --><SystemStatus><systemStatus>normal</systemStatus></SystemStatus>'), FIXTURES.SystemStatus);
});

test('XML that is not well-formed is malformed-xml', () => {
  const cases = [
    '',
    'normal',
    '<SystemStatus><systemStatus>normal</systemStatus>',
    '<SystemStatus><systemStatus>normal</SystemStatus></systemStatus>',
    '<SystemStatus/><SystemStatus/>',
    '<SystemStatus><systemStatus>a & b</systemStatus></SystemStatus>',
    '<SystemStatus><systemStatus>&nbsp;</systemStatus></SystemStatus>',
    '<SystemStatus><systemStatus>&#0;</systemStatus></SystemStatus>',
    '<SystemStatus><systemStatus>&#x110000;</systemStatus></SystemStatus>',
    '<SystemStatus><!-- unterminated </SystemStatus>',
    '<SystemStatus><!ELEMENT x ANY></SystemStatus>',
    '<SystemStatus a="1" a="2"/>',
  ];
  for (const xml of cases) assert.is(failure(xml).code, 'malformed-xml', xml);
});

test('an unknown root is unknown-message, naming it', () => {
  const f = failure(`<csta:CallInformationEvent xmlns:csta="${ED3}"><monitorCrossRefID>1</monitorCrossRefID></csta:CallInformationEvent>`);
  assert.is(f.code, 'unknown-message');
  assert.match(f.message, 'CallInformationEvent');
  assert.is(failure('<constructor/>').code, 'unknown-message');
  assert.is(failure('<toString/>').code, 'unknown-message');
});

test('a missing or bad field is invalid-field, naming the message and the field', () => {
  const cases: [string, RegExp][] = [
    ['<MakeCall><callingDevice>2001</callingDevice></MakeCall>', /^MakeCall: missing <calledDirectoryNumber>$/],
    ['<MakeCall><callingDevice>2001</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber><autoOriginate>maybe</autoOriginate></MakeCall>', /^MakeCall: <autoOriginate> is "maybe", expected one of prompt, doNotPrompt$/],
    ['<HeldEvent><monitorCrossRefID>1</monitorCrossRefID><heldConnection><deviceID>2001</deviceID></heldConnection><holdingDevice/></HeldEvent>', /^HeldEvent\/heldConnection: missing <callID>$/],
    [
      '<HeldEvent><monitorCrossRefID>1</monitorCrossRefID><heldConnection><callID>1</callID><deviceID>2</deviceID></heldConnection><holdingDevice/><localConnectionInfo>ringing</localConnectionInfo></HeldEvent>',
      /^HeldEvent: <localConnectionInfo> is "ringing"/,
    ],
    ['<MakeCall><callingDevice><deviceIdentifier>2001</deviceIdentifier></callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>', /^MakeCall: <callingDevice> must hold text/],
    ['<CSTAErrorCode><whatever>x</whatever></CSTAErrorCode>', /^CSTAErrorCode: expected one of <operation>/],
    ['<Escape><privateData><private><bridge><port>1</port></bridge></private></privateData></Escape>', /^Escape\/privateData\/private\/bridge: expected 2 <port> elements, got 1$/],
    ['<Escape><privateData><private><dance/></private></privateData></Escape>', /^Escape\/privateData\/private: expected one of <bridge>/],
    ['<ResetApplicationSessionTimerPosResponse><actualSessionDuration>-5</actualSessionDuration></ResetApplicationSessionTimerPosResponse>', /expected a non-negative integer/],
    ['<SetForwarding><device>1</device><forwardingType>forwardBusy</forwardingType><activateForward>yes</activateForward></SetForwarding>', /^SetForwarding: <activateForward> is "yes"/],
    ['<SnapshotDeviceResponse><crossRefIDorSnapshotData><serviceCrossRefID>4</serviceCrossRefID></crossRefIDorSnapshotData></SnapshotDeviceResponse>', /^SnapshotDeviceResponse\/crossRefIDorSnapshotData: missing <snapshotData>$/],
  ];
  for (const [xml, pattern] of cases) {
    const f = failure(xml);
    assert.is(f.code, 'invalid-field', xml);
    assert.match(f.message, pattern);
  }
});

test('the password never appears in an error message', () => {
  const f = failure(`<StartApplicationSession><applicationInfo><applicationID>a</applicationID><applicationSpecificInfo><user>u</user><password>hunter2</password></applicationSpecificInfo></applicationInfo></StartApplicationSession>`);
  assert.is(f.code, 'invalid-field');
  assert.not.match(f.message, 'hunter2');
});

test('CstaDecoder frames and decodes; encodeCstaFrame is its inverse', () => {
  const frames = [
    { invokeId: 1, message: FIXTURES.MakeCall },
    { invokeId: 9999, message: FIXTURES.DeliveredEvent },
  ];
  const bytes = Buffer.concat(frames.map(encodeCstaFrame));
  const decoder = new CstaDecoder();
  assert.equal([...decoder.push(bytes.subarray(0, 50)), ...decoder.push(bytes.subarray(50))], frames);
});

test.run();
