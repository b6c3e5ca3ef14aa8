// wsdl/managed-types.json, generated with the WSDL: for each ServiceContent property that refers
// to a managed object, that type's supertypes and properties. The server builds ServiceContent's
// managers from it, so their properties are the VMODL's, not a hand-kept list.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ManagedPropertyDef {
  readonly name: string;
  /** The WSDL type: "xsd:int", "ArrayOfManagedObjectReference", "EventDescription"… */
  readonly type: string;
  readonly optional: boolean;
}

export interface ManagedTypeDef {
  /** The type the ServiceContent property declares. */
  readonly type: string;
  /** The type and its managed supertypes, most derived first. */
  readonly typeChain: readonly string[];
  readonly properties: readonly ManagedPropertyDef[];
}

/** ServiceContent property name → the managed type it refers to. */
export type ServiceContentTypes = ReadonlyMap<string, ManagedTypeDef>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function propertyOf(value: unknown, where: string): ManagedPropertyDef {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.type !== 'string' || typeof value.optional !== 'boolean') {
    throw new Error(`${where}: expected {name, type, optional}`);
  }
  return { name: value.name, type: value.type, optional: value.optional };
}

export function parseManagedTypes(text: string, where: string): ServiceContentTypes {
  const doc: unknown = JSON.parse(text);
  const content = isRecord(doc) ? doc.serviceContent : undefined;
  if (!isRecord(content)) throw new Error(`${where}: no serviceContent object`);
  const types = new Map<string, ManagedTypeDef>();
  for (const [property, def] of Object.entries(content)) {
    const at = `${where}: serviceContent.${property}`;
    if (!isRecord(def) || typeof def.type !== 'string' || !isStringArray(def.typeChain) || !Array.isArray(def.properties)) {
      throw new Error(`${at}: expected {type, typeChain, properties}`);
    }
    types.set(property, { type: def.type, typeChain: def.typeChain, properties: def.properties.map((p, i) => propertyOf(p, `${at}.properties[${i}]`)) });
  }
  return types;
}

export function loadManagedTypes(wsdlDir: string): ServiceContentTypes {
  const file = path.join(wsdlDir, 'managed-types.json');
  return parseManagedTypes(readFileSync(file, 'utf8'), file);
}
