// Evaluates PropertyFilterSpecs: which objects a spec selects (ObjectSpec + TraversalSpec
// selectSets) and the values of the requested property paths (including nested paths such as
// info.state), each typed for an xsd:anyType slot. Shared by RetrieveProperties and filters.

import { isDataObject, ManagedObjectReference, TypedValue, type DataObject, type TypeModel, type VimValue } from './data.js';
import { InvalidProperty, ManagedObjectNotFound, NotAuthenticated } from './faults.js';
import type { ManagedObject } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { ObjectSpec, PropertyFilterSpec, PropertySpec, SelectionSpec, TraversalSpec } from './vim-types.js';

/** Reads a client may make before logging in (pyVmomi reads these to set up its stub). */
const ANONYMOUS_READS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['ServiceInstance', new Set(['content', 'serverClock'])],
  ['SessionManager', new Set(['currentSession'])],
]);

export interface SelectedObject {
  readonly object: ManagedObject;
  readonly paths: readonly string[];
}

export interface QueryContext {
  readonly registry: ObjectRegistry;
  readonly types: TypeModel;
  readonly session: Session | undefined;
}

const MAX_TRAVERSAL_DEPTH = 32;

/** Above this many ObjectSpecs, duplicates are found with a Map rather than by looking back. */
const SMALL_OBJECT_SET = 8;
/** Up to this many paths are checked for repeats by looking back; more go through a Set. */
const SMALL_PATH_SET = 8;

/**
 * The objects a filter spec selects, each with the property paths to report for it. With
 * `traversed`, also the objects whose properties the traversal read to get there (a view, a
 * folder, skipped or not): a change of one of those can change the selection, so a filter
 * watches them too.
 */
export function selectObjects(spec: PropertyFilterSpec, ctx: QueryContext, missing: 'fault' | 'skip', traversed?: ManagedObject[]): SelectedObject[] {
  const { propSet, objectSet } = spec;
  // The common spec (pyVim's and govmomi's waits: a task, no traversal) is answered without the
  // traversal's Maps; a thousand woken waiters each run this.
  if (objectSet.length <= SMALL_OBJECT_SET && objectSet.every((o) => o.skip !== true && !o.selectSet?.length)) {
    const selected: SelectedObject[] = [];
    for (const objectSpec of objectSet) {
      const object = startingObject(objectSpec, ctx, missing);
      if (!object || selected.some((s) => s.object === object)) continue;
      const paths = pathsOf(object, propSet);
      if (paths) selected.push({ object, paths });
    }
    return selected;
  }
  const walk: Traversal = { found: new Set(), followed: new Map(), targets: new Map(), ctx };
  for (const objectSpec of objectSet) {
    const root = startingObject(objectSpec, ctx, missing);
    if (!root) continue;
    const selectSet = objectSpec.selectSet ?? [];
    const named = new Map<string, TraversalSpec>();
    collectNamedSpecs(selectSet, named, 0);
    visit(root, objectSpec.skip === true, selectSet, named, walk, 0);
  }
  if (traversed) for (const object of walk.targets.keys()) traversed.push(object);
  // The paths depend on the object's type alone (its type chain and properties), so they are
  // worked out once per type: per object, thousands of PropertySpecs over thousands of objects
  // cost their product.
  const pathsByType = new Map<string, readonly string[] | undefined>();
  const selected: SelectedObject[] = [];
  for (const object of walk.found) {
    const type = object.typeChain[0];
    let paths = pathsByType.get(type);
    if (paths === undefined && !pathsByType.has(type)) pathsByType.set(type, (paths = pathsOf(object, propSet)));
    if (paths) selected.push({ object, paths });
  }
  return selected;
}

/** One selection's traversal state. */
interface Traversal {
  /** The objects selected, in the order first reached. */
  readonly found: Set<ManagedObject>;
  /** Per TraversalSpec, the objects it was followed from and the shallowest depth it was followed at. */
  readonly followed: Map<TraversalSpec, Map<ManagedObject, number>>;
  /** Per object and property path, the visible objects the property refers to. */
  readonly targets: Map<ManagedObject, Map<string, readonly ManagedObject[]>>;
  readonly ctx: QueryContext;
}

/** An ObjectSpec's object, if the caller may see it; one that is missing is a fault or skipped. */
function startingObject(objectSpec: ObjectSpec, ctx: QueryContext, missing: 'fault' | 'skip'): ManagedObject | undefined {
  const ref = objectSpec.obj;
  const object = ctx.registry.get(ref);
  if (object?.visibleTo(ctx.session)) return object;
  if (missing === 'fault') throw new ManagedObjectNotFound(ref);
  return undefined;
}

/**
 * The paths the PropertySpecs of the object's type ask for, each once and in the order asked;
 * undefined when no PropertySpec names the type. A single spec's own pathSet is used as it is
 * when it repeats nothing (the usual case), without building a Set.
 */
function pathsOf(object: ManagedObject, propSet: readonly PropertySpec[]): readonly string[] | undefined {
  let only: readonly string[] | undefined;
  let merged: Set<string> | undefined;
  for (const propertySpec of propSet) {
    if (!object.isA(propertySpec.type)) continue;
    const pathSet = propertySpec.pathSet ?? [];
    if (!only && !merged && propertySpec.all !== true && distinct(pathSet)) {
      only = pathSet;
      continue;
    }
    merged ??= new Set(only);
    only = undefined;
    if (propertySpec.all === true) for (const name of Object.keys(object.propertyTypes)) merged.add(name);
    for (const path of pathSet) merged.add(path);
  }
  return merged ? [...merged] : only;
}

