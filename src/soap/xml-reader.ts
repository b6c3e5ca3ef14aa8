// A single-pass, namespace-resolving XML reader for SOAP envelopes and our own WSDL.
// It is deliberately small: no DTDs (refused before anything is expanded), only the five
// predefined entities and character references, and hard limits on depth, element count and
// attributes, so hostile input costs at most one linear scan.

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
  readonly children: readonly XmlElement[];
  /** Direct character content, concatenated (text between child elements included). */
  text: string;
  /** prefix → namespace URI in scope at this element ('' is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  /** Attributes (namespace declarations included) on one element; absent: no limit (trusted input such as our WSDL). */
  maxAttributesPerElement?: number;
  /** Attributes in the whole document; absent: no limit. */
  maxAttributes?: number;
}

/**
 * Request limits. No vim25 element carries more than a handful of attributes (an Envelope with
 * its namespace declarations, an xsi:type, a reference's type), so 256 per element is far above
 * any client; 200,000 per request lets every one of the 100,000 elements carry the two a vim25
 * element ever has (xsi:type and type, as a reference in an anyType slot does).
 */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 100_000, maxAttributesPerElement: 256, maxAttributes: 200_000 };

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlSyntaxError';
  }
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([
  ['xml', XML_NS],
  ['', ''],
]);

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
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  if (ref.startsWith('#')) {
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (
      !Number.isFinite(code) ||
      code <= 0 ||
      code > 0x10ffff ||
      (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffe ||
      code === 0xffff
    ) {
      throw new XmlSyntaxError(`invalid character reference &${ref};`, offset);
    }
    return String.fromCodePoint(code);
  }
  throw new XmlSyntaxError(`undeclared entity &${ref};`, offset);
}

/** Up to this many names (declarations, attributes) are compared one by one; more go in a Map or Set. */
const SCAN_DECLARATIONS = 8;

/**
 * The namespaces in scope at an element: its own declarations over its parent's scope. Chained
 * rather than copied: nearly every request declares namespaces on two elements (the Envelope
 * and the operation), and copying a Map for each was a third of the parse. Lookups walk the
 * chain; iterating (which nothing on the request path does) sees exactly what a copied Map would
 * show: the parent's entries in their order, redeclared prefixes in place, new ones after.
 */
class NamespaceScope implements ReadonlyMap<string, string> {
  private flat: Map<string, string> | undefined;

  /** An element's own declarations by prefix, when it has too many to look through one by one. */
  private readonly own: Map<string, string> | undefined;

  constructor(
    private readonly parent: ReadonlyMap<string, string>,
    private readonly prefixes: readonly string[],
    private readonly uris: readonly string[],
  ) {
    // Every lookup passes each ancestor's declarations: a scan of hundreds per ancestor, for
    // every element and attribute below, was work growing with the square of the input.
    if (prefixes.length > SCAN_DECLARATIONS) {
      this.own = new Map();
      for (let i = 0; i < prefixes.length; i++) this.own.set(prefixes[i], uris[i]);
    }
  }

  get(prefix: string): string | undefined {
    if (this.own) return this.own.get(prefix) ?? this.parent.get(prefix);
    // From the end: of two declarations of one prefix on an element ('xmlns' and 'xmlns:'), the later wins.
    for (let i = this.prefixes.length - 1; i >= 0; i--) if (this.prefixes[i] === prefix) return this.uris[i];
    return this.parent.get(prefix);
  }

  has(prefix: string): boolean {
    return this.get(prefix) !== undefined;
  }

  get size(): number {
    return this.materialized().size;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.materialized()) callback.call(thisArg, value, key, this);
  }

  entries(): ReturnType<Map<string, string>['entries']> {
    return this.materialized().entries();
  }

  keys(): ReturnType<Map<string, string>['keys']> {
    return this.materialized().keys();
  }

  values(): ReturnType<Map<string, string>['values']> {
    return this.materialized().values();
  }

  [Symbol.iterator](): ReturnType<Map<string, string>['entries']> {
    return this.materialized().entries();
  }

  private materialized(): Map<string, string> {
    if (!this.flat) {
      const flat = new Map(this.parent);
      for (let i = 0; i < this.prefixes.length; i++) flat.set(this.prefixes[i], this.uris[i]);
      this.flat = flat;
    }
    return this.flat;
  }
}

