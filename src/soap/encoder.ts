// Writes vim25 values as XML, in WSDL field order, with xsi:type wherever the value's type is
// not the one its slot declares (the rule both pyVmomi and govmomi rely on). An Encoder writes
// for one API version: fields newer than it are left out, and a value (or fault) whose type is
// newer is written as its nearest base that version knows, as vCenter does (docs/wire.md).

import { ManagedObjectReference, OpaqueXml, TypedValue, isDataObject, type DataObject, type VimValue } from '../vim/data.js';
import { ApiVersions } from './api-versions.js';
import type { ComplexTypeDef, FieldDef, VimSchema } from './schema.js';
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

/**
 * How a data object of one type is written for this encoder's version: the type named in
 * xsi:type (the type itself, or its nearest base the version knows) and the slots of the fields
 * that version knows, inherited ones first.
 */
interface Plan {
  readonly type: string;
  readonly slots: readonly Slot[];
}

/** The API version an Encoder writes for, when older than the newest. */
interface VersionLimit {
  readonly versions: ApiVersions;
  readonly version: string;
}

export class Encoder {
  private readonly slots = new WeakMap<FieldDef, Slot>();
  /**
   * Type name → its plan. The version's choices (which fields, which type name) are made here
   * once per type, not per value, so a trimmed answer costs what a whole one does: a TaskInfo
   * plus an UpdateProgress answer took 3.4 µs for "urn:vim25/6.7.1" and 3.8 µs untrimmed
   * in-process; `npm run bench`'s `progress` (which names 7.0.3.0) stayed within its noise
   * (docs/performance.md, "Answers per API version").
   */
  private readonly plans = new Map<string, Plan>();
  /**
   * The last data object written in an anyType slot and its fields' XML (see anyFields): one
   * change that wakes 1,000 waiters is encoded once, not 1,000 times ("WaitForUpdatesEx: 1000
   * clients" in `npm run bench`).
   */
  private lastAnyValue: DataObject | undefined;
  private lastAnyFields = '';
  private lastAnyType = '';

  /** `limit`: the older API version to write for; without it, everything the WSDL has. */
  constructor(
    private readonly schema: VimSchema,
    private readonly limit?: VersionLimit,
  ) {}

  /** The API version this encoder writes for (undefined: the newest). */
  get version(): string | undefined {
    return this.limit?.version;
  }

  field(field: FieldDef, value: VimValue | undefined): string {
    if (value === undefined) return '';
    return this.write(this.slotOf(field), value);
  }

  /** The SOAP answer to `operation`, whose result slot is `result` (undefined: it returns nothing). */
  response(operation: string, result: FieldDef | undefined, value: VimValue | undefined): string {
    return operationResponse(operation, result && value !== undefined ? this.field(result, value) : '');
  }

  /** The SOAP fault answer for a fault object (a fault newer than the version: as its nearest known base). */
  fault(fault: DataObject, faultString: string): string {
    const plan = this.planOf(fault._type);
    return faultEnvelope(plan.type, faultString, this.planFields(plan, fault));
  }

  /** The fields of a data object, inherited ones first. */
  fields(value: DataObject): string {
    return this.planFields(this.planOf(value._type), value);
  }

  /** The name a value of `type` is written under for this version. */
  typeName(type: string): string {
    return this.planOf(type).type;
  }

  private planFields(plan: Plan, value: DataObject): string {
    let out = '';
    for (const slot of plan.slots) {
      const fieldValue = value[slot.name];
      if (fieldValue !== undefined) out += this.write(slot, fieldValue);
    }
    return out;
  }

  private planOf(type: string): Plan {
    let plan = this.plans.get(type);
    if (!plan) {
      const def = this.schema.complexTypes.get(type);
      if (!def) throw new EncodeError(`unknown data type ${type}`);
      plan = this.makePlan(def);
      this.plans.set(type, plan);
    }
    return plan;
  }

