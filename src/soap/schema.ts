// The vim25 type system and operation table, loaded once from wsdl/vim.wsdl. Everything the
// codec and dispatcher know about types and operations comes from here, so the WSDL we serve
// and the wire we speak cannot drift apart.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { TypeKind, TypeModel } from '../vim/data.js';
import { attribute, childrenNamed, firstChild, parseXml, XSD_NS, type XmlElement } from './xml-reader.js';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const VTE_NS = 'urn:vtask-emulator';
export const VIM25_NS = 'urn:vim25';

export interface FieldDef {
  readonly name: string;
  /** "xsd:int", "xsd:anyType", or a vim25 type name ("TaskInfo", "ManagedObjectReference"). */
  readonly type: string;
  readonly optional: boolean;
  readonly array: boolean;
}

export interface ComplexTypeDef {
  readonly name: string;
  readonly base: string | undefined;
  readonly ownFields: readonly FieldDef[];
  /** Inherited fields first, in WSDL order. */
  readonly fields: readonly FieldDef[];
  readonly fieldByName: ReadonlyMap<string, FieldDef>;
  /** Set for ArrayOfX types: the item element. */
  readonly arrayItem: FieldDef | undefined;
}

export interface OperationDef {
  readonly name: string;
  readonly managedType: string;
  readonly privilege: string | undefined;
  readonly params: readonly FieldDef[];
  readonly result: FieldDef | undefined;
  readonly faults: readonly string[];
}

export const PRIMITIVES = new Set([
  'xsd:string', 'xsd:boolean', 'xsd:byte', 'xsd:short', 'xsd:int', 'xsd:long', 'xsd:float', 'xsd:double',
  'xsd:dateTime', 'xsd:base64Binary', 'xsd:anyURI', 'xsd:anyType',
]);

export class VimSchema implements TypeModel {
  readonly complexTypes = new Map<string, ComplexTypeDef>();
  readonly enums = new Map<string, ReadonlySet<string>>();
  readonly operations = new Map<string, OperationDef>();
  private readonly subtypeCache = new Map<string, boolean>();
  private readonly arrayTypes = new Map<string, string>();

  isSubtypeOf(type: string, base: string): boolean {
    if (type === base) return true;
    const key = `${type}\u0000${base}`;
    let known = this.subtypeCache.get(key);
    if (known === undefined) {
      let cursor = this.complexTypes.get(type)?.base;
      known = false;
      while (cursor) {
        if (cursor === base) { known = true; break; }
        cursor = this.complexTypes.get(cursor)?.base;
      }
      this.subtypeCache.set(key, known);
    }
    return known;
  }

  hasType(type: string): boolean {
    return this.complexTypes.has(type) || this.enums.has(type) || PRIMITIVES.has(type);
  }

  fieldOf(type: string, field: string): { type: string; array: boolean } | undefined {
    return this.complexTypes.get(type)?.fieldByName.get(field);
  }

  arrayTypeOf(itemType: string): string {
    const known = this.arrayTypes.get(itemType);
    if (known) return known;
    throw new Error(`no ArrayOf type for ${itemType} in wsdl/`);
  }

  kindOf(type: string): TypeKind | undefined {
    if (PRIMITIVES.has(type)) return 'primitive';
    if (this.enums.has(type)) return 'enum';
    if (type === 'ManagedObjectReference') return 'moref';
    const def = this.complexTypes.get(type);
    if (!def) return undefined;
    return def.arrayItem ? 'array' : 'data';
  }

  enumValues(type: string): ReadonlySet<string> | undefined {
    return this.enums.get(type);
  }

  arrayItemOf(type: string): string | undefined {
    return this.complexTypes.get(type)?.arrayItem?.type;
  }

  /** Builds the lookup tables once all declarations are read. */
  finish(): void {
    for (const def of this.complexTypes.values()) {
      if (def.arrayItem) this.arrayTypes.set(def.arrayItem.type, def.name);
    }
  }
}

function qnameToTypeName(element: XmlElement, qname: string): string {
  const colon = qname.indexOf(':');
  if (colon === -1) return qname;
  const ns = element.scope.get(qname.slice(0, colon));
  const local = qname.slice(colon + 1);
  return ns === XSD_NS ? `xsd:${local}` : local;
}

function readField(element: XmlElement): FieldDef {
  const name = attribute(element, '', 'name');
  const type = attribute(element, '', 'type');
  if (!name || !type) throw new Error(`wsdl: element without name or type`);
  return {
    name,
    type: qnameToTypeName(element, type),
    optional: attribute(element, '', 'minOccurs') === '0',
    array: attribute(element, '', 'maxOccurs') === 'unbounded',
  };
}

function readSequence(container: XmlElement | undefined): FieldDef[] {
  const sequence = container && firstChild(container, XSD_NS, 'sequence');
  return sequence ? childrenNamed(sequence, XSD_NS, 'element').map(readField) : [];
}

