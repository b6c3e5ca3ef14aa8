// Turns a request element into typed arguments, checking every value against the WSDL types:
// unknown or missing elements, wrong xsi:types, out-of-range numbers and unknown enum values
// become InvalidRequest before anything reaches a managed object.

import { INTEGER_RANGES, ManagedObjectReference, OpaqueXml, TypedValue, type VimValue } from '../vim/data.js';
import type { Arguments } from '../vim/managed-object.js';
import { InvalidRequest } from '../vim/faults.js';
import type { FieldDef, OperationDef, VimSchema } from './schema.js';
import { PRIMITIVES } from './schema.js';
import { attribute, escapeAttribute, escapeText, resolveQName, XSD_NS, XSI_NS, type XmlElement } from './xml-reader.js';

const INTEGER = /^[+-]?\d{1,20}$/;
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
const DOUBLE = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|-INF|NaN)$/;
const MAX_STRING = 1 << 20;

/**
 * Items one array may hold: a repeated field (pathSet, propSet, objectSet, selectSet, any list
 * in a data object or argument) or an ArrayOf value. No client sends a list this long (a
 * RetrieveProperties over every task held, 10,000 by default, is the longest that makes sense),
 * and without it one argument could carry all 100,000 elements a request may have.
 */
export const MAX_ARRAY_ITEMS = 10_000;

export interface DecoderOptions {
  /** Items one array may hold (default MAX_ARRAY_ITEMS). */
  readonly maxArrayItems?: number;
}

const SHARED_MAX_LENGTH = 64;
const SHARED_MAX_ENTRIES = 4096;

/** A copy of `value` that references no other string (prepending forces a fresh flat string). */
function copyString(value: string): string {
  return ` ${value}`.slice(1);
}

export class Decoder {
  /** Per operation: its parameters by element name (built once, not on every call). */
  private readonly paramsByName = new WeakMap<OperationDef, ReadonlyMap<string, FieldDef>>();
  /**
   * Decoded strings outlive the request (a task keeps its taskTypeId, a filter its spec), but in
   * V8 a substring of 13 or more characters is a slice that keeps the whole request body alive
   * for as long as it lives, so every string leaving the decoder is a copy. Short ones are
   * shared through this table, since the same task type ids, user names, enum values and paths
   * arrive on every call: it keeps heap per completed task at 0.75 KiB in `npm run bench`
   * ("memory"). It is emptied whenever it fills, so it stays bounded whatever clients send.
   */
  private readonly sharedStrings = new Map<string, string>();
  /**
   * Managed object references are immutable and the same few arrive over and over (every
   * CreateTask names the same folder, which its task then keeps), so they are shared the same
   * way, by type and then value, with the same bounds and the same bench figure. `_this` is left
   * out: it only finds the target, and with each task's own ref on every task call it would just
   * churn the table.
   */
  private readonly sharedRefs = new Map<string, Map<string, ManagedObjectReference>>();
  private sharedRefCount = 0;
  /** Per field list: the fields that must be present. */
  private readonly requiredFields = new WeakMap<readonly FieldDef[], readonly FieldDef[]>();
  /** Per data type: whether it is a MethodFault (whose own required fields are not demanded). */
  private readonly faultTypes = new Map<string, boolean>();

  private readonly maxArrayItems: number;

  constructor(
    private readonly schema: VimSchema,
    options: DecoderOptions = {},
  ) {
    this.maxArrayItems = options.maxArrayItems ?? MAX_ARRAY_ITEMS;
  }

  /**
   * The request's `_this`: the object the call is made on. Its type is '' when the client left
   * the `type` attribute out (node-vsphere-soap's `<_this>ServiceInstance</_this>`); the
   * endpoint then decides the type, since that needs the operation table and the objects.
   */
  receiver(element: XmlElement): ManagedObjectReference {
    let self: ManagedObjectReference | undefined;
    for (const child of element.children) {
      if (child.name !== '_this') continue;
      if (self) throw new InvalidRequest(`${element.name}: _this given twice`);
      self = this.decodeMoRef(child, '_this', false, true);
    }
    if (!self) throw new InvalidRequest(`${element.name}: missing _this`);
    return self;
  }

