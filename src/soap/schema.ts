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
  /** The vim25 API version that added the field, when newer than its type (vte:since). */
  readonly since?: string;
}

export interface ComplexTypeDef {
  readonly name: string;
  readonly base: string | undefined;
  /** The vim25 API version that added the type (vte:since); undefined: as old as vim25. */
  readonly since?: string;
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
  'xsd:string',
  'xsd:boolean',
  'xsd:byte',
  'xsd:short',
  'xsd:int',
  'xsd:long',
  'xsd:float',
  'xsd:double',
  'xsd:dateTime',
  'xsd:base64Binary',
  'xsd:anyURI',
  'xsd:anyType',
]);

/** A complex type as declared: its base and its own fields, not yet flattened. */
interface DeclaredType {
  readonly base: string | undefined;
  readonly own: readonly FieldTuple[];
  readonly since: string | undefined;
}

/**
 * The complex types by name. Each is flattened (inherited fields, field index) the first time
 * it is asked for, not at start: the WSDL declares about 2,500 types and a run uses a few
 * dozen, and flattening them all was a fifth of the emulator's start-up. Iterating (tests, the
 * type generator) flattens them all, in declaration order.
 */
export class ComplexTypeTable extends Map<string, ComplexTypeDef> {
  /** A declaration, or the JSON text of its tuple until the type is first used (see schemaFromTablesText). */
  private readonly declared = new Map<string, DeclaredType | string>();
  private readonly flattened = new Map<string, ComplexTypeDef>();
  private readonly resolving = new Set<string>();
  private complete = false;

  declare(name: string, base: string | undefined, own: readonly FieldTuple[], since?: string): void {
    this.declared.set(name, { base, own, since });
  }

  /** Declares a type by its tuple's JSON text, read when the type is first used. */
  declareText(name: string, tupleJson: string): void {
    this.declared.set(name, tupleJson);
  }