function readComplexType(node: XmlElement, name: string): { base: string | undefined; own: FieldDef[] } {
  const complexContent = firstChild(node, XSD_NS, 'complexContent');
  const simpleContent = firstChild(node, XSD_NS, 'simpleContent');
  const content = complexContent ?? simpleContent;
  const extension = content && firstChild(content, XSD_NS, 'extension');
  if (simpleContent) return { base: undefined, own: [] };
  if (extension) {
    const base = attribute(extension, '', 'base');
    if (!base) throw new Error(`wsdl: ${name} extends nothing`);
    return { base: qnameToTypeName(extension, base), own: readSequence(extension) };
  }
  return { base: undefined, own: readSequence(node) };
}

function flatten(schema: VimSchema, raw: Map<string, { base: string | undefined; own: FieldDef[] }>): void {
  const resolving = new Set<string>();
  const resolve = (name: string): ComplexTypeDef => {
    const done = schema.complexTypes.get(name);
    if (done) return done;
    const entry = raw.get(name);
    if (!entry) throw new Error(`wsdl: unknown type ${name}`);
    if (resolving.has(name)) throw new Error(`wsdl: inheritance cycle at ${name}`);
    resolving.add(name);
    const inherited = entry.base ? resolve(entry.base).fields : [];
    const fields = [...inherited, ...entry.own];
    const isArray = name.startsWith('ArrayOf') && !entry.base && entry.own.length === 1 && entry.own[0].array;
    const def: ComplexTypeDef = {
      name,
      base: entry.base,
      ownFields: entry.own,
      fields,
      fieldByName: new Map(fields.map((f) => [f.name, f])),
      arrayItem: isArray ? entry.own[0] : undefined,
    };
    schema.complexTypes.set(name, def);
    return def;
  };
  for (const name of raw.keys()) resolve(name);
}

export function loadSchema(wsdlPath: string): VimSchema {
  const root = parseXml(readFileSync(wsdlPath, 'utf8'), { maxDepth: 64, maxElements: 2_000_000 });
  const schema = new VimSchema();
  const types = firstChild(root, WSDL_NS, 'types');
  const xsd = types && firstChild(types, XSD_NS, 'schema');
  if (!xsd) throw new Error(`${wsdlPath}: no <types><schema>`);

  const raw = new Map<string, { base: string | undefined; own: FieldDef[] }>();
  const elementTypes = new Map<string, string>();
  const anonymousElements = new Map<string, FieldDef[]>();
  for (const node of xsd.children) {
    const name = attribute(node, '', 'name');
    if (!name) continue;
    if (node.name === 'complexType') {
      raw.set(name, readComplexType(node, name));
    } else if (node.name === 'simpleType') {
      const restriction = firstChild(node, XSD_NS, 'restriction');
      const values = restriction ? childrenNamed(restriction, XSD_NS, 'enumeration').map((e) => attribute(e, '', 'value') ?? '') : [];
      schema.enums.set(name, new Set(values));
    } else if (node.name === 'element') {
      const type = attribute(node, '', 'type');
      if (type) elementTypes.set(name, qnameToTypeName(node, type));
      else anonymousElements.set(name, readSequence(firstChild(node, XSD_NS, 'complexType')));
    }
  }
  flatten(schema, raw);
  schema.finish();

  const messages = new Map<string, string>();
  for (const message of childrenNamed(root, WSDL_NS, 'message')) {
    const part = firstChild(message, WSDL_NS, 'part');
    const element = part && attribute(part, '', 'element');
    if (element) messages.set(attribute(message, '', 'name') ?? '', element.slice(element.indexOf(':') + 1));
  }
  const portType = firstChild(root, WSDL_NS, 'portType');
  if (!portType) throw new Error(`${wsdlPath}: no portType`);
  for (const op of childrenNamed(portType, WSDL_NS, 'operation')) {
    const name = attribute(op, '', 'name') ?? '';
    const managedType = attribute(op, VTE_NS, 'managedType');
    if (!managedType) throw new Error(`wsdl: operation ${name} has no vte:managedType`);
    const requestType = elementTypes.get(name);
    const request = requestType && schema.complexTypes.get(requestType);
    if (!request) throw new Error(`wsdl: operation ${name} has no request element`);
    const responseFields = anonymousElements.get(`${name}Response`);
    if (!responseFields) throw new Error(`wsdl: operation ${name} has no response element`);
    const faults = childrenNamed(op, WSDL_NS, 'fault').map((f) => {
      const element = messages.get((attribute(f, '', 'message') ?? '').replace(/^.*:/, '')) ?? '';
      return elementTypes.get(element) ?? element.replace(/Fault$/, '');
    });
    schema.operations.set(name, {
      name,
      managedType,
      privilege: attribute(op, VTE_NS, 'privilege'),
      params: request.fields.filter((f) => f.name !== '_this'),
      result: responseFields[0],
      faults,
    });
  }
  return schema;
}

/** Finds wsdl/ whether running from src/ (tsx) or dist/src/ (compiled). */
export function wsdlDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../../wsdl'), path.resolve(here, '../../../wsdl')]) {
    if (existsSync(path.join(candidate, 'vim.wsdl'))) return candidate;
  }
  throw new Error('wsdl/vim.wsdl not found next to the sources');
}
