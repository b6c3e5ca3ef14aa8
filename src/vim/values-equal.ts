// Structural equality of vim25 values, so the PropertyCollector reports a property as changed
// only when its value really changed (values may be rebuilt on every read).

import { isDataObject, ManagedObjectReference, OpaqueXml, TypedValue, type DataObject, type VimValue } from './data.js';

export function valuesEqual(a: VimValue | undefined, b: VimValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a instanceof ManagedObjectReference) return a.equals(b instanceof ManagedObjectReference ? b : undefined);
  if (a instanceof TypedValue) return b instanceof TypedValue && a.type === b.type && valuesEqual(a.value, b.value);
  if (a instanceof OpaqueXml) return b instanceof OpaqueXml && a.xml === b.xml;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (isDataObject(a)) {
    return isDataObject(b) && a._type === b._type && sameFields(a, b);
  }
  return false;
}

/** Field by field, an unset field and one set to undefined being the same. */
function sameFields(a: DataObject, b: DataObject): boolean {
  let setInA = 0;
  for (const key in a) {
    const value = a[key];
    if (value === undefined) continue;
    setInA++;
    if (!valuesEqual(value, b[key])) return false;
  }
  let setInB = 0;
  for (const key in b) if (b[key] !== undefined) setInB++;
  return setInA === setInB;
}