/** An element without attributes shares this (attrs is read-only to every consumer). */
const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);
/** A leaf element shares this; its first child replaces it with an array of its own. */
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/** An element while it is being read: its children array is replaced or grown as they arrive. */
interface OpenElement extends XmlElement {
  children: XmlElement[];
}

/**
 * Scratch space every parse of one reader reuses (parsing is synchronous and never re-entered):
 * an attribute list and the stack of open elements. A request has a handful of elements, and
 * arrays made per element and grown by push were most of what a parse allocated (3.9 KB → 1.5 KB
 * per UpdateProgress request, the UpdateProgress figure of `npm run bench`). Each emulator owns
 * its reader, so nothing is shared between emulators.
 */
class Scratch {
  readonly attrNames: string[] = [];
  readonly attrValues: string[] = [];
  readonly open: (OpenElement | undefined)[] = [];
  readonly openNames: string[] = [];
  /** How much of the scratch lists the current parse has filled, so that only that is cleared. */
  readonly used = { depth: 0, attributes: 0 };

  /** The open element at `index`; it is there by construction (the stack grows before it is read). */
  element(index: number, offset: number): OpenElement {
    const element = this.open[index];
    if (!element) throw new XmlSyntaxError('internal: no open element', offset);
    return element;
  }

  /**
   * Keeps the lists' size but not the document: a kept slice of it would keep all of it alive.
   * Both are bounded (by the depth limit, and by the widest element seen, which is cut back if
   * an odd document made it large).
   */
  clear(): void {
    for (let i = 0; i < this.used.depth; i++) {
      this.open[i] = undefined;
      this.openNames[i] = '';
    }
    if (this.used.attributes > 64) this.attrNames.length = this.attrValues.length = 0;
    else for (let i = 0; i < this.used.attributes; i++) this.attrNames[i] = this.attrValues[i] = '';
    this.used.depth = this.used.attributes = 0;
  }
}

/**
 * Whether a character ends an element name: JavaScript's \s (what /[\s/>=]/ matched when this
 * was a regular expression), '/', '>' or '='. A character test instead of a regex over a
 * 256-character slice: start tags are the most frequent thing a request contains.
 */
