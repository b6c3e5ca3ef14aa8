// A single-pass, namespace-resolving XML reader for SOAP envelopes and our own WSDL.
// It is deliberately small: no DTDs (refused before anything is expanded), only the five
// predefined entities and character references, and hard limits on depth and element count,
// so hostile input costs at most one linear scan.

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

export interface XmlElement {
  readonly ns: string;
  readonly name: string;
  readonly attrs: readonly XmlAttribute[];
  readonly children: XmlElement[];
  /** Direct character content, concatenated (text between child elements included). */
  text: string;
  /** prefix → namespace URI in scope at this element ('' is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 100_000 };

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlSyntaxError';
  }
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([
  ['xml', XML_NS],
  ['', ''],
]);

const NAME_END = /[\s/>=]/;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function decodeEntities(raw: string, offset: number): string {
  if (raw.indexOf('&') === -1) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const amp = raw.indexOf('&', i);
    if (amp === -1) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, amp);
    const semi = raw.indexOf(';', amp);
    if (semi === -1 || semi - amp > 12) throw new XmlSyntaxError('unterminated entity reference', offset + amp);
    const ref = raw.slice(amp + 1, semi);
    out += resolveEntity(ref, offset + amp);
    i = semi + 1;
  }
  return out;
}

function resolveEntity(ref: string, offset: number): string {
  switch (ref) {
    case 'lt': return '<';
    case 'gt': return '>';
    case 'amp': return '&';
    case 'quot': return '"';
    case 'apos': return "'";
  }
  if (ref.startsWith('#')) {
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd)) {
      throw new XmlSyntaxError(`invalid character reference &${ref};`, offset);
    }
    return String.fromCodePoint(code);
  }
  throw new XmlSyntaxError(`undeclared entity &${ref};`, offset);
}

interface OpenElement {
  element: XmlElement;
  qname: string;
}

/** Parses a whole document and returns its root element. */
export function parseXml(source: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const len = source.length;
  let pos = 0;
  let elementCount = 0;
  let root: XmlElement | undefined;
  const stack: OpenElement[] = [];

  if (source.charCodeAt(0) === 0xfeff) pos = 1;

  while (pos < len) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) {
      const raw = source.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) {
        top.element.text += decodeEntities(raw, pos);
      } else if (raw.trim() !== '') {
        throw new XmlSyntaxError('text outside the root element', pos);
      }
    }
    if (lt === -1) break;
    pos = lt;
    const next = source.charCodeAt(pos + 1);

    if (next === 0x3f /* ? */) {
      const end = source.indexOf('?>', pos + 2);
      if (end === -1) throw new XmlSyntaxError('unterminated processing instruction', pos);
      pos = end + 2;
      continue;
    }
    if (next === 0x21 /* ! */) {
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end === -1) throw new XmlSyntaxError('unterminated comment', pos);
        pos = end + 3;
        continue;
      }
      if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos + 9);
        if (end === -1) throw new XmlSyntaxError('unterminated CDATA section', pos);
        const top = stack[stack.length - 1];
        if (!top) throw new XmlSyntaxError('CDATA outside the root element', pos);
        top.element.text += source.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (source.startsWith('<!DOCTYPE', pos) || source.startsWith('<!ENTITY', pos)) {
        throw new XmlSyntaxError('DOCTYPE and entity declarations are not allowed', pos);
      }
      throw new XmlSyntaxError('unexpected markup declaration', pos);
    }
    if (next === 0x2f /* / */) {
      const end = source.indexOf('>', pos + 2);
      if (end === -1) throw new XmlSyntaxError('unterminated end tag', pos);
      const qname = source.slice(pos + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) throw new XmlSyntaxError(`mismatched end tag </${qname}>`, pos);
      pos = end + 1;
      continue;
    }

    // Start tag.
    pos += 1;
    const nameMatch = source.slice(pos, pos + 256).search(NAME_END);
    const nameLen = nameMatch === -1 ? Math.min(256, len - pos) : nameMatch;
    if (nameLen === 0) throw new XmlSyntaxError('missing element name', pos);
    const qname = source.slice(pos, pos + nameLen);
    pos += nameLen;

    const rawAttrs: Array<[string, string]> = [];
    let selfClosing = false;
    for (;;) {
      while (pos < len && isWhitespace(source.charCodeAt(pos))) pos++;
      if (pos >= len) throw new XmlSyntaxError('unterminated start tag', pos);
      const c = source.charCodeAt(pos);
      if (c === 0x3e /* > */) { pos++; break; }
      if (c === 0x2f /* / */) {
        if (source.charCodeAt(pos + 1) !== 0x3e) throw new XmlSyntaxError('malformed empty-element tag', pos);
        pos += 2;
        selfClosing = true;
        break;
      }
      const eq = source.indexOf('=', pos);
      if (eq === -1) throw new XmlSyntaxError('attribute without value', pos);
      const attrName = source.slice(pos, eq).trim();
      if (attrName === '' || /[\s<>"']/.test(attrName)) throw new XmlSyntaxError('malformed attribute name', pos);
      let q = eq + 1;
      while (q < len && isWhitespace(source.charCodeAt(q))) q++;
      const quote = source[q];
      if (quote !== '"' && quote !== "'") throw new XmlSyntaxError('attribute value must be quoted', q);
      const close = source.indexOf(quote, q + 1);
      if (close === -1) throw new XmlSyntaxError('unterminated attribute value', q);
      const rawValue = source.slice(q + 1, close);
      if (rawValue.indexOf('<') !== -1) throw new XmlSyntaxError("'<' in attribute value", q);
      for (const [seen] of rawAttrs) if (seen === attrName) throw new XmlSyntaxError(`duplicate attribute ${attrName}`, pos);
      rawAttrs.push([attrName, decodeEntities(rawValue, q + 1)]);
      pos = close + 1;
    }

    if (++elementCount > limits.maxElements) throw new XmlSyntaxError(`more than ${limits.maxElements} elements`, pos);
    if (stack.length + 1 > limits.maxDepth) throw new XmlSyntaxError(`nesting deeper than ${limits.maxDepth}`, pos);
    if (!stack.length && root) throw new XmlSyntaxError('more than one root element', pos);

    const parentScope = stack.length ? stack[stack.length - 1].element.scope : ROOT_SCOPE;
    let scope: Map<string, string> | undefined;
    for (const [name, value] of rawAttrs) {
      if (name === 'xmlns') (scope ??= new Map(parentScope)).set('', value);
      else if (name.startsWith('xmlns:')) (scope ??= new Map(parentScope)).set(name.slice(6), value);
    }
    const elementScope: ReadonlyMap<string, string> = scope ?? parentScope;

    const attrs: XmlAttribute[] = [];
    for (const [name, value] of rawAttrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const colon = name.indexOf(':');
      if (colon === -1) {
        attrs.push({ ns: '', name, value });
      } else {
        const prefix = name.slice(0, colon);
        const ns = elementScope.get(prefix);
        if (ns === undefined) throw new XmlSyntaxError(`undeclared namespace prefix ${prefix}`, pos);
        attrs.push({ ns, name: name.slice(colon + 1), value });
      }
    }
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const ns = elementScope.get(prefix);
    if (ns === undefined) throw new XmlSyntaxError(`undeclared namespace prefix ${prefix}`, pos);
    const element: XmlElement = {
      ns,
      name: colon === -1 ? qname : qname.slice(colon + 1),
      attrs,
      children: [],
      text: '',
      scope: elementScope,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    if (!selfClosing) stack.push({ element, qname });
  }

  if (stack.length) throw new XmlSyntaxError(`unclosed element <${stack[stack.length - 1].qname}>`, len);
  if (!root) throw new XmlSyntaxError('no root element', len);
  return root;
}

export function attribute(element: XmlElement, ns: string, name: string): string | undefined {
  for (const a of element.attrs) if (a.name === name && a.ns === ns) return a.value;
  return undefined;
}

export function childrenNamed(element: XmlElement, ns: string, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && c.ns === ns);
}

export function firstChild(element: XmlElement, ns: string, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && c.ns === ns);
}

/** Resolves a QName-valued attribute ("xsd:int") to its namespace and local name. */
export function resolveQName(element: XmlElement, qname: string): { ns: string | undefined; prefix: string; name: string } {
  const colon = qname.indexOf(':');
  if (colon === -1) return { ns: element.scope.get(''), prefix: '', name: qname };
  const prefix = qname.slice(0, colon);
  return { ns: element.scope.get(prefix), prefix, name: qname.slice(colon + 1) };
}

export function escapeText(value: string): string {
  if (!/[<>&]/.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(value: string): string {
  if (!/[<>&"]/.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