  private makePlan(def: ComplexTypeDef): Plan {
    const limit = this.limit;
    if (!limit) return { type: def.name, slots: def.fields.map((f) => this.slotOf(f)) };
    const known = (since: string | undefined) => limit.versions.knows(limit.version, since);
    let shown = def;
    while (!known(shown.since) && shown.base) {
      const base = this.schema.complexTypes.get(shown.base);
      if (!base) break;
      shown = base;
    }
    return { type: shown.name, slots: shown.fields.filter((f) => known(f.since)).map((f) => this.slotOf(f)) };
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
      const plan = this.planOf(value._type);
      const open = plan.type === slot.type ? slot.open : `<${slot.name} xsi:type="${plan.type}">`;
      return open + this.planFields(plan, value) + slot.close;
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
  private anyDataElement(name: string, value: DataObject): string {
    if (value !== this.lastAnyValue) {
      const plan = this.planOf(value._type);
      this.lastAnyFields = this.planFields(plan, value);
      this.lastAnyType = plan.type;
      this.lastAnyValue = value;
    }
    return `<${name} xsi:type="${this.lastAnyType}">${this.lastAnyFields}</${name}>`;
  }

  private items(item: FieldDef, values: readonly VimValue[]): string {
    const slot = this.slotOf(item);
    let out = '';
    for (const v of values) out += this.writeOne(slot, v);
    return out;
  }

  /** An array type newer than the version is written as the array of its item's nearest known base. */
  private arrayTypeName(arrayType: string, item: FieldDef): string {
    if (!this.limit || this.schema.complexTypes.get(arrayType)?.since === undefined) return arrayType;
    if (!this.schema.complexTypes.has(item.type)) return arrayType;
    const shown = this.planOf(item.type).type;
    return shown === item.type ? arrayType : this.schema.arrayTypeOf(shown);
  }

  private anyElement(name: string, value: VimValue): string {
    if (value instanceof TypedValue) {
      const inner = value.value;
      if (Array.isArray(inner)) {
        const item = this.schema.complexTypes.get(value.type)?.arrayItem;
        if (!item) throw new EncodeError(`${value.type} is not an array type`);
        const shown = this.arrayTypeName(value.type, item);
        const shownItem = shown === value.type ? item : (this.schema.complexTypes.get(shown)?.arrayItem ?? item);
        return `<${name} xsi:type="${shown}">${this.items(shownItem, inner)}</${name}>`;
      }
      if (inner instanceof ManagedObjectReference || isDataObject(inner)) return this.anyElement(name, inner);
      return `<${name} xsi:type="${value.type}">${formatPrimitive(value.type, inner)}</${name}>`;
    }
    if (value instanceof ManagedObjectReference) {
      return `<${name} xsi:type="ManagedObjectReference" type="${escapeAttribute(value.type)}">${escapeText(value.value)}</${name}>`;
    }
    if (isDataObject(value)) return this.anyDataElement(name, value);
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

/**
 * One Encoder per API version a client names, made when first asked for. The newest version's
 * encoder trims nothing, so calls with no SOAPAction version (or an unknown one) cost what they
 * did before versions were known.
 */
export class Encoders {
  readonly newest: Encoder;
  readonly versions: ApiVersions;
  /** SOAPAction value as received → its encoder; only values naming a known version are kept, so the map stays small. */
  private readonly bySoapAction = new Map<string, Encoder>();
  private readonly byVersion = new Map<string, Encoder>();

  constructor(private readonly schema: VimSchema) {
    this.newest = new Encoder(schema);
    this.versions = new ApiVersions(schema.apiVersions);
  }

  /** The encoder for the version a SOAPAction header names; the newest for none or an unknown one. */
  forSoapAction(header: string | undefined): Encoder {
    if (header === undefined) return this.newest;
    const known = this.bySoapAction.get(header);
    if (known) return known;
    const version = this.versions.fromSoapAction(header);
    if (version === undefined) return this.newest;
    const encoder = this.forVersion(version);
    this.bySoapAction.set(header, encoder);
    return encoder;
  }

  /** The encoder for a version the WSDL knows (the newest one for any other). */
  forVersion(version: string): Encoder {
    if (version === this.versions.newest || !this.versions.has(version)) return this.newest;
    let encoder = this.byVersion.get(version);
    if (!encoder) {
      encoder = new Encoder(this.schema, { versions: this.versions, version });
      this.byVersion.set(version, encoder);
    }
    return encoder;
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
