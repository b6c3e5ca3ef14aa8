// Builds the managed-object inventory a client sees through ServiceContent, wired to one
// registry, and the dispatcher that calls into it.

import { ManagedObjectReference, type TypeModel } from './data.js';
import { Dispatcher, type CallHook } from './dispatcher.js';
import { ExtensionManager, GOVMOMI_SIMULATOR_EXTENSION, GOVMOMI_SIMULATOR_TASK_TYPE, simpleExtension } from './ExtensionManager.js';
import { Containment } from './containment.js';
import { EventManager } from './EventManager.js';
import { DEFAULT_INVENTORY, InventoryTree, type InventorySpec } from './inventory-tree.js';
import { MethodTaskRunner, type MethodTaskOptions } from './method-tasks.js';
import { CollectorUsage, DEFAULT_STATE_LIMITS, type StateLimits } from './limits.js';
import { PropertyCollector } from './PropertyCollector.js';
import { ObjectRegistry } from './registry.js';
import { ServiceInstance, type AboutOptions } from './ServiceInstance.js';
import { SessionManager } from './SessionManager.js';
import { TaskManager, type TaskManagerOptions } from './TaskManager.js';
import { UpdateHub } from './update-hub.js';
import type { UserDirectory } from './users.js';
import type { Extension } from './vim-types.js';
import type { ServiceContentTypes } from '../soap/managed-types.js';
import { PlaceholderManager } from './PlaceholderManager.js';
import { AuthorizationManager } from './AuthorizationManager.js';
import { SearchIndex } from './SearchIndex.js';
import { ViewManager } from './ViewManager.js';
import { PLACEHOLDER_VALUES, VCENTER_8_REFERENCES } from './service-content.js';

/** The ServiceContent properties answered by the task surface's own objects. */
const IMPLEMENTED = new Set([
  'rootFolder',
  'propertyCollector',
  'sessionManager',
  'taskManager',
  'extensionManager',
  'viewManager',
  'searchIndex',
  'eventManager',
  'authorizationManager',
]);

/** A placeholder for every other vCenter 8.0.3 reference the WSDL's ServiceContent can carry. */
function createPlaceholders(options: InventoryOptions): Array<[string, PlaceholderManager]> {
  const managers = options.managers;
  if (!managers) return [];
  const created: Array<[string, PlaceholderManager]> = [];
  for (const [property, [type, value]] of Object.entries(VCENTER_8_REFERENCES)) {
    if (IMPLEMENTED.has(property) || !options.types.fieldOf('ServiceContent', property)) continue;
    const def = managers.get(property);
    if (!def) continue;
    created.push([property, new PlaceholderManager(new ManagedObjectReference(type, value), def.typeChain, def.properties, PLACEHOLDER_VALUES[property])]);
  }
  return created;
}

export interface InventoryOptions {
  readonly types: TypeModel;
  /** Runs before every method (the server wires the test authors' rules into it). */
  readonly callHook?: CallHook;
  readonly users: UserDirectory;
  readonly sessionIdleTimeoutMs: number;
  readonly tasks: TaskManagerOptions;
  readonly about: AboutOptions;
  /** Bounds on what clients can make the server hold; the defaults where not given. */
  readonly limits?: Partial<StateLimits>;
  /**
   * The managed types ServiceContent refers to (wsdl/managed-types.json). With it, ServiceContent
   * carries every reference vCenter 8.0.3's does that the WSDL's ServiceContent has a field for,
   * each naming a placeholder manager; without it, only the task surface's five.
   */
  readonly managers?: ServiceContentTypes;
  /** The privileges the operation table requires (AuthorizationManager.privilegeList lists them). */
  readonly operationPrivileges?: readonly string[];
  /** Extensions registered at start, besides the govmomi simulator one. */
  readonly extensions?: readonly Extension[];
  /** The inventory under the root folder at start (default: DEFAULT_INVENTORY, docs/contract.md). */
  readonly inventory?: InventorySpec;
  /** How *_Task methods run without a rule. */
  readonly methodTasks?: MethodTaskOptions;
  /** At most this many inventory entities (default MAX_INVENTORY_ENTITIES). */
  readonly maxInventoryEntities?: number;
}