  /** The request's arguments other than `_this`, each checked against the operation's parameters. */
  decodeArguments(element: XmlElement, op: OperationDef): Arguments {
    const args: Record<string, VimValue | undefined> = {};
    let byName = this.paramsByName.get(op);
    if (!byName) this.paramsByName.set(op, (byName = new Map(op.params.map((p) => [p.name, p]))));
    for (const child of element.children) {
      if (child.name === '_this') continue;
      const field = byName.get(child.name);
      if (!field) throw new InvalidRequest(`${op.name}: unexpected argument '${child.name}'`);
      this.assign(args, field, this.decodeValue(child, field.type, `${op.name}.${field.name}`), op.name);
    }
    this.checkRequired(args, op.params, op.name);
    return args;
  }

  private assign(target: Record<string, VimValue | undefined>, field: FieldDef, value: VimValue, owner: string): void {
    if (field.array) {
      const list = target[field.name];
      if (Array.isArray(list)) {
        if (list.length >= this.maxArrayItems) throw this.tooMany(`${owner}.${field.name}`);
        list.push(value);
      } else {
        target[field.name] = [value];
      }
    } else {
      if (target[field.name] !== undefined) throw new InvalidRequest(`${owner}: '${field.name}' given more than once`);
      target[field.name] = value;
    }
  }

  private tooMany(where: string): InvalidRequest {
    return new InvalidRequest(`${where}: more than ${this.maxArrayItems} items (the limit for one list)`);
  }

  private checkRequired(values: Record<string, VimValue | undefined>, fields: readonly FieldDef[], owner: string): void {
    let required = this.requiredFields.get(fields);
    if (!required) this.requiredFields.set(fields, (required = fields.filter((f) => !f.optional)));
    for (const field of required) {
      if (values[field.name] === undefined) {
        throw new InvalidRequest(`${owner}: missing required '${field.name}'`);
      }
    }
  }

  decodeValue(element: XmlElement, staticType: string, where: string): VimValue {
    const xsiType = attribute(element, XSI_NS, 'type');
    if (staticType === 'xsd:anyType') return this.decodeAny(element, xsiType, where);
    if (PRIMITIVES.has(staticType)) return this.decodePrimitive(element, staticType, where);
    const values = this.schema.enums.get(staticType);
    if (values) return this.decodeEnum(element, staticType, values, where);
    if (staticType === 'ManagedObjectReference') return this.decodeMoRef(element, where);

    let type = staticType;
    if (xsiType !== undefined) {
      const dynamicType = this.typeNameOf(element, xsiType);
      if (!this.schema.complexTypes.has(dynamicType)) throw new InvalidRequest(`${where}: unknown xsi:type '${xsiType}'`);
      if (staticType === 'LocalizedMethodFault' && this.schema.isSubtypeOf(dynamicType, 'MethodFault')) return this.wrapFault(element, dynamicType, where);
      if (!this.schema.isSubtypeOf(dynamicType, staticType)) {
        throw new InvalidRequest(`${where}: xsi:type '${dynamicType}' is not a ${staticType}`);
      }
      type = dynamicType;
    }
    return this.decodeComplex(element, type, where);
  }

