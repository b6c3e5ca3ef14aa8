// vim.ExtensionManager: registered extensions, and through their taskList the task types
// TaskManager.CreateTask accepts.

import { dataObject, ManagedObjectReference, type DataObject, type VimValue } from './data.js';
import { InvalidArgument, NotFound } from './faults.js';
import { ManagedObject, type Arguments, type MethodHandler } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { TaskTypeCatalog } from './TaskManager.js';

/** Pre-registered so govc and govmomi examples written for vcsim work unchanged. */
export const GOVMOMI_SIMULATOR_EXTENSION = 'com.vmware.govmomi.simulator';
export const GOVMOMI_SIMULATOR_TASK_TYPE = 'com.vmware.govmomi.simulator.test';

export function simpleExtension(key: string, taskTypeIds: readonly string[], label = key): DataObject {
  return dataObject('Extension', {
    description: dataObject('Description', { label, summary: label }),
    key,
    version: '1.0',
    taskList: taskTypeIds.map((taskID) => dataObject('ExtensionTaskTypeInfo', { taskID })),
    lastHeartbeatTime: '1970-01-01T00:00:00Z',
  });
}

export class ExtensionManager extends ManagedObject implements TaskTypeCatalog {
  readonly ref = new ManagedObjectReference('ExtensionManager', 'ExtensionManager');
  readonly typeChain = ['ExtensionManager', 'ManagedObject'];
  readonly propertyTypes = { extensionList: 'ArrayOfExtension' };
  private readonly extensions = new Map<string, DataObject>();

  constructor(private readonly registry: ObjectRegistry, private readonly initial: readonly DataObject[]) {
    super();
    this.reset();
  }

  /** Back to the extensions registered at start. */
  reset(): void {
    this.extensions.clear();
    for (const extension of this.initial) this.extensions.set(extension.key as string, extension);
    this.registry.changed(this, ['extensionList']);
  }

  /** Registers or replaces an extension (seeds). */
  put(extension: DataObject): void {
    this.extensions.set(extension.key as string, extension);
    this.registry.changed(this, ['extensionList']);
  }

  readonly methods: Record<string, MethodHandler> = {
    RegisterExtension: (_ctx, args) => this.register(args),
    UnregisterExtension: (_ctx, args) => this.unregister(args),
    FindExtension: (_ctx, args) => this.extensions.get(args.extensionKey as string),
    UpdateExtension: (_ctx, args) => this.updateExtension(args),
  };

  getProperty(name: string): VimValue | undefined {
    return name === 'extensionList' ? [...this.extensions.values()] : undefined;
  }

  hasTaskType(taskTypeId: string): boolean {
    for (const extension of this.extensions.values()) {
      const taskList = extension.taskList as DataObject[] | undefined;
      if (taskList?.some((t) => t.taskID === taskTypeId)) return true;
    }
    return false;
  }

  private register(args: Arguments): undefined {
    const extension = args.extension as DataObject;
    const key = extension.key as string;
    if (this.extensions.has(key)) throw new InvalidArgument('extension.key', `An extension with key '${key}' is already registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
    return undefined;
  }

  private updateExtension(args: Arguments): undefined {
    const extension = args.extension as DataObject;
    const key = extension.key as string;
    if (!this.extensions.has(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
    return undefined;
  }

  private unregister(args: Arguments): undefined {
    const key = args.extensionKey as string;
    if (!this.extensions.delete(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.registry.changed(this, ['extensionList']);
    return undefined;
  }
}
