// The XML underneath the CSTA codec: writing escaped elements, and reading a
// document safely (no DOCTYPE, no entity expansion) into a tree that the
// codec walks with XmlReader, whose errors name the message and the field.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CstaProtocolError, isCstaProtocolError } from './errors.js';

// ---------------------------------------------------------------- writing

// XML 1.0 section 2.2 "Char": other characters cannot travel at all, not even as references.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NEEDS_ESCAPE = /[&<>\r]|^\s|\s$/;

/**
 * Text content that reads back as exactly `value`: markup characters become
 * references, and so do leading and trailing whitespace (the reader trims
 * values to tolerate pretty-printed XML, and trimming leaves references
 * alone) and \r (which XML parsers turn into \n). Throws RangeError for a
 * character XML 1.0 cannot carry.
 */
function escapeText(value: string): string {
  if (NOT_XML_CHAR.test(value)) throw new RangeError(`${JSON.stringify(value)} holds a character XML 1.0 cannot carry`);
  if (!NEEDS_ESCAPE.test(value)) return value;
  const first = value.length - value.trimStart().length;
  const last = value.trimEnd().length;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (i < first || i >= last || c === '\r') out += `&#${value.charCodeAt(i)};`;
    else if (c === '&') out += '&amp;';
    else if (c === '<') out += '&lt;';
    else if (c === '>') out += '&gt;';
    else out += c;
  }
  return out;
}

/** `<name>value</name>`, escaped. */
export function leaf(name: string, value: string): string {
  return `<${name}>${escapeText(value)}</${name}>`;
}

/** A count of seconds and the like: a non-negative integer (xsd:nonNegativeInteger). */
export function intLeaf(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`<${name}> must be a non-negative integer, got ${value}`);
  return `<${name}>${value}</${name}>`;
}

