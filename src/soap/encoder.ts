// Writes vim25 values as XML, in WSDL field order, with xsi:type wherever the value's type is
// not the one its slot declares (the rule both pyVmomi and govmomi rely on).

import { ManagedObjectReference, OpaqueXml, TypedValue, isDataObject, type DataObject, type VimValue } from '../vim/data.js';
import type { FieldDef, VimSchema } from './schema.js';
import { PRIMITIVES } from './schema.js';
import { escapeAttribute, escapeText } from './xml-reader.js';

export class EncodeError extends Error {}

export class Encoder {
  constructor(private readonly schema: VimSchema) {}

  field(field: FieldDef, value: VimValue | undefined): string {
    if (value === undefined) return '';
    if (field.array && Array.isArray(value)) {
      let out = '';
      for (const item of value) out += this.element(field.name, field.type, item);
      return out;
    }
    return this.element(field.name, field.type, value);
  }

  element(name: string, staticType: string, value: VimValue): string {
    if (staticType === 'xsd:anyType') return this.anyElement(name, value);
    if (value instanceof ManagedObjectReference) {
      return `<${name} type="${escapeAttribute(value.type)}">${escapeText(value.value)}</${name}>`;
    }
    if (PRIMITIVES.has(staticType) || this.schema.enums.has(staticType)) {
      return `<${name}>${formatPrimitive(staticType, value)}</${name}>`;
    }
    if (Array.isArray(value)) {
      const item = this.schema.complexTypes.get(staticType)?.arrayItem;
      if (!item) throw new EncodeError(`an array cannot be written as ${staticType}`);
      return `<${name}>${this.items(item, value)}</${name}>`;
    }
    if (isDataObject(value)) {
      const xsi = value._type === staticType ? '' : ` xsi:type="${value._type}"`;
      return `<${name}${xsi}>${this.fields(value)}</${name}>`;
    }
    if (value instanceof OpaqueXml) return `<${name}>${value.xml}</${name}>`;
    throw new EncodeError(`cannot write ${typeof value} as ${staticType}`);
  }

  /** The fields of a data object, inherited ones first. */
  fields(value: DataObject): string {
    const def = this.schema.complexTypes.get(value._type);
    if (!def) throw new EncodeError(`unknown data type ${value._type}`);
    let out = '';
    for (const field of def.fields) {
      const fieldValue = value[field.name];
      if (fieldValue !== undefined) out += this.field(field, fieldValue);
    }
    return out;
  }

  private items(item: FieldDef, values: readonly VimValue[]): string {
    let out = '';
    for (const v of values) out += this.element(item.name, item.type, v);
    return out;
  }

  private anyElement(name: string, value: VimValue): string {
    if (value instanceof TypedValue) {
      const inner = value.value;
      if (Array.isArray(inner)) {
        const item = this.schema.complexTypes.get(value.type)?.arrayItem;
        if (!item) throw new EncodeError(`${value.type} is not an array type`);
        return `<${name} xsi:type="${value.type}">${this.items(item, inner)}</${name}>`;
      }
      if (inner instanceof ManagedObjectReference || isDataObject(inner)) return this.anyElement(name, inner);
      return `<${name} xsi:type="${value.type}">${formatPrimitive(value.type, inner)}</${name}>`;
    }
    if (value instanceof ManagedObjectReference) {
      return `<${name} xsi:type="ManagedObjectReference" type="${escapeAttribute(value.type)}">${escapeText(value.value)}</${name}>`;
    }
    if (isDataObject(value)) return `<${name} xsi:type="${value._type}">${this.fields(value)}</${name}>`;
    if (value instanceof OpaqueXml) return `<${name}>${value.xml}</${name}>`;
    if (typeof value === 'string') return `<${name} xsi:type="xsd:string">${escapeText(value)}</${name}>`;
    if (typeof value === 'boolean') return `<${name} xsi:type="xsd:boolean">${value}</${name}>`;
    if (typeof value === 'number') {
      const type = Number.isInteger(value) ? 'xsd:int' : 'xsd:double';
      return `<${name} xsi:type="${type}">${formatPrimitive(type, value)}</${name}>`;
    }
    throw new EncodeError('an untyped array cannot be written as xsd:anyType');
  }
}

function formatPrimitive(type: string, value: VimValue): string {
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    if (Number.isNaN(value)) return 'NaN';
    return value > 0 ? 'INF' : '-INF';
  }
  throw new EncodeError(`cannot write a structured value as ${type}`);
}
