// The managers vCenter's ServiceContent names beyond the task surface (views, events, alarms,
// licenses, …). Each exists so that a client which dereferences it finds an object: its
// properties are the VMODL's and read like any others, required plain values hold a default,
// and everything that would hold inventory is empty. It has no methods: every call on it is
// MethodNotFound.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject } from './managed-object.js';

export interface PlaceholderProperty {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
}

/** What a required property of a plain type holds when there is nothing to report. */
const PLAIN_DEFAULTS: Readonly<Record<string, VimValue>> = {
  'xsd:int': 0,
  'xsd:long': 0,
  'xsd:short': 0,
  'xsd:boolean': false,
  'xsd:string': '',
};

export class PlaceholderManager extends ManagedObject {
  readonly ref: ManagedObjectReference;
  readonly typeChain: readonly string[];
  readonly propertyTypes: Readonly<Record<string, string>>;
  readonly methods = {};
  private readonly values = new Map<string, VimValue>();

  constructor(
    ref: ManagedObjectReference,
    typeChain: readonly string[],
    properties: readonly PlaceholderProperty[],
    values: Readonly<Record<string, VimValue>> = {},
  ) {
    super();
    this.ref = ref;
    this.typeChain = typeChain[0] === ref.type ? typeChain : [ref.type, ...typeChain];
    this.propertyTypes = Object.fromEntries(properties.map((p) => [p.name, p.type]));
    for (const property of properties) {
      const value = values[property.name] ?? (property.optional ? undefined : PLAIN_DEFAULTS[property.type]);
      if (value !== undefined) this.values.set(property.name, value);
    }
  }

  getProperty(name: string): VimValue | undefined {
    return this.values.get(name);
  }
}
