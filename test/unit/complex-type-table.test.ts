// ComplexTypeTable flattens a type when it is first asked for: the same answers as flattening
// everything up front, errors for a bad declaration when that type is reached, and iteration in
// declaration order.

import { expect, test } from 'vitest';
import { ComplexTypeTable, schemaFromTables } from '../../src/soap/schema.js';

function table(): ComplexTypeTable {
  const t = new ComplexTypeTable();
  t.declare('Derived', 'Base', [['own', 'xsd:int', 1, 0]]);
  t.declare('Base', undefined, [['key', 'xsd:string', 0, 0]]);
  t.declare('ArrayOfBase', undefined, [['Base', 'Base', 1, 1]]);
  return t;
}

test('a type is flattened on first get: inherited fields first, an index by name, the array item', () => {
  const t = table();
  expect(t.size).toBe(3);
  expect(t.has('Derived')).toBe(true);
  expect(t.has('Nope')).toBe(false);
  expect(t.get('Nope')).toBeUndefined();
  const derived = t.get('Derived')!;
  expect(derived.fields.map((f) => f.name)).toEqual(['key', 'own']);
  expect(derived.ownFields.map((f) => f.name)).toEqual(['own']);
  expect(derived.fieldByName.get('key')).toEqual({ name: 'key', type: 'xsd:string', optional: false, array: false });
  expect(t.get('Derived')).toBe(derived);
  expect(t.get('Base')!.fields).toBe(t.get('Base')!.fields);
  expect(t.get('ArrayOfBase')!.arrayItem).toEqual({ name: 'Base', type: 'Base', optional: true, array: true });
  expect([...t.arrayTypes()]).toEqual([['Base', 'ArrayOfBase']]);
});

test('iteration flattens everything, in declaration order (not base first)', () => {
  const t = table();
  expect([...t.keys()]).toEqual(['Derived', 'Base', 'ArrayOfBase']);
  expect([...t.values()].map((d) => d.name)).toEqual(['Derived', 'Base', 'ArrayOfBase']);
  expect([...t].map(([name]) => name)).toEqual(['Derived', 'Base', 'ArrayOfBase']);
  const seen: string[] = [];
  t.forEach((_def, name) => {
    seen.push(name);
  });
  expect(seen).toEqual(['Derived', 'Base', 'ArrayOfBase']);
});

test('a bad declaration is an error when its type is reached: unknown base, inheritance cycle', () => {
  const t = new ComplexTypeTable();
  t.declare('A', 'Missing', []);
  t.declare('B', 'C', []);
  t.declare('C', 'B', []);
  expect(() => t.get('A')).toThrow(/A extends unknown type Missing/);
  expect(() => t.get('B')).toThrow(/inheritance cycle/);
});

test('schemaFromTables finds ArrayOf types without flattening any type', () => {
  const schema = schemaFromTables({
    format: 2,
    apiVersions: [],
    complexTypes: [
      ['Thing', null, [['name', 'xsd:string', 0, 0]]],
      ['ArrayOfThing', null, [['Thing', 'Thing', 1, 1]]],
    ],
    enums: [],
    operations: [],
  });
  expect(schema.arrayTypeOf('Thing')).toBe('ArrayOfThing');
  expect(schema.kindOf('ArrayOfThing')).toBe('array');
  expect(schema.kindOf('Thing')).toBe('data');
});

test('a type keeps the API version that added it, and a field its own (vte:since), when flattened lazily', () => {
  const t = new ComplexTypeTable();
  t.declare('Base', undefined, [['old', 'xsd:string', 0, 0]]);
  t.declare('Newer', 'Base', [['added', 'xsd:string', 1, 0, '8.0.2.0']], '7.0.0.0');
  const newer = t.get('Newer');
  expect(newer?.since).toBe('7.0.0.0');
  expect(newer?.fieldByName.get('added')?.since).toBe('8.0.2.0');
  expect(t.get('Base')?.since).toBeUndefined();
});
