// The pieces codec table entries are made of: how one TypeScript field
// travels as one XML element (Field), a message built from its fields in
// ECMA-323 element order (message), and the ECMA-323 data types several
// messages share: ConnectionID, the device identifiers, ConnectionList.

import type { ConnectionId, CstaMessage } from './messages.js';
import { el, intLeaf, leaf, type XmlReader } from './xml.js';

/** One message's XML: the content of its root element, both ways. */
export interface CodecEntry<M extends CstaMessage> {
  encode(msg: M): string;
  /** Reads the root element; throws CstaProtocolError 'invalid-field'. */
  decode(root: XmlReader): M;
}

/** Exactly one entry per message type of the union U. */
export type CodecTable<U extends CstaMessage> = { [T in U['type']]: CodecEntry<Extract<U, { type: T }>> };

/**
 * How one field travels as one element. Function properties rather than
 * methods, so the compiler checks a required field never gets an optional
 * codec or the other way round.
 */
export interface Field<T> {
  /** The element's name when it differs from the field's (callID for callId). */
  readonly element?: string;
  readonly encode: (element: string, value: T) => string;
  readonly decode: (parent: XmlReader, element: string) => T;
}

/** A codec for every field of M, listed in the order the elements are written. */
export type Shape<M> = { [K in keyof M]-?: Field<M[K]> };

/** The entry for a message whose fields each map to one child of the root. */
export function message<M extends CstaMessage>(type: M['type'], shape: Shape<Omit<M, 'type'>>): CodecEntry<M> {
  const plan = Object.entries(shape as Record<string, Field<unknown>>).map(([key, field]) => ({ key, element: field.element ?? key, field }));
  return {
    encode(msg) {
      let out = '';
      for (const { key, element, field } of plan) out += field.encode(element, (msg as unknown as Record<string, unknown>)[key]);
      return out;
    },
    decode(root) {
      const msg: Record<string, unknown> = { type };
      for (const { key, element, field } of plan) {
        const value = field.decode(root, element);
        if (value !== undefined) msg[key] = value; // decoded messages never carry undefined fields
      }
      return msg as M;
    },
  };
}

// ---------------------------------------------------------------- fields

export const text: Field<string> = { encode: leaf, decode: (r, e) => r.string(e) };

export const int: Field<number> = { encode: intLeaf, decode: (r, e) => r.int(e) };

/** xsd:boolean: written true/false, read in all four spellings. */
export const bool: Field<boolean> = {
  encode: (e, v) => leaf(e, String(v)),
  decode: (r, e) => {
    const v = r.oneOf(e, ['true', 'false', '1', '0']);
    return v === 'true' || v === '1';
  },
};

export function oneOf<T extends string>(values: readonly T[]): Field<T> {
  return { encode: leaf, decode: (r, e) => r.oneOf(e, values) };
}

export function optional<T>(field: Field<T>): Field<T | undefined> {
  return {
    element: field.element,
    encode: (e, v) => (v === undefined ? '' : field.encode(e, v)),
    decode: (r, e) => (r.optChild(e) ? field.decode(r, e) : undefined),
  };
}

/** The same codec under an element name other than the field's. */
export function named<T>(element: string, field: Field<T>): Field<T> {
  return { ...field, element };
}

/** `<element><inner>..</inner></element>`, e.g. monitorObject/deviceObject. */
export function within<T>(inner: string, field: Field<T>): Field<T> {
  return { encode: (e, v) => el(e, field.encode(inner, v)), decode: (r, e) => field.decode(r.child(e), inner) };
}

// ---------------------------------------------------------------- ECMA-323 data types

/** ConnectionID: `<element><callID>..</callID><deviceID>..</deviceID></element>`. */
export const conn: Field<ConnectionId> = {
  encode: (e, c) => el(e, leaf('callID', c.callId) + leaf('deviceID', c.deviceId)),
  decode: (r, e) => {
    const c = r.child(e);
    return { callId: c.string('callID'), deviceId: c.string('deviceID') };
  },
};

/**
 * SubjectDeviceID, CallingDeviceID, CalledDeviceID and the like:
 * `<element><deviceIdentifier>2001</deviceIdentifier></element>`. These are a
 * choice: a switch may send `<notKnown/>` or `<restricted/>` instead, which
 * reads as ''. Plain text (`<callingDevice>2001</callingDevice>`) is accepted too.
 */
export const dev: Field<string> = {
  encode: (e, id) => el(e, leaf('deviceIdentifier', id)),
  decode: (r, e) => {
    const d = r.child(e);
    return d.optString('deviceIdentifier') ?? d.text ?? '';
  },
};

/** ConnectionList: `<element><connectionListItem><newConnection>..</newConnection></connectionListItem>..</element>`. */
export const connList: Field<ConnectionId[]> = {
  encode: (e, list) => el(e, list.map((c) => el('connectionListItem', conn.encode('newConnection', c))).join('')),
  decode: (r, e) => r.child(e).children('connectionListItem').map((item) => conn.decode(item, 'newConnection')),
};
