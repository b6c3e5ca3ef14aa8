// vim.vm.Snapshot: one snapshot of a VM, in its VM's tree. Not an entity: its tasks are the
// VM's (method-tasks.ts), as vCenter reports them.

import type { ManagedObjectReference, VimValue } from './data.js';
import type { EntityHost, TaskMethodHandler } from './entity.js';
import { ManagedObject } from './managed-object.js';
import type { VirtualMachine } from './VirtualMachine.js';
import type { VirtualMachinePowerState } from './vim-types.js';

const TYPE_CHAIN = ['VirtualMachineSnapshot', 'ExtensibleManagedObject', 'ManagedObject'] as const;
const PROPERTY_TYPES = {
  config: 'VirtualMachineConfigInfo',
  childSnapshot: 'ArrayOfManagedObjectReference',
  vm: 'ManagedObjectReference',
  availableField: 'ArrayOfCustomFieldDef',
  value: 'ArrayOfCustomFieldValue',
} as const;

export interface SnapshotSettings {
  readonly name: string;
  readonly description: string;
  readonly id: number;
  readonly createTime: string;
  readonly quiesced: boolean;
  /** As saved in a state document; by default the VM's power state and configuration now. */
  readonly state?: VirtualMachinePowerState;
  readonly config?: VimValue | undefined;
}

export class VirtualMachineSnapshot extends ManagedObject {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly children: VirtualMachineSnapshot[] = [];
  parentSnapshot: VirtualMachineSnapshot | undefined;
  readonly name: string;
  readonly description: string;
  readonly id: number;
  readonly createTime: string;
  readonly quiesced: boolean;
  /** The VM's power state when the snapshot was taken. */
  readonly state: VirtualMachinePowerState;
  /** The VM's configuration when the snapshot was taken. */
  readonly config: VimValue | undefined;

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly inventory: EntityHost,
    readonly vm: VirtualMachine,
    settings: SnapshotSettings,
  ) {
    super();
    this.name = settings.name;
    this.description = settings.description;
    this.id = settings.id;
    this.createTime = settings.createTime;
    this.quiesced = settings.quiesced;
    this.state = settings.state ?? vm.powerState;
    this.config = 'config' in settings ? settings.config : vm.getProperty('config');
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'config':
        return this.config;
      case 'childSnapshot':
        return this.children.map((c) => c.ref);
      case 'vm':
        return this.vm.ref;
      case 'availableField':
      case 'value':
        return [];
      default:
        return undefined;
    }
  }

  override method(name: string): TaskMethodHandler | undefined {
    return super.method(name) ?? this.inventory.taskMethod(name);
  }
}
