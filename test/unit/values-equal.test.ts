// Structural equality of vim25 values: what decides whether a PropertyFilter reports a change.

import { expect, test } from 'vitest';
import { ManagedObjectReference, OpaqueXml, TypedValue, type DataObject } from '../../src/vim/data.js';
import { valuesEqual } from '../../src/vim/values-equal.js';

const info = (fields: Record<string, unknown>): DataObject => ({ _type: 'TaskInfo', key: 'task-1', ...fields }) as DataObject;

test('data objects are equal field by field; an unset field equals one set to undefined', () => {
  expect(valuesEqual(info({ progress: 5 }), info({ progress: 5 }))).toBe(true);
  expect(valuesEqual(info({ progress: 5, result: undefined }), info({ progress: 5 }))).toBe(true);
  expect(valuesEqual(info({ progress: 5 }), info({ progress: 6 }))).toBe(false);
  expect(valuesEqual(info({ progress: 5 }), info({}))).toBe(false);
  expect(valuesEqual(info({}), info({ progress: 5 }))).toBe(false);
  expect(valuesEqual(info({}), { _type: 'TaskInfoX', key: 'task-1' })).toBe(false);
});

test('nested values: data objects, arrays, references, typed and opaque values', () => {
  const nested = (message: string) =>
    info({ description: { _type: 'LocalizableMessage', key: 'k', arg: [{ _type: 'KeyAnyValue', key: 'a', value: new TypedValue('xsd:int', 1) }], message } });
  expect(valuesEqual(nested('m'), nested('m'))).toBe(true);
  expect(valuesEqual(nested('m'), nested('n'))).toBe(false);
  expect(valuesEqual(new ManagedObjectReference('Task', 'task-1'), new ManagedObjectReference('Task', 'task-1'))).toBe(true);
  expect(valuesEqual(new ManagedObjectReference('Task', 'task-1'), new ManagedObjectReference('Task', 'task-2'))).toBe(false);
  expect(valuesEqual(new TypedValue('xsd:int', 1), new TypedValue('xsd:short', 1))).toBe(false);
  expect(valuesEqual(new OpaqueXml('<a/>'), new OpaqueXml('<a/>'))).toBe(true);
  expect(valuesEqual([1, 2], [1, 2, 3])).toBe(false);
});

test('the remembered last comparison answers only for the very same pair of objects', () => {
  const before = info({ progress: 5 });
  const same = info({ progress: 5 });
  const after = info({ progress: 6 });
  // A thousand filters compare the same pair: the answer is the same every time.
  for (let i = 0; i < 3; i++) expect(valuesEqual(before, after)).toBe(false);
  expect(valuesEqual(before, same)).toBe(true);
  expect(valuesEqual(before, after)).toBe(false);
  expect(valuesEqual(after, info({ progress: 6 }))).toBe(true);
  expect(valuesEqual(before, info({ progress: 6 }))).toBe(false);
});