/** Whether no path repeats: linear (looking back from each path froze the server on 90,000). */
function distinct(paths: readonly string[]): boolean {
  if (paths.length > SMALL_PATH_SET) return new Set(paths).size === paths.length;
  for (let i = 1; i < paths.length; i++) for (let j = 0; j < i; j++) if (paths[i] === paths[j]) return false;
  return true;
}

function collectNamedSpecs(selectSet: readonly SelectionSpec[], named: Map<string, TraversalSpec>, depth: number): void {
  if (depth > MAX_TRAVERSAL_DEPTH) return;
  for (const selection of selectSet) {
    if (!isTraversalSpec(selection)) continue;
    const name = selection.name;
    if (name !== undefined) {
      if (named.has(name)) continue;
      named.set(name, selection);
    }
    collectNamedSpecs(selection.selectSet ?? [], named, depth + 1);
  }
}

/** A selection that is a TraversalSpec (the decoder made it one: its xsi:type said so). */
function isTraversalSpec(selection: SelectionSpec): selection is TraversalSpec {
  const fields: DataObject = selection;
  return fields._type === 'TraversalSpec' && typeof fields.type === 'string' && typeof fields.path === 'string';
}

function visit(
  object: ManagedObject,
  skip: boolean,
  selectSet: readonly SelectionSpec[],
  named: ReadonlyMap<string, TraversalSpec>,
  walk: Traversal,
  depth: number,
): void {
  if (!skip) walk.found.add(object);
  if (depth > MAX_TRAVERSAL_DEPTH) return;
  for (const selection of selectSet) {
    const traversal = isTraversalSpec(selection) ? selection : selection.name === undefined ? undefined : named.get(selection.name);
    if (!traversal || !object.isA(traversal.type)) continue;
    // A traversal followed again from the same object, no shallower than before, reaches nothing
    // new: without this, thousands of selections naming one spec multiplied the objects visited
    // (thousands of equal specs still visit the targets once each, but read them only once).
    let from = walk.followed.get(traversal);
    if (!from) walk.followed.set(traversal, (from = new Map()));
    const before = from.get(object);
    if (before !== undefined && before <= depth) continue;
    from.set(object, depth);
    const nextSelectSet = traversal.selectSet ?? [];
    for (const next of targets(object, traversal.path, walk)) {
      if (depth > 0 && walk.found.has(next)) continue;
      visit(next, traversal.skip === true, nextSelectSet, named, walk, depth + 1);
    }
  }
}

/** The visible objects an object's property refers to, read once per object and path. */
function targets(object: ManagedObject, path: string, walk: Traversal): readonly ManagedObject[] {
  let byPath = walk.targets.get(object);
  const known = byPath?.get(path);
  if (known) return known;
  const { ctx } = walk;
  if (!(path in object.propertyTypes)) throw new InvalidProperty(path);
  checkReadable(object, path, ctx.session);
  const value = object.getProperty(path, ctx.session);
  const refs = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const objects: ManagedObject[] = [];
  for (const ref of refs) {
    if (!(ref instanceof ManagedObjectReference)) continue;
    const next = ctx.registry.get(ref);
    // Objects that went away between reads (an evicted task) are simply not selected.
    if (next?.visibleTo(ctx.session)) objects.push(next);
  }
  if (!byPath) walk.targets.set(object, (byPath = new Map()));
  byPath.set(path, objects);
  return objects;
}

export function checkReadable(object: ManagedObject, path: string, session: Session | undefined): void {
  if (session) return;
  const top = path.split('.', 1)[0];
  if (!ANONYMOUS_READS.get(object.typeChain[0])?.has(top)) throw new NotAuthenticated(object.ref);
}

/**
 * The value at a property path, typed for an anyType slot, or undefined when unset.
 * Throws InvalidProperty for a path the object's type does not have.
 */
export function readPath(object: ManagedObject, path: string, ctx: Pick<QueryContext, 'types' | 'session'>): VimValue | undefined {
  const segments = path.split('.');
  let type = object.propertyTypes[segments[0]];
  if (type === undefined) throw new InvalidProperty(path);
  checkReadable(object, path, ctx.session);
  let value = object.getProperty(segments[0], ctx.session);
  let array = false;
  for (let i = 1; i < segments.length; i++) {
    const container = value instanceof TypedValue ? value.value : value;
    const containerType = isDataObject(container) ? container._type : type;
    const field: { type: string; array: boolean } | undefined = array
      ? undefined
      : (ctx.types.fieldOf(containerType, segments[i]) ?? ctx.types.fieldOf(type, segments[i]));
    if (!field) throw new InvalidProperty(path);
    type = field.type;
    array = field.array;
    value = isDataObject(container) ? container[segments[i]] : undefined;
  }
  if (value === undefined) return undefined;
  return typed(value, type, array, ctx.types);
}

function typed(value: VimValue, type: string, array: boolean, types: TypeModel): VimValue {
  if (value instanceof TypedValue || value instanceof ManagedObjectReference || isDataObject(value)) return value;
  if (Array.isArray(value)) {
    if (type.startsWith('ArrayOf') && !array) return new TypedValue(type, value);
    return new TypedValue(types.arrayTypeOf(type === 'xsd:anyType' ? 'xsd:anyType' : type), value);
  }
  if (type === 'xsd:anyType') return value;
  return new TypedValue(type, value);
}
