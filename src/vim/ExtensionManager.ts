// vim.ExtensionManager: registered extensions, and through their taskList the task types
// TaskManager.CreateTask accepts.

import { ManagedObjectReference, type VimValue } from './data.js';
import { InvalidArgument, NotFound } from './faults.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { TaskTypeCatalog } from './TaskManager.js';
import type { Extension } from './vim-types.js';

/** Pre-registered so govc and govmomi examples written for vcsim work unchanged. */
export const GOVMOMI_SIMULATOR_EXTENSION = 'com.vmware.govmomi.simulator';
export const GOVMOMI_SIMULATOR_TASK_TYPE = 'com.vmware.govmomi.simulator.test';

export function simpleExtension(key: string, taskTypeIds: readonly string[], label = key): Extension {
  return {
    _type: 'Extension',
    description: { _type: 'Description', label, summary: label },
    key,
    version: '1.0',
    taskList: taskTypeIds.map((taskID) => ({ _type: 'ExtensionTaskTypeInfo', taskID })),
    lastHeartbeatTime: '1970-01-01T00:00:00Z',
  };
}

export class ExtensionManager extends ManagedObject implements TaskTypeCatalog {
  readonly ref = new ManagedObjectReference('ExtensionManager', 'ExtensionManager');
  readonly typeChain = ['ExtensionManager', 'ManagedObject'];
  readonly propertyTypes = { extensionList: 'ArrayOfExtension' };
  private readonly extensions = new Map<string, Extension>();

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly initial: readonly Extension[],
  ) {
    super();
    this.reset();
  }

  /** Back to the extensions registered at start. */
  reset(): void {
    this.extensions.clear();
    for (const extension of this.initial) this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  /** Replaces every extension with a state document's (the ones registered at start included). */
  restore(extensions: readonly Extension[]): void {
    this.extensions.clear();
    for (const extension of extensions) this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  /** Registers or replaces an extension (seeds). */
  put(extension: Extension): void {
    this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  readonly methods: Methods<'RegisterExtension' | 'UnregisterExtension' | 'FindExtension' | 'UpdateExtension', ExtensionManager> = {
    RegisterExtension: (_ctx, args) => this.register(args.extension),
    UnregisterExtension: (_ctx, args) => this.unregister(args.extensionKey),
    FindExtension: (_ctx, args) => this.extensions.get(args.extensionKey),
    UpdateExtension: (_ctx, args) => this.updateExtension(args.extension),
  };

  /** Every registered extension. */
  list(): Extension[] {
    return [...this.extensions.values()];
  }

  getProperty(name: string): VimValue | undefined {
    return name === 'extensionList' ? [...this.extensions.values()] : undefined;
  }

  hasTaskType(taskTypeId: string): boolean {
    for (const extension of this.extensions.values()) {
      if (extension.taskList?.some((t) => t.taskID === taskTypeId)) return true;
    }
    return false;
  }

  private register(extension: Extension): void {
    const key = extension.key;
    if (this.extensions.has(key)) throw new InvalidArgument('extension.key', `An extension with key '${key}' is already registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  private updateExtension(extension: Extension): void {
    const key = extension.key;
    if (!this.extensions.has(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  private unregister(key: string): void {
    if (!this.extensions.delete(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.registry.changed(this, ['extensionList']);
  }
}
