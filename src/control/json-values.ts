// vim25 values as JSON, for the control API and seed files: TaskInfo out, results, faults and
// descriptions in. Reading JSON is checked against the WSDL types as strictly as SOAP input.
//
//   data object      {"_type": "LocalizableMessage", "key": "k", "message": "m"}
//   managed object   {"_type": "ManagedObjectReference", "type": "Folder", "value": "group-d1"}
//   typed value      {"_type": "xsd:int", "value": 42}   (anyType slots; plain strings, booleans
//                    and integers are taken as xsd:string, xsd:boolean and xsd:int)

import { INTEGER_RANGES, ManagedObjectReference, OpaqueXml, TypedValue, type TypeModel, type VimValue } from '../vim/data.js';
import { MethodFault } from '../vim/faults.js';
import type { FaultJson } from './schemas.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export class JsonValueError extends Error {}

export function vimToJson(value: VimValue): Json {
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(vimToJson);
  if (value instanceof ManagedObjectReference) return { _type: 'ManagedObjectReference', type: value.type, value: value.value };
  if (value instanceof TypedValue) return { _type: value.type, value: vimToJson(value.value) };
  if (value instanceof OpaqueXml) return { _type: 'xsd:anyType', xml: value.xml };
  const out: { [key: string]: Json } = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = typeof field === 'string' ? field : vimToJson(field);
  return out;
}