  private declaration(name: string): DeclaredType | undefined {
    const entry = this.declared.get(name);
    if (typeof entry !== 'string') return entry;
    let tuple: ComplexTypeTuple;
    try {
      tuple = JSON.parse(entry) as ComplexTypeTuple;
    } catch (error) {
      throw new Error(
        `schema tables: the line for ${name} is not valid JSON (run npm run gen:schema): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const [declaredName, base, own, since] = tuple;
    if (declaredName !== name) throw new Error(`schema tables: the line for ${name} declares ${String(declaredName)}`);
    const parsed: DeclaredType = { base: base ?? undefined, own, since };
    this.declared.set(name, parsed);
    return parsed;
  }

  override get(name: string): ComplexTypeDef | undefined {
    return this.flattened.get(name) ?? (this.declared.has(name) ? this.flatten(name) : undefined);
  }

  override has(name: string): boolean {
    return this.declared.has(name);
  }

  override get size(): number {
    return this.declared.size;
  }

  override keys(): MapIterator<string> {
    return this.declared.keys();
  }

  override values(): MapIterator<ComplexTypeDef> {
    this.flattenAll();
    return super.values();
  }

  override entries(): MapIterator<[string, ComplexTypeDef]> {
    this.flattenAll();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, ComplexTypeDef]> {
    return this.entries();
  }

  override forEach(callback: (value: ComplexTypeDef, key: string, map: Map<string, ComplexTypeDef>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /** Declared names whose only field is an unbounded item, with no base: the ArrayOfX types, without flattening anything. */
  *arrayTypes(): Generator<[itemType: string, arrayType: string]> {
    for (const name of this.declared.keys()) {
      const declared = name.startsWith('ArrayOf') ? this.declaration(name) : undefined;
      if (declared && !declared.base && declared.own.length === 1 && declared.own[0][3] === 1) yield [declared.own[0][1], name];
    }
  }

  /** Flattens every type into the underlying Map, in declaration order. */
  private flattenAll(): void {
    if (!this.complete) {
      for (const name of this.declared.keys()) {
        const def = this.get(name);
        if (def) super.set(name, def);
      }
      this.complete = true;
    }
  }

  private flatten(name: string): ComplexTypeDef {
    const entry = this.declaration(name);
    if (!entry) throw new Error(`wsdl: unknown type ${name}`);
    if (this.resolving.has(name)) throw new Error(`wsdl: inheritance cycle at ${name}`);
    this.resolving.add(name);
    try {
      const own = entry.own.map(fromTuple);
      const inherited = entry.base ? this.baseOf(name, entry.base).fields : [];
      const fields = inherited.length ? [...inherited, ...own] : own;
      const isArray = name.startsWith('ArrayOf') && !entry.base && own.length === 1 && own[0].array;
      const def: ComplexTypeDef = {
        name,
        base: entry.base,
        ...(entry.since ? { since: entry.since } : {}),
        ownFields: own,
        fields,
        fieldByName: new Map(fields.map((f) => [f.name, f])),
        arrayItem: isArray ? own[0] : undefined,
      };
      this.flattened.set(name, def);
      return def;
    } finally {
      this.resolving.delete(name);
    }
  }

  private baseOf(name: string, base: string): ComplexTypeDef {
    if (!this.declared.has(base)) throw new Error(`wsdl: ${name} extends unknown type ${base}`);
    return this.flattened.get(base) ?? this.flatten(base);
  }
}

export class VimSchema implements TypeModel {
  readonly complexTypes = new ComplexTypeTable();
  readonly enums = new Map<string, ReadonlySet<string>>();
  readonly operations = new Map<string, OperationDef>();
  /** Every vim25 API version the WSDL's metadata knows, oldest first (vte:apiVersions). */
  apiVersions: readonly string[] = [];
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
        if (cursor === base) {
          known = true;
          break;
        }
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
    // Found when first asked for, not at start: reading the 900 ArrayOf declarations took 4 to 5
    // ms of every start (docs/performance.md, "Start-up"), and only arrays in xsd:anyType
    // positions (property values) ask.
    if (this.arrayTypes.size === 0) {
      for (const [item, arrayType] of this.complexTypes.arrayTypes()) this.arrayTypes.set(item, arrayType);
    }
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
  const field: FieldDef = {
    name,
    type: qnameToTypeName(element, type),
    optional: attribute(element, '', 'minOccurs') === '0',
    array: attribute(element, '', 'maxOccurs') === 'unbounded',
  };
  const since = attribute(element, VTE_NS, 'since');
  return since ? { ...field, since } : field;
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

/**
 * The WSDL's declarations as plain data, in WSDL order: what `npm run gen:schema` writes to
 * wsdl/vim-schema.json at build time, so a start reads a small JSON file instead of parsing
 * 380 kB of XML. Fields are [name, type, optional, array].
 */
export interface SchemaTables {
  readonly format: 2;
  /** vte:apiVersions: every vim25 API version, oldest first. */
  readonly apiVersions: readonly string[];
  /** `since` (vte:since) only where the WSDL has one. */
  readonly complexTypes: readonly ComplexTypeTuple[];
  readonly enums: readonly (readonly [name: string, values: readonly string[]])[];
  readonly operations: readonly (readonly [
    name: string,
    managedType: string,
    privilege: string | null,
    requestType: string,
    result: FieldTuple | null,
    faults: readonly string[],
  ])[];
}
type ComplexTypeTuple = readonly [name: string, base: string | null, own: readonly FieldTuple[], since?: string];
export type FieldTuple = readonly [name: string, type: string, optional: 0 | 1, array: 0 | 1, since?: string];

const toTuple = (f: FieldDef): FieldTuple =>
  f.since ? [f.name, f.type, f.optional ? 1 : 0, f.array ? 1 : 0, f.since] : [f.name, f.type, f.optional ? 1 : 0, f.array ? 1 : 0];
const fromTuple = ([name, type, optional, array, since]: FieldTuple): FieldDef => {
  const field: FieldDef = { name, type, optional: optional === 1, array: array === 1 };
  return since ? { ...field, since } : field;
};

/** Reads the declarations out of vim.wsdl's text (the slow part: a full XML parse). */
export function readWsdlTables(text: string, source = 'vim.wsdl'): SchemaTables {
  const root = parseXml(text, { maxDepth: 64, maxElements: 2_000_000 });
  const types = firstChild(root, WSDL_NS, 'types');
  const xsd = types && firstChild(types, XSD_NS, 'schema');
  if (!xsd) throw new Error(`${source}: no <types><schema>`);

  const complexTypes: SchemaTables['complexTypes'][number][] = [];
  const enums: [string, string[]][] = [];
  const elementTypes = new Map<string, string>();
  const anonymousElements = new Map<string, FieldDef[]>();
  for (const node of xsd.children) {
    const name = attribute(node, '', 'name');
    if (!name) continue;
    if (node.name === 'complexType') {
      const { base, own } = readComplexType(node, name);
      const since = attribute(node, VTE_NS, 'since');
      complexTypes.push(since ? [name, base ?? null, own.map(toTuple), since] : [name, base ?? null, own.map(toTuple)]);
    } else if (node.name === 'simpleType') {
      const restriction = firstChild(node, XSD_NS, 'restriction');
      enums.push([name, restriction ? childrenNamed(restriction, XSD_NS, 'enumeration').map((e) => attribute(e, '', 'value') ?? '') : []]);
    } else if (node.name === 'element') {
      const type = attribute(node, '', 'type');
      if (type) elementTypes.set(name, qnameToTypeName(node, type));
      else anonymousElements.set(name, readSequence(firstChild(node, XSD_NS, 'complexType')));
    }
  }

  const messages = new Map<string, string>();
  for (const message of childrenNamed(root, WSDL_NS, 'message')) {
    const part = firstChild(message, WSDL_NS, 'part');
    const element = part && attribute(part, '', 'element');
    if (element) messages.set(attribute(message, '', 'name') ?? '', element.slice(element.indexOf(':') + 1));
  }
  const portType = firstChild(root, WSDL_NS, 'portType');
  if (!portType) throw new Error(`${source}: no portType`);
  const declared = new Set(complexTypes.map(([name]) => name));
  const operations: SchemaTables['operations'][number][] = [];
  for (const op of childrenNamed(portType, WSDL_NS, 'operation')) {
    const name = attribute(op, '', 'name') ?? '';
    const managedType = attribute(op, VTE_NS, 'managedType');
    if (!managedType) throw new Error(`wsdl: operation ${name} has no vte:managedType`);
    const requestType = elementTypes.get(name);
    if (!requestType || !declared.has(requestType)) throw new Error(`wsdl: operation ${name} has no request element`);
    const responseFields = anonymousElements.get(`${name}Response`);
    if (!responseFields) throw new Error(`wsdl: operation ${name} has no response element`);
    const faults = childrenNamed(op, WSDL_NS, 'fault').map((f) => {
      const element = messages.get((attribute(f, '', 'message') ?? '').replace(/^.*:/, '')) ?? '';
      return elementTypes.get(element) ?? element.replace(/Fault$/, '');
    });
    const result = responseFields[0];
    operations.push([name, managedType, attribute(op, VTE_NS, 'privilege') ?? null, requestType, result ? toTuple(result) : null, faults]);
  }
  const apiVersions = (attribute(root, VTE_NS, 'apiVersions') ?? '').split(' ').filter(Boolean);
  return { format: 2, apiVersions, complexTypes, enums, operations };
}

/** Builds the type system and operation table from the tables (fast: no XML). */
export function schemaFromTables(tables: SchemaTables): VimSchema {
  if (tables.format !== 2) throw new Error(`schema tables: unknown format ${String(tables.format)} (run npm run gen:schema)`);
  const schema = new VimSchema();
  for (const [name, base, own, since] of tables.complexTypes) schema.complexTypes.declare(name, base ?? undefined, own, since);
  return completeSchema(schema, tables);
}

/** The sections of a tables file other than its complex types. */
type OtherTables = Pick<SchemaTables, 'apiVersions' | 'enums' | 'operations'>;

function completeSchema(schema: VimSchema, tables: OtherTables): VimSchema {
  schema.apiVersions = tables.apiVersions;
  for (const [name, values] of tables.enums) schema.enums.set(name, new Set(values));
  for (const [name, managedType, privilege, requestType, result, faults] of tables.operations) {
    const request = schema.complexTypes.get(requestType);
    if (!request) throw new Error(`schema tables: operation ${name} has no request type ${requestType}`);
    schema.operations.set(name, {
      name,
      managedType,
      privilege: privilege ?? undefined,
      params: request.fields.filter((f) => f.name !== '_this'),
      result: result ? fromTuple(result) : undefined,
      faults,
    });
  }
  return schema;
}

/** Parses the WSDL itself: for the generators and tests; the server uses loadCompiledSchema. */
export function loadSchema(wsdlPath: string): VimSchema {
  return schemaFromTables(readWsdlTables(readFileSync(wsdlPath, 'utf8'), wsdlPath));
}

/** The name of the tables file beside vim.wsdl. */
export const SCHEMA_TABLES_FILE = 'vim-schema.json';

/** The schema from the tables `npm run gen:schema` compiled from the WSDL (a unit test keeps them current). */
export function loadCompiledSchema(directory = wsdlDirectory()): VimSchema {
  const file = path.join(directory, SCHEMA_TABLES_FILE);
  return schemaFromTablesText(readFileSync(file, 'utf8'));
}

/**
 * The schema from a tables file's text. In the layout formatTables writes, one declaration a
 * line, each complex type's line is kept as text and parsed when the type is first used: a start
 * uses a few hundred of the 2,600 types, and parsing them all (and collecting the garbage) was
 * about 25 of the 36 ms the schema took in every start (docs/performance.md, "Start-up"). Any
 * other layout is parsed whole.
 */
export function schemaFromTablesText(text: string): VimSchema {
  const lines = text.split('\n');
  if (lines[1] !== '  "format": 2,' || !lines[2]?.startsWith('  "apiVersions": ') || lines[3] !== '  "complexTypes": [') {
    return schemaFromTables(JSON.parse(text) as SchemaTables);
  }
  const schema = new VimSchema();
  let i = 4;
  for (; i < lines.length && lines[i] !== '  ],'; i++) {
    const line = lines[i];
    const nameEnd = line.indexOf('"', 6);
    if (!line.startsWith('    ["') || nameEnd < 0) return schemaFromTables(JSON.parse(text) as SchemaTables);
    schema.complexTypes.declareText(line.slice(6, nameEnd), line.endsWith(',') ? line.slice(4, -1) : line.slice(4));
  }
  // What follows the complex types is small: parsed whole, as JSON with the types left out.
  const rest = JSON.parse(`{${lines[2]}${lines.slice(i + 1).join('\n')}`) as OtherTables;
  return completeSchema(schema, rest);
}

/** The tables file's text: one declaration a line, so a WSDL change shows as a readable diff. */
export function formatTables(tables: SchemaTables): string {
  const lines = (items: readonly unknown[]) => items.map((item) => `    ${JSON.stringify(item)}`).join(',\n');
  return `{\n  "format": 2,\n  "apiVersions": ${JSON.stringify(tables.apiVersions)},\n  "complexTypes": [\n${lines(tables.complexTypes)}\n  ],\n  "enums": [\n${lines(tables.enums)}\n  ],\n  "operations": [\n${lines(tables.operations)}\n  ]\n}\n`;
}

/** Finds wsdl/ whether running from src/ (tsx) or dist/src/ (compiled). */
export function wsdlDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../../wsdl'), path.resolve(here, '../../../wsdl')]) {
    if (existsSync(path.join(candidate, 'vim.wsdl'))) return candidate;
  }
  throw new Error('wsdl/vim.wsdl not found next to the sources');
}
