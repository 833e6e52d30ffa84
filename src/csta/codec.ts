// CSTA messages to ECMA-323 / ECMA-354 XML and back, through one table with
// an entry per message type (style.md section 11), and the two together with
// framing: what the simulator and the daemon both put on the wire.

import { eventCodecs } from './codec-events.js';
import { serviceCodecs } from './codec-services.js';
import { sessionCodecs } from './codec-session.js';
import type { CodecEntry, CodecTable } from './codec-shapes.js';
import { CstaProtocolError } from './errors.js';
import { encodeFrame, FrameDecoder, type FrameDecoderOptions } from './framing.js';
import { CSTA_NAMESPACE, SESSION_MESSAGES, SESSION_NAMESPACE, type CstaFrame, type CstaMessage } from './messages.js';
import { parseDocument, xmlDocument, XmlReader } from './xml.js';

const CODECS: CodecTable<CstaMessage> = { ...eventCodecs, ...serviceCodecs, ...sessionCodecs };

const BY_ROOT = new Map<string, CodecEntry<CstaMessage>>(Object.entries(CODECS) as [string, CodecEntry<CstaMessage>][]);
// ECMA-323 names these two roots with a Request suffix; accept a switch that does.
BY_ROOT.set('RouteSelectRequest', BY_ROOT.get('RouteSelect')!);
BY_ROOT.set('RouteEndRequest', BY_ROOT.get('RouteEnd')!);

/**
 * One XML document: the declaration, then the root named after the message
 * type with the ed5 namespace (ECMA-354's for session messages) as default.
 * Throws RangeError for a value XML cannot carry (a control character, a
 * lone surrogate, a negative duration).
 */
export function encodeMessage(msg: CstaMessage): string {
  const entry = CODECS[msg.type] as CodecEntry<CstaMessage> | undefined;
  if (!entry) throw new TypeError(`no codec for message type ${JSON.stringify(msg.type)}`);
  return xmlDocument(msg.type, SESSION_MESSAGES.has(msg.type) ? SESSION_NAMESPACE : CSTA_NAMESPACE, entry.encode(msg));
}

/**
 * Reads one document. Elements are matched by local name whatever their
 * namespace or prefix (ed3-ed6, ECMA-354, a vendor's), and elements the
 * message does not define are ignored. Throws CstaProtocolError: 'doctype',
 * 'malformed-xml', 'unknown-message' or 'invalid-field'.
 */
export function decodeMessage(xml: string): CstaMessage {
  const { root, content } = parseDocument(xml);
  const entry = BY_ROOT.get(root);
  if (!entry) throw new CstaProtocolError('unknown-message', `unknown message <${root}>`);
  return entry.decode(new XmlReader(content, root));
}

export function encodeCstaFrame(frame: CstaFrame): Buffer {
  return encodeFrame(frame.invokeId, encodeMessage(frame.message));
}

/** Framing and decoding together: bytes in, messages out. Throws CstaProtocolError. */
export class CstaDecoder {
  private readonly frames: FrameDecoder;

  constructor(opts: FrameDecoderOptions = {}) {
    this.frames = new FrameDecoder(opts);
  }

  push(chunk: Buffer): CstaFrame[] {
    return this.frames.push(chunk).map(({ invokeId, xml }) => ({ invokeId, message: decodeMessage(xml) }));
  }
}
