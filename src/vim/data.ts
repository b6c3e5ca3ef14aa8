// The vim25 data model as values: what the managed objects hold and what the codec reads and
// writes. Nothing here knows XML; the type names are the WSDL's.

export class ManagedObjectReference {
  constructor(
    readonly type: string,
    readonly value: string,
  ) {}
  toString(): string {
    return `${this.type}:${this.value}`;
  }
  equals(other: ManagedObjectReference | undefined): boolean {
    return other !== undefined && other.type === this.type && other.value === this.value;
  }
}

/** A data object: `_type` is its WSDL type name, every other key a field. */
export interface DataObject {
  readonly _type: string;
  readonly [field: string]: VimValue | undefined;
}

/**
 * A value whose type is not implied by where it sits (an xsd:anyType slot such as
 * TaskInfo.result or DynamicProperty.val): the WSDL type travels with it so that it is written
 * back exactly as it came ("xsd:int", "ArrayOfString", "TaskInfoState", ...).
 */
export class TypedValue {
  constructor(
    readonly type: string,
    readonly value: VimValue,
  ) {}
}

/** Content of an anyType element that carried no xsi:type; kept verbatim (already escaped XML). */
export class OpaqueXml {
  constructor(readonly xml: string) {}
}

// Arrays are readonly so that the generated types (vim-types.ts), whose arrays are readonly, fit.
export type VimValue = string | number | boolean | ManagedObjectReference | DataObject | TypedValue | OpaqueXml | readonly VimValue[];

export function isDataObject(value: VimValue | undefined): value is DataObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof ManagedObjectReference) &&
    !(value instanceof TypedValue) &&
    !(value instanceof OpaqueXml)
  );
}

export function dataObject(type: string, fields: Record<string, VimValue | undefined>): DataObject {
  const out: Record<string, VimValue> & { _type: string } = { _type: type };
  // for-in rather than Object.entries: no [key, value] pair per field (a TaskInfo has fifteen).
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The value ranges of the 32-bit-and-smaller XML Schema integer types (xsd:long is 64-bit: see each reader). */
export const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'xsd:byte': [-128, 127],
  'xsd:short': [-32768, 32767],
  'xsd:int': [-2147483648, 2147483647],
};

/** What the managed objects need to know about the WSDL type system (implemented by the codec). */
export interface TypeModel {
  isSubtypeOf(type: string, base: string): boolean;
  hasType(type: string): boolean;
  /** The declared type of a field, with its cardinality; undefined when the type has no such field. */
  fieldOf(type: string, field: string): { type: string; array: boolean } | undefined;
  /** The WSDL type that holds an array of `itemType` ("ArrayOfString" for xsd:string). */
  arrayTypeOf(itemType: string): string;
  /** What sort of type a name is; undefined when the WSDL does not define it. */
  kindOf(type: string): TypeKind | undefined;
  /** The allowed values of an enum type. */
  enumValues(type: string): ReadonlySet<string> | undefined;
  /** For ArrayOfX types: the item type. */
  arrayItemOf(type: string): string | undefined;
}

export type TypeKind = 'primitive' | 'enum' | 'moref' | 'array' | 'data';