function isNameEnd(code: number): boolean {
  if (code < 0x80) return code === 0x20 || code === 0x2f || code === 0x3e || code === 0x3d || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

const BAD_ATTRIBUTE_NAME = /[\s<>"']/;

/** Characters XML 1.0 does not allow anywhere in a document (controls, U+FFFE/FFFF, lone surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters XML forbids
const ILLEGAL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A reader with its own scratch space, for documents read over and over (SOAP requests). */
export class XmlReader {
  private readonly scratch = new Scratch();

  constructor(readonly limits: XmlLimits = DEFAULT_XML_LIMITS) {}

  /** Parses a whole document and returns its root element. */
  parse(source: string): XmlElement {
    const illegal = ILLEGAL_CHARACTER.exec(source);
    if (illegal)
      throw new XmlSyntaxError(`character U+${illegal[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, illegal.index);
    try {
      return parseDocument(source, this.limits, this.scratch);
    } finally {
      this.scratch.clear();
    }
  }
}

/** Parses a whole document once (the WSDL, tests); a SOAP endpoint keeps an XmlReader instead. */
export function parseXml(source: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return new XmlReader(limits).parse(source);
}

function parseDocument(source: string, limits: XmlLimits, scratch: Scratch): XmlElement {
  const { attrNames, attrValues, open, openNames, used: scratchUsed } = scratch;
  const len = source.length;
  let pos = 0;
  let elementCount = 0;
  let attributeCount = 0;
  const maxPerElement = limits.maxAttributesPerElement ?? Infinity;
  const maxAttributes = limits.maxAttributes ?? Infinity;
  let root: XmlElement | undefined;
  // open[0..depth) holds the open elements and, in step, openNames the qualified names their
  // end tags must repeat.
  let depth = 0;

  if (source.charCodeAt(0) === 0xfeff) pos = 1;

  while (pos < len) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) {
      const raw = source.slice(pos, textEnd);
      if (depth) {
        scratch.element(depth - 1, pos).text += decodeEntities(raw, pos);
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
        if (!depth) throw new XmlSyntaxError('CDATA outside the root element', pos);
        scratch.element(depth - 1, pos).text += source.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (source.startsWith('<!DOCTYPE', pos) || source.startsWith('<!ENTITY', pos)) {
        throw new XmlSyntaxError('DOCTYPE and entity declarations are not allowed', pos);
      }
      throw new XmlSyntaxError('unexpected markup declaration', pos);
    }
    if (next === 0x2f /* / */) {
      // Fast path: "</" + the open element's exact name + ">". Names never contain '>' or
      // whitespace, so this is the case the general path below would also accept.
      if (depth) {
        const expected = openNames[depth - 1];
        const close = pos + 2 + expected.length;
        if (source.charCodeAt(close) === 0x3e /* > */ && source.startsWith(expected, pos + 2)) {
          depth--;
          pos = close + 1;
          continue;
        }
      }
      const end = source.indexOf('>', pos + 2);
      if (end === -1) throw new XmlSyntaxError('unterminated end tag', pos);
      const qname = source.slice(pos + 2, end).trim();
      if (!depth || openNames[depth - 1] !== qname) throw new XmlSyntaxError(`mismatched end tag </${qname}>`, pos);
      depth--;
      pos = end + 1;
      continue;
    }

    // Start tag. A name is cut at 256 characters at most (longer ones are not vim25 names).
    pos += 1;
    const nameLimit = Math.min(pos + 256, len);
    let nameEnd = pos;
    while (nameEnd < nameLimit && !isNameEnd(source.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === pos) throw new XmlSyntaxError('missing element name', pos);
    const qname = source.slice(pos, nameEnd);
    pos = nameEnd;

    // Attributes in document order, in the scratch lists. Duplicates are found by comparing with
    // each earlier name while there are few, and with a Set beyond that: comparing each with
    // every earlier one froze the server for most of a minute on one element of 160,000.
    let attrCount = 0;
    let seen: Set<string> | undefined;
    let selfClosing = false;
    for (;;) {
      while (pos < len && isWhitespace(source.charCodeAt(pos))) pos++;
      if (pos >= len) throw new XmlSyntaxError('unterminated start tag', pos);
      const c = source.charCodeAt(pos);
      if (c === 0x3e /* > */) {
        pos++;
        break;
      }
      if (c === 0x2f /* / */) {
        if (source.charCodeAt(pos + 1) !== 0x3e) throw new XmlSyntaxError('malformed empty-element tag', pos);
        pos += 2;
        selfClosing = true;
        break;
      }
      const eq = source.indexOf('=', pos);
      if (eq === -1) throw new XmlSyntaxError('attribute without value', pos);
      const attrName = source.slice(pos, eq).trim();
      if (attrName === '' || BAD_ATTRIBUTE_NAME.test(attrName)) throw new XmlSyntaxError('malformed attribute name', pos);
      let q = eq + 1;
      while (q < len && isWhitespace(source.charCodeAt(q))) q++;
      const quote = source.charCodeAt(q);
      if (quote !== 0x22 /* " */ && quote !== 0x27 /* ' */) throw new XmlSyntaxError('attribute value must be quoted', q);
      const close = source.indexOf(quote === 0x22 ? '"' : "'", q + 1);
      if (close === -1) throw new XmlSyntaxError('unterminated attribute value', q);
      const rawValue = source.slice(q + 1, close);
      if (rawValue.indexOf('<') !== -1) throw new XmlSyntaxError("'<' in attribute value", q);
      if (attrCount >= maxPerElement) throw new XmlSyntaxError(`more than ${maxPerElement} attributes on one element`, pos);
      if (++attributeCount > maxAttributes) throw new XmlSyntaxError(`more than ${maxAttributes} attributes`, pos);
      if (seen) {
        if (seen.has(attrName)) throw new XmlSyntaxError(`duplicate attribute ${attrName}`, pos);
        seen.add(attrName);
      } else {
        for (let i = 0; i < attrCount; i++) if (attrNames[i] === attrName) throw new XmlSyntaxError(`duplicate attribute ${attrName}`, pos);
        if (attrCount === SCAN_DECLARATIONS) {
          seen = new Set([attrName]);
          for (let i = 0; i < attrCount; i++) seen.add(attrNames[i]);
        }
      }
      attrNames[attrCount] = attrName;
      attrValues[attrCount] = decodeEntities(rawValue, q + 1);
      attrCount++;
      if (attrCount > scratchUsed.attributes) scratchUsed.attributes = attrCount;
      pos = close + 1;
    }

    if (++elementCount > limits.maxElements) throw new XmlSyntaxError(`more than ${limits.maxElements} elements`, pos);
    if (depth + 1 > limits.maxDepth) throw new XmlSyntaxError(`nesting deeper than ${limits.maxDepth}`, pos);
    if (!depth && root) throw new XmlSyntaxError('more than one root element', pos);

    const parent = depth ? open[depth - 1] : undefined;
    const parentScope = parent ? parent.scope : ROOT_SCOPE;
    let elementScope: ReadonlyMap<string, string> = parentScope;
    let attrs = NO_ATTRIBUTES;
    if (attrCount) {
      // Declarations first (they may follow the attributes that use them), then the rest. The
      // kept arrays start at their first item's size: most elements have one of each at most.
      let declarations: { prefixes: string[]; uris: string[] } | undefined;
      for (let i = 0; i < attrCount; i++) {
        const name = attrNames[i];
        const declared = name === 'xmlns' ? '' : name.startsWith('xmlns:') ? name.slice(6) : undefined;
        if (declared === undefined) continue;
        if (declarations) {
          declarations.prefixes.push(declared);
          declarations.uris.push(attrValues[i]);
        } else {
          declarations = { prefixes: [declared], uris: [attrValues[i]] };
        }
      }
      if (declarations) elementScope = new NamespaceScope(parentScope, declarations.prefixes, declarations.uris);
      let list: XmlAttribute[] | undefined;
      for (let i = 0; i < attrCount; i++) {
        const name = attrNames[i];
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const colon = name.indexOf(':');
        let attribute: XmlAttribute;
        if (colon === -1) {
          attribute = { ns: '', name, value: attrValues[i] };
        } else {
          const prefix = name.slice(0, colon);
          const ns = elementScope.get(prefix);
          if (ns === undefined) throw new XmlSyntaxError(`undeclared namespace prefix ${prefix}`, pos);
          attribute = { ns, name: name.slice(colon + 1), value: attrValues[i] };
        }
        if (list) list.push(attribute);
        else list = [attribute];
      }
      if (list) attrs = list;
    }
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const ns = elementScope.get(prefix);
    if (ns === undefined) throw new XmlSyntaxError(`undeclared namespace prefix ${prefix}`, pos);
    const element: OpenElement = {
      ns,
      name: colon === -1 ? qname : qname.slice(colon + 1),
      attrs,
      children: NO_CHILDREN as XmlElement[],
      text: '',
      scope: elementScope,
    };
    if (!parent) root = element;
    else if (parent.children === NO_CHILDREN) parent.children = [element];
    else parent.children.push(element);
    if (!selfClosing) {
      open[depth] = element;
      openNames[depth] = qname;
      depth++;
      if (depth > scratchUsed.depth) scratchUsed.depth = depth;
    }
  }

  if (depth) throw new XmlSyntaxError(`unclosed element <${openNames[depth - 1]}>`, len);
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

// A raw CR would reach the client as LF (XML end-of-line handling), and raw tabs and newlines
// in attributes as spaces, so those go out as character references.
export function escapeText(value: string): string {
  if (!/[<>&\r]/.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function escapeAttribute(value: string): string {
  if (!/[<>&"\r\n\t]/.test(value)) return value;
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}
