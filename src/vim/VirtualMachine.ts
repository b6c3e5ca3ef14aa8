// vim.VirtualMachine: where it runs (host, resource pool, datastores, networks), its power
// state, a little of its configuration (name, CPUs, memory) and its snapshot tree. runtime,
// summary and config are built from these on each read, so every change shows in all three.

import type { ManagedObjectReference, VimValue } from './data.js';
import type { Datastore } from './Datastore.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { HostSystem } from './HostSystem.js';
import type { Network } from './Network.js';
import type { ResourcePool } from './ResourcePool.js';
import type { VirtualMachineSnapshot } from './VirtualMachineSnapshot.js';
import type {
  VirtualMachineConfigInfo,
  VirtualMachinePowerState,
  VirtualMachineRuntimeInfo,
  VirtualMachineSnapshotInfo,
  VirtualMachineSnapshotTree,
  VirtualMachineSummary,
} from './vim-types.js';

const TYPE_CHAIN = entityChain('VirtualMachine');
const PROPERTY_TYPES = {
  ...ENTITY_PROPERTY_TYPES,
  runtime: 'VirtualMachineRuntimeInfo',
  summary: 'VirtualMachineSummary',
  config: 'VirtualMachineConfigInfo',
  resourcePool: 'ManagedObjectReference',
  datastore: 'ArrayOfManagedObjectReference',
  network: 'ArrayOfManagedObjectReference',
  snapshot: 'VirtualMachineSnapshotInfo',
  rootSnapshot: 'ArrayOfManagedObjectReference',
} as const;

/** Where a VM runs; each field given replaces the current one. */
export interface Placement {
  readonly host?: HostSystem | undefined;
  readonly resourcePool?: ResourcePool | undefined;
  readonly datastores?: readonly Datastore[];
  readonly networks?: readonly Network[];
}

export interface VirtualMachineSettings {
  readonly powerState: VirtualMachinePowerState;
  readonly numCPU: number;
  readonly memoryMB: number;
  readonly uuid: string;
  readonly createTime: string;
}

