// Builds the managed-object inventory a client sees through ServiceContent, wired to one
// registry, and the dispatcher that calls into it.

import { ManagedObjectReference, type TypeModel } from './data.js';
import { Dispatcher, type CallHook } from './dispatcher.js';
import { ExtensionManager, GOVMOMI_SIMULATOR_EXTENSION, GOVMOMI_SIMULATOR_TASK_TYPE, simpleExtension } from './ExtensionManager.js';
import { Containment } from './containment.js';
import { EventManager } from './EventManager.js';
import { Folder } from './Folder.js';
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
  dispose(): void;
}

export function createInventory(options: InventoryOptions): Inventory {
  const registry = new ObjectRegistry();
  const hub = new UpdateHub(registry);
  const limits: StateLimits = { ...DEFAULT_STATE_LIMITS, ...options.limits };
  const usage = new CollectorUsage(limits);
  const rootFolder = new Folder(new ManagedObjectReference('Folder', 'group-d1'), 'Datacenters');
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
  const eventManager = new EventManager(registry, new Containment(registry, rootFolder.ref), options.types, {
    maxEvents: limits.maxEvents,
    maxCollector: options.tasks.maxCollector,
    clock: (): string => taskManager.timestamp(),
  });
  const taskManager: TaskManager = new TaskManager(registry, extensionManager, options.tasks, rootFolder.ref, options.types, eventManager);
  const viewManager = new ViewManager(registry, limits);
  const searchIndex = new SearchIndex(registry, rootFolder.ref);
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
      rootFolder: rootFolder.ref,
      propertyCollector: propertyCollector.ref,
      sessionManager: sessionManager.ref,
      taskManager: taskManager.ref,
      extensionManager: extensionManager.ref,
    },
    options.about,
  );
  for (const object of [
    serviceInstance,
    rootFolder,
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
    dispose() {
      sessionManager.endAll();
      viewManager.dispose();
      taskManager.dispose();
    },
  };
}