function isObject(json: Json | undefined): json is { [key: string]: Json } {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/**
 * `opaque`: also take back {"_type": "xsd:anyType", "xml": "..."}, the XML of an anyType value
 * the WSDL could not type, as vimToJson wrote it (state documents only: it goes on the wire as is).
 */
export function jsonToVim(json: Json, staticType: string, types: TypeModel, where: string, opaque = false): VimValue {
  const fail = (message: string): never => {
    throw new JsonValueError(`${where}: ${message}`);
  };
  if (staticType === 'xsd:anyType') {
    if (typeof json === 'string') return new TypedValue('xsd:string', json);
    if (typeof json === 'boolean') return new TypedValue('xsd:boolean', json);
    if (typeof json === 'number')
      return Number.isInteger(json) ? new TypedValue('xsd:int', jsonToVim(json, 'xsd:int', types, where, opaque)) : new TypedValue('xsd:double', json);
    if (!isObject(json) || typeof json._type !== 'string') return fail('an anyType value needs a "_type"');
    const type = json._type;
    if (opaque && type === 'xsd:anyType' && typeof json.xml === 'string' && Object.keys(json).length === 2) return new OpaqueXml(json.xml);
    const kind = types.kindOf(type);
    if (!kind || type === 'xsd:anyType') return fail(`unknown type '${type}'`);
    if (kind === 'data' || kind === 'moref') return jsonToVim(json, type, types, where, opaque);
    if (!('value' in json)) return fail(`a ${type} value needs a "value"`);
    return new TypedValue(type, jsonToVim(json.value, type, types, `${where}.value`, opaque));
  }
  const kind = types.kindOf(staticType);
  switch (kind) {
    case 'primitive':
      return primitive(json, staticType, fail);
    case 'enum': {
      if (typeof json !== 'string' || !types.enumValues(staticType)?.has(json)) return fail(`'${String(json)}' is not a valid ${staticType}`);
      return json;
    }
    case 'moref': {
      if (!isObject(json) || typeof json.type !== 'string' || typeof json.value !== 'string' || !json.type || !json.value) {
        return fail('a managed object reference is {"type": "...", "value": "..."}');
      }
      return new ManagedObjectReference(json.type, json.value);
    }
    case 'array': {
      if (!Array.isArray(json)) return fail(`${staticType} must be a JSON array`);
      const item = types.arrayItemOf(staticType);
      if (item === undefined) return fail(`unknown type '${staticType}'`);
      return json.map((v, i) => jsonToVim(v, item, types, `${where}[${i}]`, opaque));
    }
    case 'data': {
      if (!isObject(json)) return fail(`${staticType} must be a JSON object`);
      const type = typeof json._type === 'string' ? json._type : staticType;
      if (types.kindOf(type) !== 'data' || !types.isSubtypeOf(type, staticType)) return fail(`'${type}' is not a ${staticType}`);
      const object: Record<string, VimValue> & { _type: string } = { _type: type };
      for (const [name, fieldJson] of Object.entries(json)) {
        if (name === '_type' || fieldJson === null) continue;
        const field = types.fieldOf(type, name);
        if (!field) return fail(`${type} has no field '${name}'`);
        if (field.array) {
          if (!Array.isArray(fieldJson)) return fail(`${type}.${name} must be a JSON array`);
          object[name] = fieldJson.map((v, i) => jsonToVim(v, field.type, types, `${where}.${name}[${i}]`, opaque));
        } else {
          object[name] = jsonToVim(fieldJson, field.type, types, `${where}.${name}`, opaque);
        }
      }
      return object;
    }
    default:
      return fail(`unknown type '${staticType}'`);
  }
}

// JSON numbers are doubles, so an xsd:long given in JSON must be an exact (safe) integer.
const JSON_INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  ...INTEGER_RANGES,
  'xsd:long': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function primitive(json: Json, type: string, fail: (message: string) => never): VimValue {
  const range = JSON_INTEGER_RANGES[type];
  if (range) {
    if (typeof json !== 'number' || !Number.isInteger(json) || json < range[0] || json > range[1]) return fail(`expected an integer in ${type}'s range`);
    return json;
  }
  if (type === 'xsd:boolean') return typeof json === 'boolean' ? json : fail('expected true or false');
  if (type === 'xsd:float' || type === 'xsd:double') return typeof json === 'number' ? json : fail('expected a number');
  if (typeof json !== 'string') return fail(`expected a string for ${type}`);
  if (type === 'xsd:dateTime' && Number.isNaN(Date.parse(json))) return fail(`'${json}' is not a date-time`);
  return json;
}

/** {"type": "NotFound", "message": "...", "fields": {...}} → a fault value the dispatcher can throw. */
export function jsonToFault(json: FaultJson, types: TypeModel, where: string): MethodFault {
  const type = json.type;
  if (types.kindOf(type) !== 'data' || !types.isSubtypeOf(type, 'MethodFault')) throw new JsonValueError(`${where}: '${type}' is not a vim25 fault type`);
  const fields: Record<string, VimValue | undefined> = {};
  for (const [name, value] of Object.entries(json.fields ?? {})) {
    const field = types.fieldOf(type, name);
    if (!field) throw new JsonValueError(`${where}.fields: ${type} has no field '${name}'`);
    if (value === null) continue;
    if (!field.array) fields[name] = jsonToVim(value, field.type, types, `${where}.fields.${name}`);
    else if (Array.isArray(value)) fields[name] = value.map((item, i) => jsonToVim(item, field.type, types, `${where}.fields.${name}[${i}]`));
    else throw new JsonValueError(`${where}.fields: ${type}.${name} must be a JSON array`);
  }
  return new MethodFault(type, json.message ?? `Injected fault ${type}.`, fields);
}

/** The deepest JSON document the control API and seed files accept (as deep as SOAP input may nest). */
export const MAX_JSON_DEPTH = 64;

/**
 * A parsed document (JSON or YAML) as Json, or a JsonValueError naming where it is not: YAML can
 * hold dates and other values JSON cannot, and nothing deeper than MAX_JSON_DEPTH is taken.
 */
export function toJson(value: unknown, where: string, maxStringBytes = Number.POSITIVE_INFINITY, depth = 0): Json {
  if (depth > MAX_JSON_DEPTH) throw new JsonValueError(`${where}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (typeof value === 'string') {
    // As for SOAP arguments: refused, not cut (src/vim/limits.ts says why).
    if (value.length * 3 > maxStringBytes && Buffer.byteLength(value, 'utf8') > maxStringBytes)
      throw new JsonValueError(`${where}: a string longer than ${maxStringBytes} bytes (max-string-bytes)`);
    return value;
  }
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new JsonValueError(`${where}: ${value} is not a JSON number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(item, `${where}[${i}]`, maxStringBytes, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) {
      if (key.length * 3 > maxStringBytes && Buffer.byteLength(key, 'utf8') > maxStringBytes)
        throw new JsonValueError(`${where}: a key longer than ${maxStringBytes} bytes (max-string-bytes)`);
      out[key] = toJson(item, `${where}.${key}`, maxStringBytes, depth + 1);
    }
    return out;
  }
  throw new JsonValueError(`${where}: a ${typeof value === 'object' ? 'non-JSON object' : typeof value} is not a JSON value`);
}