/** An element around already-encoded content. */
export function el(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

export function xmlDocument(root: string, namespace: string, content: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${namespace}">${content}</${root}>`;
}

// ---------------------------------------------------------------- parsing

/** What the parser gives for an element: its text, or its children by local name (repeated ones as arrays). */
export type XmlValue = string | XmlObject;
export interface XmlObject {
  [name: string]: XmlValue | XmlValue[];
}

/**
 * The five predefined entities (XML 1.0 section 4.6) and character references
 * (section 4.1), nothing else. No entity is ever declared: documents with a
 * DOCTYPE are refused before parsing, and addInputEntities refuses again.
 */
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const predefinedOnly = {
  reset(): void {},
  setXmlVersion(): void {},
  setExternalEntities(): void {},
  addInputEntities(): void {
    throw new CstaProtocolError('doctype', 'entity declarations are not accepted');
  },
  decode(text: string): string {
    let amp = text.indexOf('&');
    if (amp === -1) return text;
    let out = '';
    let done = 0;
    while (amp !== -1) {
      const semi = text.indexOf(';', amp);
      if (semi === -1) throw new CstaProtocolError('malformed-xml', `not well-formed XML: "&" without ";" in ${JSON.stringify(text.slice(0, 40))}`);
      out += text.slice(done, amp) + reference(text.slice(amp + 1, semi));
      done = semi + 1;
      amp = text.indexOf('&', done);
    }
    return out + text.slice(done);
  },
};

function reference(name: string): string {
  if (Object.hasOwn(PREDEFINED, name)) return PREDEFINED[name];
  const hex = name.startsWith('#x');
  const digits = name.slice(hex ? 2 : 1);
  if (name.startsWith('#') && (hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
    const code = parseInt(digits, hex ? 16 : 10);
    const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
    if (char && !NOT_XML_CHAR.test(char)) return char;
  }
  throw new CstaProtocolError('malformed-xml', `undefined or invalid reference &${name.slice(0, 20)}; (only &lt; &gt; &amp; &quot; &apos; and character references)`);
}

// Names the parser refuses as prototype-pollution risks; a vendor element may still use them.
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

// Built once: parsing is on the hot path of every event.
const parser = new XMLParser({
  removeNSPrefix: true, // elements are matched by local name: ed3-ed6 and vendor prefixes alike
  ignoreAttributes: true, // nothing the codec reads is an attribute (xmlns included)
  parseTagValue: false, // ids such as 0012 stay strings
  trimValues: true, // pretty-printed switches
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true, // ...through predefinedOnly, never the parser's own decoder
  entityDecoder: predefinedOnly,
  jPath: false, // no path strings built per element
  transformTagName: (name) => (RESERVED_NAMES.has(name) ? `_${name}` : name),
});

/** Parses one document; returns its root element's local name and content. Throws CstaProtocolError. */
export function parseDocument(xml: string): { root: string; content: XmlValue } {
  refuseDeclarations(xml);
  if (NOT_XML_CHAR.test(xml)) throw new CstaProtocolError('malformed-xml', 'not well-formed XML: a character XML 1.0 does not allow (a control character or a lone surrogate)');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new CstaProtocolError('malformed-xml', `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  let doc: XmlObject;
  try {
    doc = parser.parse(xml) as XmlObject;
  } catch (err) {
    if (isCstaProtocolError(err)) throw err;
    throw new CstaProtocolError('malformed-xml', `not well-formed XML: ${(err as Error).message}`);
  }
  // The validator lets a second self-closed root through; the parser then shows it.
  const roots = Object.keys(doc);
  const content = doc[roots[0]];
  if (roots.length !== 1 || Array.isArray(content)) throw new CstaProtocolError('malformed-xml', 'not well-formed XML: expected exactly one root element');
  return { root: roots[0], content };
}

/**
 * Refuses `<!DOCTYPE` and `<!ENTITY` anywhere outside comments and CDATA
 * sections: entity expansion is how XML bombs and external-entity reads
 * work, and CSTA never needs a DTD. Other `<!` markup is not well-formed.
 */
function refuseDeclarations(xml: string): void {
  for (let at = xml.indexOf('<!'); at !== -1; ) {
    let end: number;
    if (xml.startsWith('<!--', at)) end = xml.indexOf('-->', at + 4) + 3;
    else if (xml.startsWith('<![CDATA[', at)) end = xml.indexOf(']]>', at + 9) + 3;
    else if (xml.startsWith('<!DOCTYPE', at) || xml.startsWith('<!ENTITY', at)) {
      throw new CstaProtocolError('doctype', 'DOCTYPE and entity declarations are not accepted');
    } else throw new CstaProtocolError('malformed-xml', `not well-formed XML: unexpected ${JSON.stringify(xml.slice(at, at + 12))}`);
    if (end < 3) throw new CstaProtocolError('malformed-xml', 'not well-formed XML: unterminated comment or CDATA section');
    at = xml.indexOf('<!', end);
  }
}

// ---------------------------------------------------------------- reading

/**
 * One element of a parsed message, read by its children's local names.
 * Unknown children are never looked at; a repeated child where one is
 * expected counts once. Every error is 'invalid-field' and names the path,
 * e.g. `DeliveredEvent/connection: missing <callID>`.
 */
export class XmlReader {
  constructor(
    private readonly content: XmlValue,
    /** The element's local name; the message type at the root. */
    readonly name: string,
    private readonly parent?: XmlReader,
  ) {}

  /** Where this element is, from the message's root: `MakeCall/callingDevice` (built only for errors). */
  get path(): string {
    return this.parent ? `${this.parent.path}/${this.name}` : this.name;
  }

  /** This element's own text; undefined when it holds only elements. */
  get text(): string | undefined {
    const c = this.content;
    if (typeof c === 'string') return c;
    const mixed = Object.hasOwn(c, '#text') ? c['#text'] : undefined;
    return typeof mixed === 'string' ? mixed : undefined;
  }

  /** A required child holding text. */
  string(name: string): string {
    return this.optString(name) ?? this.fail(`missing <${name}>`);
  }

  optString(name: string): string | undefined {
    const child = this.optChild(name);
    if (!child) return undefined;
    return child.text ?? this.fail(`<${name}> must hold text, not elements`);
  }

  /** A required child whose text is one of `allowed`. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    return this.optOneOf(name, allowed) ?? this.fail(`missing <${name}>`);
  }

  optOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.optString(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) this.fail(`<${name}> is ${JSON.stringify(value)}, expected one of ${allowed.join(', ')}`);
    return value as T;
  }

  /** A required non-negative integer (seconds and the like). */
  int(name: string): number {
    return this.optInt(name) ?? this.fail(`missing <${name}>`);
  }

  optInt(name: string): number | undefined {
    const value = this.optString(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n)) this.fail(`<${name}> is ${JSON.stringify(value)}, expected a non-negative integer`);
    return n;
  }

  child(name: string): XmlReader {
    return this.optChild(name) ?? this.fail(`missing <${name}>`);
  }

  optChild(name: string): XmlReader | undefined {
    const c = this.content;
    if (typeof c === 'string' || !Object.hasOwn(c, name)) return undefined;
    const v = c[name];
    return new XmlReader(Array.isArray(v) ? v[0] : v, name, this);
  }

  /** Every child of this name, in document order. */
  children(name: string): XmlReader[] {
    const c = this.content;
    if (typeof c === 'string' || !Object.hasOwn(c, name)) return [];
    const v = c[name];
    return (Array.isArray(v) ? v : [v]).map((item) => new XmlReader(item, name, this));
  }

  fail(detail: string): never {
    throw new CstaProtocolError('invalid-field', `${this.path}: ${detail}`);
  }
}