export interface Inventory {
  readonly registry: ObjectRegistry;
  readonly limits: StateLimits;
  /** What sessions hold in the property collectors, and the calls waiting (for /healthz and tests). */
  readonly collectorUsage: CollectorUsage;
  readonly dispatcher: Dispatcher;
  readonly sessionManager: SessionManager;
  readonly taskManager: TaskManager;
  readonly extensionManager: ExtensionManager;
  readonly eventManager: EventManager;
  /** The entities under the root folder. */
  readonly tree: InventoryTree;
  /** Runs the *_Task methods' tasks. */
  readonly methodTasks: MethodTaskRunner;
  dispose(): void;
}

export function createInventory(options: InventoryOptions): Inventory {
  const registry = new ObjectRegistry();
  const hub = new UpdateHub(registry);
  const limits: StateLimits = { ...DEFAULT_STATE_LIMITS, ...options.limits };
  const usage = new CollectorUsage(limits);
  const rootRef = new ManagedObjectReference('Folder', 'group-d1');
  const propertyCollector = new PropertyCollector(new ManagedObjectReference('PropertyCollector', 'propertyCollector'), { registry, hub, usage }, undefined);
  const extensionManager = new ExtensionManager(registry, [
    simpleExtension(GOVMOMI_SIMULATOR_EXTENSION, [GOVMOMI_SIMULATOR_TASK_TYPE], 'govmomi simulator'),
    ...(options.extensions ?? []),
  ]);
  const sessionManager = new SessionManager(options.users, {
    idleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: limits.maxSessions,
    maxSessionsPerUser: limits.maxSessionsPerUser,
    extensions: extensionManager,
  });
  const eventManager = new EventManager(registry, new Containment(registry, rootRef), options.types, {
    maxEvents: limits.maxEvents,
    maxCollector: options.tasks.maxCollector,
    clock: (): string => taskManager.timestamp(),
  });
  const taskManager: TaskManager = new TaskManager(registry, extensionManager, options.tasks, rootRef, options.types, eventManager);
  // The tree and the runner need each other: entities reach the runner's handlers, effects the tree.
  const tree: InventoryTree = new InventoryTree({
    registry,
    rootRef,
    maxEntities: options.maxInventoryEntities,
    taskMethod: (name) => methodTasks.handler(name),
    isRecentTask: (task) => taskManager.isRecentTask(task),
    timestamp: () => taskManager.timestamp(),
    task: (key) => taskManager.task(key),
  });
  const methodTasks = new MethodTaskRunner(registry, taskManager, () => tree, options.methodTasks ?? { defaultDurationMs: 100 });
  const viewManager = new ViewManager(registry, limits);
  const searchIndex = new SearchIndex(registry, rootRef);
  const authorizationManager = new AuthorizationManager({
    users: options.users,
    registry,
    sessionByKey: (key) => sessionManager.byKey(key),
    operationPrivileges: options.operationPrivileges ?? [],
  });
  const placeholders = createPlaceholders(options);
  const serviceInstance = new ServiceInstance(
    {
      others: {
        ...Object.fromEntries(placeholders.map(([property, object]) => [property, object.ref])),
        viewManager: viewManager.ref,
        searchIndex: searchIndex.ref,
        eventManager: eventManager.ref,
        authorizationManager: authorizationManager.ref,
      },
      rootFolder: rootRef,
      propertyCollector: propertyCollector.ref,
      sessionManager: sessionManager.ref,
      taskManager: taskManager.ref,
      extensionManager: extensionManager.ref,
    },
    options.about,
  );
  for (const object of [
    serviceInstance,
    propertyCollector,
    sessionManager,
    extensionManager,
    taskManager,
    viewManager,
    searchIndex,
    eventManager,
    authorizationManager,
  ])
    registry.add(object);
  tree.load(options.inventory ?? DEFAULT_INVENTORY);
  for (const [, object] of placeholders) registry.add(object);
  return {
    registry,
    limits,
    collectorUsage: usage,
    dispatcher: new Dispatcher(registry, options.types, options.callHook),
    sessionManager,
    taskManager,
    extensionManager,
    eventManager,
    tree,
    methodTasks,
    dispose() {
      methodTasks.dispose();
      sessionManager.endAll();
      viewManager.dispose();
      taskManager.dispose();
    },
  };
}
