// Writes vim25 values as XML, in WSDL field order, with xsi:type wherever the value's type is
// not the one its slot declares (the rule both pyVmomi and govmomi rely on).

import { ManagedObjectReference, OpaqueXml, TypedValue, isDataObject, type DataObject, type VimValue } from '../vim/data.js';
import type { FieldDef, VimSchema } from './schema.js';
import { PRIMITIVES } from './schema.js';
import { faultEnvelope, operationResponse } from './envelope.js';
import { escapeAttribute, escapeText } from './xml-reader.js';

export class EncodeError extends Error {}

/**
 * Everything about one element slot (a field, or an array's item) that does not depend on the
 * value written into it, worked out once per WSDL field instead of on every call: whether the
 * slot is xsd:anyType or a primitive/enum, the array item of its type, and its tags.
 */
interface Slot {
  readonly name: string;
  readonly type: string;
  readonly array: boolean;
  readonly any: boolean;
  readonly primitive: boolean;
  readonly arrayItem: FieldDef | undefined;
  readonly open: string;
  readonly close: string;
}

export class Encoder {
  private readonly slots = new WeakMap<FieldDef, Slot>();
  /** Type name → its fields' slots, inherited ones first. */
  private readonly plans = new Map<string, readonly Slot[]>();
  /**
   * The last data object written in an anyType slot and its fields' XML (see anyFields): one
   * change that wakes 1,000 waiters is encoded once, not 1,000 times ("WaitForUpdatesEx: 1000
   * clients" in `npm run bench`).
   */
  private lastAnyValue: DataObject | undefined;
  private lastAnyFields = '';

  constructor(private readonly schema: VimSchema) {}

  field(field: FieldDef, value: VimValue | undefined): string {
    if (value === undefined) return '';
    return this.write(this.slotOf(field), value);
  }

  /** The SOAP answer to `operation`, whose result slot is `result` (undefined: it returns nothing). */
  response(operation: string, result: FieldDef | undefined, value: VimValue | undefined): string {
    return operationResponse(operation, result && value !== undefined ? this.field(result, value) : '');
  }

  /** The SOAP fault answer for a fault object. */
  fault(fault: DataObject, faultString: string): string {
    return faultEnvelope(fault._type, faultString, this.fields(fault));
  }

  /** The fields of a data object, inherited ones first. */
  fields(value: DataObject): string {
    let plan = this.plans.get(value._type);
    if (!plan) {
      const def = this.schema.complexTypes.get(value._type);
      if (!def) throw new EncodeError(`unknown data type ${value._type}`);
      plan = def.fields.map((f) => this.slotOf(f));
      this.plans.set(value._type, plan);
    }
    let out = '';
    for (const slot of plan) {
      const fieldValue = value[slot.name];
      if (fieldValue !== undefined) out += this.write(slot, fieldValue);
    }
    return out;
  }

  private slotOf(field: FieldDef): Slot {
    let slot = this.slots.get(field);
    if (!slot) this.slots.set(field, (slot = this.makeSlot(field.name, field.type, field.array)));
    return slot;
  }

  private makeSlot(name: string, type: string, array: boolean): Slot {
    return {
      name,
      type,
      array,
      any: type === 'xsd:anyType',
      primitive: PRIMITIVES.has(type) || this.schema.enums.has(type),
      arrayItem: this.schema.complexTypes.get(type)?.arrayItem,
      open: `<${name}>`,
      close: `</${name}>`,
    };
  }

  /** A field's value: one element, or one per item for a repeated (maxOccurs=unbounded) field. */
  private write(slot: Slot, value: VimValue): string {
    if (slot.array && Array.isArray(value)) {
      let out = '';
      for (const item of value) out += this.writeOne(slot, item);
      return out;
    }
    return this.writeOne(slot, value);
  }

  private writeOne(slot: Slot, value: VimValue): string {
    if (slot.any) return this.anyElement(slot.name, value);
    if (value instanceof ManagedObjectReference) {
      return `<${slot.name} type="${escapeAttribute(value.type)}">${escapeText(value.value)}${slot.close}`;
    }
    if (slot.primitive) return slot.open + formatPrimitive(slot.type, value) + slot.close;
    if (Array.isArray(value)) {
      if (!slot.arrayItem) throw new EncodeError(`an array cannot be written as ${slot.type}`);
      return slot.open + this.items(slot.arrayItem, value) + slot.close;
    }
    if (isDataObject(value)) {
      const open = value._type === slot.type ? slot.open : `<${slot.name} xsi:type="${value._type}">`;
      return open + this.fields(value) + slot.close;
    }
    if (value instanceof OpaqueXml) return slot.open + value.xml + slot.close;
    throw new EncodeError(`cannot write ${typeof value} as ${slot.type}`);
  }

  /**
   * A data object in an anyType slot (a property value: TaskInfo in an UpdateSet or a
   * RetrieveResult). When one change wakes a thousand waiting clients, each answer carries the
   * same TaskInfo object, so the last one written is remembered by identity. That is sound
   * because data objects are values no one changes after making them (a task makes a new
   * TaskInfo for every change, and filters rely on that to see changes at all).
   */
  private anyFields(value: DataObject): string {
    if (value === this.lastAnyValue) return this.lastAnyFields;
    const xml = this.fields(value);
    this.lastAnyValue = value;
    this.lastAnyFields = xml;
    return xml;
  }

  private items(item: FieldDef, values: readonly VimValue[]): string {
    const slot = this.slotOf(item);
    let out = '';
    for (const v of values) out += this.writeOne(slot, v);
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
    if (isDataObject(value)) return `<${name} xsi:type="${value._type}">${this.anyFields(value)}</${name}>`;
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