  private decodeComplex(element: XmlElement, type: string, where: string): VimValue {
    const def = this.schema.complexTypes.get(type);
    if (!def) throw new InvalidRequest(`${where}: unknown type '${type}'`);
    if (def.arrayItem) {
      const item = def.arrayItem;
      if (element.children.length > this.maxArrayItems) throw this.tooMany(where);
      return element.children.map((child, i) => {
        if (child.name !== item.name) throw new InvalidRequest(`${where}: unexpected '${child.name}' in ${type}`);
        return this.decodeValue(child, item.type, `${where}[${i}]`);
      });
    }
    const object: Record<string, VimValue | undefined> & { _type: string } = { _type: type };
    for (const child of element.children) {
      const field = def.fieldByName.get(child.name);
      if (!field) throw new InvalidRequest(`${where}: ${type} has no field '${child.name}'`);
      this.assign(object, field, this.decodeValue(child, field.type, `${where}.${field.name}`), `${where}`);
    }
    // Clients build faults field by field (pyVmomi enforces nothing), so a fault's own required
    // fields are not demanded; every other data object must be complete.
    let isFault = this.faultTypes.get(type);
    if (isFault === undefined) this.faultTypes.set(type, (isFault = this.schema.isSubtypeOf(type, 'MethodFault')));
    if (!isFault) this.checkRequired(object, def.fields, where);
    return object;
  }

  /**
   * A bare fault where a LocalizedMethodFault belongs: rbvmomi types SetTaskState's `fault` as
   * MethodFault, as the VMODL does, and vCenter takes it. It is read as that fault and wrapped,
   * without a localized message (the bare form has none).
   */
  private wrapFault(element: XmlElement, type: string, where: string): VimValue {
    return { _type: 'LocalizedMethodFault', fault: this.decodeComplex(element, type, where) };
  }

  private decodeAny(element: XmlElement, xsiType: string | undefined, where: string): VimValue {
    if (xsiType === undefined) {
      if (element.children.length) return new OpaqueXml(this.detachString(serializeChildren(element)));
      return new TypedValue('xsd:string', this.detachString(element.text));
    }
    const type = this.typeNameOf(element, xsiType);
    if (!this.schema.hasType(type) || type === 'xsd:anyType') throw new InvalidRequest(`${where}: unknown xsi:type '${xsiType}'`);
    if (type === 'ManagedObjectReference') return this.decodeMoRef(element, where);
    const value = this.decodeValue(element, type, where);
    const complex = this.schema.complexTypes.get(type);
    if (complex && !complex.arrayItem) return value;
    return new TypedValue(type, value);
  }

  /** "xsd:int" for XML Schema types (govmomi does not declare its xsd prefix), else the vim25 name. */
  private typeNameOf(element: XmlElement, qname: string): string {
    const { ns, prefix, name } = resolveQName(element, qname.trim());
    if (ns === XSD_NS || (ns === undefined && prefix === 'xsd')) return `xsd:${name}`;
    // pyVmomi writes a managed object in an anyType slot as xsi:type="ManagedObject".
    if (name === 'ManagedObject') return 'ManagedObjectReference';
    return name;
  }

  private decodeMoRef(element: XmlElement, where: string, share = true, untyped = false): ManagedObjectReference {
    const type = attribute(element, '', 'type') ?? (untyped ? '' : undefined);
    const value = element.text.trim();
    if (type === undefined || (!type && !untyped)) throw new InvalidRequest(`${where}: managed object reference without a type attribute`);
    if (!value) throw new InvalidRequest(`${where}: empty managed object reference`);
    if (element.children.length) throw new InvalidRequest(`${where}: managed object reference with child elements`);
    return share ? this.sharedRef(type, value) : new ManagedObjectReference(this.detachString(type), this.detachString(value));
  }

  private detachString(value: string): string {
    if (value.length > SHARED_MAX_LENGTH) return copyString(value);
    let shared = this.sharedStrings.get(value);
    if (shared === undefined) {
      if (this.sharedStrings.size >= SHARED_MAX_ENTRIES) this.sharedStrings.clear();
      shared = copyString(value);
      this.sharedStrings.set(shared, shared);
    }
    return shared;
  }