export class VirtualMachine extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  host: HostSystem | undefined;
  resourcePool: ResourcePool | undefined;
  datastores: readonly Datastore[] = [];
  networks: readonly Network[] = [];
  powerState: VirtualMachinePowerState;
  numCPU: number;
  memoryMB: number;
  readonly uuid: string;
  readonly createTime: string;
  /** Snapshots without a parent snapshot, oldest first. */
  readonly rootSnapshots: VirtualMachineSnapshot[] = [];
  currentSnapshot: VirtualMachineSnapshot | undefined;

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string, settings: VirtualMachineSettings) {
    super(ref, host, name);
    this.powerState = settings.powerState;
    this.numCPU = settings.numCPU;
    this.memoryMB = settings.memoryMB;
    this.uuid = settings.uuid;
    this.createTime = settings.createTime;
  }

  children(): readonly ManagedEntity[] {
    return [];
  }

  detach(): void {}

  protected override nameProperties(): readonly string[] {
    return ['name', 'config', 'summary'];
  }

  /** Moves the VM, keeping the back links (host.vm, pool.vm, datastore.vm, network.vm) in step. */
  place(placement: Placement): void {
    if ('host' in placement && placement.host !== this.host) {
      this.host?.vms.delete(this);
      this.host?.changed(['vm']);
      this.host = placement.host;
      this.host?.vms.add(this);
      this.host?.changed(['vm']);
    }
    if ('resourcePool' in placement && placement.resourcePool !== this.resourcePool) {
      this.resourcePool?.vms.delete(this);
      this.resourcePool?.changed(['vm']);
      this.resourcePool = placement.resourcePool;
      this.resourcePool?.vms.add(this);
      this.resourcePool?.changed(['vm']);
    }
    if (placement.datastores) {
      for (const d of this.datastores) d.vms.delete(this);
      this.datastores = [...placement.datastores];
      for (const d of this.datastores) d.vms.add(this);
    }
    if (placement.networks) {
      for (const n of this.networks) n.vms.delete(this);
      this.networks = [...placement.networks];
      for (const n of this.networks) n.vms.add(this);
    }
    this.changed(['runtime', 'summary', 'resourcePool', 'datastore', 'network']);
  }

  setPowerState(state: VirtualMachinePowerState): void {
    this.powerState = state;
    this.changed(['runtime', 'summary']);
  }

  reconfigure(change: { readonly numCPU?: number | undefined; readonly memoryMB?: number | undefined }): void {
    if (change.numCPU !== undefined) this.numCPU = change.numCPU;
    if (change.memoryMB !== undefined) this.memoryMB = change.memoryMB;
    this.changed(['config', 'summary']);
  }

  /** The snapshot tree changed (one was taken or removed). */
  snapshotsChanged(): void {
    this.changed(['snapshot', 'rootSnapshot']);
  }

  override unlink(): void {
    this.place({ host: undefined, resourcePool: undefined, datastores: [], networks: [] });
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'runtime':
        return this.runtime();
      case 'summary':
        return this.summary();
      case 'config':
        return this.config();
      case 'resourcePool':
        return this.resourcePool?.ref;
      case 'datastore':
        return refs(this.datastores);
      case 'network':
        return refs(this.networks);
      case 'snapshot':
        return this.snapshotInfo();
      case 'rootSnapshot':
        return refs(this.rootSnapshots);
      default:
        return undefined;
    }
  }

  private runtime(): VirtualMachineRuntimeInfo {
    return {
      _type: 'VirtualMachineRuntimeInfo',
      host: this.host?.ref,
      connectionState: 'connected',
      powerState: this.powerState,
      faultToleranceState: 'notConfigured',
      toolsInstallerMounted: false,
      numMksConnections: 0,
      recordReplayState: 'inactive',
      onlineStandby: false,
      consolidationNeeded: false,
    };
  }

  private summary(): VirtualMachineSummary {
    return {
      _type: 'VirtualMachineSummary',
      vm: this.ref,
      runtime: this.runtime(),
      config: {
        _type: 'VirtualMachineConfigSummary',
        name: this.name,
        template: false,
        vmPathName: this.vmPathName(),
        memorySizeMB: this.memoryMB,
        numCpu: this.numCPU,
        uuid: this.uuid,
        guestId: 'otherGuest64',
        guestFullName: 'Other (64-bit)',
      },
      quickStats: { _type: 'VirtualMachineQuickStats', guestHeartbeatStatus: this.powerState === 'poweredOn' ? 'green' : 'gray' },
      overallStatus: 'green',
    };
  }

  private vmPathName(): string {
    return `[${this.datastores[0]?.name ?? 'datastore'}] ${this.name}/${this.name}.vmx`;
  }

  private config(): VirtualMachineConfigInfo {
    return {
      _type: 'VirtualMachineConfigInfo',
      changeVersion: this.createTime,
      modified: this.createTime,
      name: this.name,
      guestFullName: 'Other (64-bit)',
      version: 'vmx-14',
      uuid: this.uuid,
      template: false,
      guestId: 'otherGuest64',
      alternateGuestName: '',
      files: { _type: 'VirtualMachineFileInfo', vmPathName: this.vmPathName() },
      flags: { _type: 'VirtualMachineFlagInfo' },
      defaultPowerOps: { _type: 'VirtualMachineDefaultPowerOpInfo' },
      hardware: { _type: 'VirtualHardware', numCPU: this.numCPU, memoryMB: this.memoryMB },
    };
  }

  private snapshotInfo(): VirtualMachineSnapshotInfo | undefined {
    if (this.rootSnapshots.length === 0) return undefined;
    return { _type: 'VirtualMachineSnapshotInfo', currentSnapshot: this.currentSnapshot?.ref, rootSnapshotList: this.rootSnapshots.map(tree) };
  }
}

function tree(snapshot: VirtualMachineSnapshot): VirtualMachineSnapshotTree {
  return {
    _type: 'VirtualMachineSnapshotTree',
    snapshot: snapshot.ref,
    vm: snapshot.vm.ref,
    name: snapshot.name,
    description: snapshot.description,
    id: snapshot.id,
    createTime: snapshot.createTime,
    state: snapshot.state,
    quiesced: snapshot.quiesced,
    childSnapshotList: snapshot.children.map(tree),
  };
}
