// Issue 14, row 2: selecting objects and paths is linear in every list of a PropertyFilterSpec
// (pathSet, propSet, objectSet, selectSet), whatever its length, and gives what it gave before.

import { describe, expect, test } from 'vitest';
import { ManagedObjectReference, type TypeModel, type VimValue } from '../../src/vim/data.js';
import { ManagedObject } from '../../src/vim/managed-object.js';
import { selectObjects, type QueryContext } from '../../src/vim/property-query.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import type { Session } from '../../src/vim/session.js';
import type { ObjectSpec, PropertySpec, SelectionSpec, TraversalSpec } from '../../src/vim/vim-types.js';

class Thing extends ManagedObject {
  readonly typeChain = ['Thing', 'ManagedObject'];
  readonly propertyTypes = { name: 'xsd:string', children: 'ArrayOfManagedObjectReference', other: 'xsd:int' };
  readonly methods = {};
  children: ManagedObjectReference[] = [];
  constructor(readonly ref: ManagedObjectReference) {
    super();
  }
  getProperty(name: string): VimValue | undefined {
    return name === 'children' ? this.children : name === 'name' ? this.ref.value : undefined;
  }
}

/** A root with 200 children, as TaskManager.recentTask has at most. */
function world() {
  const registry = new ObjectRegistry();
  const root = new Thing(new ManagedObjectReference('Thing', 'root'));
  registry.add(root);
  for (let i = 0; i < 200; i++) {
    const child = new Thing(new ManagedObjectReference('Thing', `child-${i}`));
    registry.add(child);
    root.children.push(child.ref);
  }
  const ctx: QueryContext = { registry, types: {} as TypeModel, session: { key: 's' } as Session };
  return { root, ctx };
}

const propSpec = (pathSet: string[], all = false): PropertySpec => ({ _type: 'PropertySpec', type: 'Thing', all, pathSet });
const objectSpec = (value: string, selectSet?: SelectionSpec[]): ObjectSpec => ({
  _type: 'ObjectSpec',
  obj: new ManagedObjectReference('Thing', value),
  selectSet,
});
const traversal = (name?: string, selectSet?: SelectionSpec[]): TraversalSpec => ({
  _type: 'TraversalSpec',
  name,
  type: 'Thing',
  path: 'children',
  skip: false,
  selectSet,
});

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

describe('pathSet', () => {
  test('90,000 distinct paths are taken as they are, in well under 2 s (looking back from each took 23 s)', () => {
    const { ctx } = world();
    const paths = Array.from({ length: 90_000 }, (_, i) => `p${i}`);
    const { result, ms } = timed(() =>
      selectObjects({ _type: 'PropertyFilterSpec', propSet: [propSpec(paths)], objectSet: [objectSpec('root')] }, ctx, 'fault'),
    );
    expect(ms).toBeLessThan(2000);
    expect(result).toHaveLength(1);
    expect(result[0].paths).toBe(paths);
  });

  test('repeats are dropped, first occurrence first, in short and long lists alike', () => {
    const { ctx } = world();
    const select = (pathSet: string[]) =>
      selectObjects({ _type: 'PropertyFilterSpec', propSet: [propSpec(pathSet)], objectSet: [objectSpec('root')] }, ctx, 'fault')[0].paths;
    expect(select(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
    expect(select(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'a'])).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    const long = Array.from({ length: 50_000 }, (_, i) => `p${i % 25_000}`);
    const { result, ms } = timed(() => select(long));
    expect(ms).toBeLessThan(2000);
    expect(result).toEqual(long.slice(0, 25_000));
  });
});

describe('propSet × objectSet', () => {
  test('10,000 PropertySpecs over 10,000 ObjectSpecs: paths are worked out once per type, in well under 2 s', () => {
    const { ctx } = world();
    const propSet = Array.from({ length: 10_000 }, (_, i) => propSpec([`p${i % 3}`], i === 5));
    const objectSet = Array.from({ length: 10_000 }, (_, i) => objectSpec(`child-${i % 200}`));
    const { result, ms } = timed(() => selectObjects({ _type: 'PropertyFilterSpec', propSet, objectSet }, ctx, 'fault'));
    expect(ms).toBeLessThan(2000);
    expect(result).toHaveLength(200);
    expect(result[0].paths).toEqual(['p0', 'p1', 'p2', 'name', 'children', 'other']);
    expect(result[199].object.ref.value).toBe('child-199');
  });
});

describe('selectSet', () => {
  test('10,000 selections of one named traversal, or 10,000 equal traversals, visit each object once, in well under 2 s', () => {
    const { ctx } = world();
    const named = [traversal('down'), ...Array.from({ length: 9_999 }, () => ({ _type: 'SelectionSpec', name: 'down' }))];
    const equal = Array.from({ length: 10_000 }, () => traversal());
    for (const selectSet of [named, equal]) {
      const { result, ms } = timed(() =>
        selectObjects({ _type: 'PropertyFilterSpec', propSet: [propSpec(['name'])], objectSet: [objectSpec('root', selectSet)] }, ctx, 'fault'),
      );
      expect(ms).toBeLessThan(2000);
      expect(result.map((s) => s.object.ref.value)).toEqual(['root', ...Array.from({ length: 200 }, (_, i) => `child-${i}`)]);
    }
  });

  test('traversals still reach what they reached: skipped roots, nesting, recursion by name, and a missing path', () => {
    const { root, ctx } = world();
    const grandchild = new Thing(new ManagedObjectReference('Thing', 'grandchild'));
    ctx.registry.add(grandchild);
    (ctx.registry.get(root.children[3]) as Thing).children.push(grandchild.ref, root.ref);
    const select = (spec: ObjectSpec) =>
      selectObjects({ _type: 'PropertyFilterSpec', propSet: [propSpec(['name'])], objectSet: [spec] }, ctx, 'fault').map((s) => s.object.ref.value);
    const skipped = { ...objectSpec('child-3', [traversal()]), skip: true };
    expect(select(skipped)).toEqual(['grandchild', 'root']);
    // Recursion by name follows children of children; each object is selected once.
    const recursive = select(objectSpec('child-3', [traversal('down', [{ _type: 'SelectionSpec', name: 'down' }])]));
    expect(recursive).toHaveLength(202);
    expect(recursive.slice(0, 3)).toEqual(['child-3', 'grandchild', 'root']);
    const broken: TraversalSpec = { ...traversal(), path: 'nonexistent' };
    expect(() => select(objectSpec('root', [broken]))).toThrow(/nonexistent/);
  });
});