  private sharedRef(type: string, value: string): ManagedObjectReference {
    if (type.length > SHARED_MAX_LENGTH || value.length > SHARED_MAX_LENGTH) {
      return new ManagedObjectReference(this.detachString(type), this.detachString(value));
    }
    let byValue = this.sharedRefs.get(type);
    let ref = byValue?.get(value);
    if (ref === undefined) {
      if (this.sharedRefCount >= SHARED_MAX_ENTRIES) {
        this.sharedRefs.clear();
        this.sharedRefCount = 0;
        byValue = undefined;
      }
      ref = new ManagedObjectReference(this.detachString(type), this.detachString(value));
      // Keyed by the ref's own detached strings: the ones passed in may be slices of the request.
      if (!byValue) this.sharedRefs.set(ref.type, (byValue = new Map()));
      byValue.set(ref.value, ref);
      this.sharedRefCount++;
    }
    return ref;
  }

  private decodeEnum(element: XmlElement, type: string, values: ReadonlySet<string>, where: string): string {
    if (element.children.length) throw new InvalidRequest(`${where}: ${type} cannot have child elements`);
    const text = element.text.trim();
    if (!values.has(text)) throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid ${type}`);
    return this.detachString(text);
  }

  private decodePrimitive(element: XmlElement, type: string, where: string): VimValue {
    if (element.children.length) throw new InvalidRequest(`${where}: ${type} cannot have child elements`);
    const raw = element.text;
    if (raw.length > MAX_STRING) throw new InvalidRequest(`${where}: value longer than ${MAX_STRING} characters`);
    const text = raw.trim();
    if (type === 'xsd:long') return decodeLong(text, where);
    const range = INTEGER_RANGES[type];
    if (range) {
      const n = INTEGER.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
        throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid ${type}`);
      }
      return n;
    }
    switch (type) {
      case 'xsd:boolean':
        if (text === 'true' || text === '1') return true;
        if (text === 'false' || text === '0') return false;
        throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid xsd:boolean`);
      case 'xsd:float':
      case 'xsd:double':
        if (!DOUBLE.test(text)) throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid ${type}`);
        return text === 'INF' ? Infinity : text === '-INF' ? -Infinity : Number(text);
      case 'xsd:dateTime':
        if (!DATE_TIME.test(text) || Number.isNaN(Date.parse(text))) {
          throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid xsd:dateTime`);
        }
        return this.detachString(text);
      case 'xsd:base64Binary':
        if (!BASE64.test(text)) throw new InvalidRequest(`${where}: not valid xsd:base64Binary`);
        return this.detachString(text);
      default:
        return this.detachString(raw);
    }
  }
}

function normalizeQNameValue(element: XmlElement, value: string): string {
  const { ns, prefix, name } = resolveQName(element, value);
  return ns === XSD_NS || (ns === undefined && prefix === 'xsd') ? `xsd:${name}` : name;
}

/** Re-serializes children in the response's namespace context (default urn:vim25, xsd/xsi declared). */
function serializeChildren(element: XmlElement): string {
  let out = '';
  for (const child of element.children) {
    let attrs = '';
    for (const a of child.attrs) {
      if (a.ns === '') attrs += ` ${a.name}="${escapeAttribute(a.value)}"`;
      else if (a.ns === XSI_NS && a.name === 'type') attrs += ` xsi:type="${escapeAttribute(normalizeQNameValue(child, a.value))}"`;
    }
    out += `<${child.name}${attrs}>${child.children.length ? serializeChildren(child) : escapeText(child.text)}</${child.name}>`;
  }
  return out;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** An xsd:long as a number while that is exact, else as its canonical digits, so it comes back unchanged. */
function decodeLong(text: string, where: string): number | string {
  if (!INTEGER.test(text)) throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is not a valid xsd:long`);
  const value = BigInt(text);
  if (value < LONG_MIN || value > LONG_MAX) throw new InvalidRequest(`${where}: '${text.slice(0, 64)}' is out of the xsd:long range`);
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}
