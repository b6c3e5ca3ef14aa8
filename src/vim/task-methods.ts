// The *_Task methods of the inventory entity types, with what vCenter says about each task they
// start: its descriptionId and whether a client may cancel it. One generic implementation
// (method-tasks.ts) serves them all; this table is the only per-method knowledge besides the
// few effects in task-effects.ts.
//
// descriptionId is the VMODL type (without "vim.") and the VMODL method name, as vCenter names
// it: PowerOnVM_Task on vim.VirtualMachine is "VirtualMachine.powerOn", Destroy_Task on
// vim.ManagedEntity is "ManagedEntity.destroy", RemoveSnapshot_Task on vim.vm.Snapshot is
// "vm.Snapshot.remove". The rows were read from pyVmomi 6.7.1's VMODL metadata.
// cancelable: vCenter lets clients cancel the long copying operations (clone, relocate, migrate,
// snapshot, create, consolidate, tools upgrade) and not the others; a method rule can say otherwise.

import type { OperationName } from './managed-object.js';

/** [VMODL type without "vim.", VMODL method name, cancelable (default false)]. */
type Row = readonly [type: string, method: string, cancelable?: boolean];

const ROWS = {
  AddHost_Task: ['ClusterComputeResource', 'addHost'],
  AddStandaloneHost_Task: ['Folder', 'addStandaloneHost'],
  ApplyEvcModeVM_Task: ['VirtualMachine', 'applyEvcMode'],
  AttachDisk_Task: ['VirtualMachine', 'attachDisk'],
  BatchAddHostsToCluster_Task: ['Folder', 'batchAddHostsToCluster'],
  BatchAddStandaloneHosts_Task: ['Folder', 'batchAddStandaloneHosts'],
  CloneVM_Task: ['VirtualMachine', 'clone', true],
  ConfigureHCI_Task: ['ClusterComputeResource', 'configureHCI'],
  ConsolidateVMDisks_Task: ['VirtualMachine', 'consolidateDisks', true],
  CreateChildVM_Task: ['ResourcePool', 'createVm', true],
  CreateDVS_Task: ['Folder', 'createDistributedVirtualSwitch'],
  CreateScreenshot_Task: ['VirtualMachine', 'createScreenshot'],
  CreateSecondaryVM_Task: ['VirtualMachine', 'createSecondary'],
  CreateSecondaryVMEx_Task: ['VirtualMachine', 'createSecondaryEx'],
  CreateSnapshot_Task: ['VirtualMachine', 'createSnapshot', true],
  CreateSnapshotEx_Task: ['VirtualMachine', 'createSnapshotEx', true],
  CreateVM_Task: ['Folder', 'createVm', true],
  CryptoUnlock_Task: ['VirtualMachine', 'cryptoUnlock'],
  CustomizeVM_Task: ['VirtualMachine', 'customize'],
  DatastoreExitMaintenanceMode_Task: ['Datastore', 'exitMaintenanceMode'],
  Destroy_Task: ['ManagedEntity', 'destroy'],
  DetachDisk_Task: ['VirtualMachine', 'detachDisk'],
  DisableSecondaryVM_Task: ['VirtualMachine', 'disableSecondary'],
  DisconnectHost_Task: ['HostSystem', 'disconnect'],
  EnableSecondaryVM_Task: ['VirtualMachine', 'enableSecondary'],
  EnterMaintenanceMode_Task: ['HostSystem', 'enterMaintenanceMode'],
  EstimateStorageForConsolidateSnapshots_Task: ['VirtualMachine', 'estimateStorageRequirementForConsolidate'],
  ExitMaintenanceMode_Task: ['HostSystem', 'exitMaintenanceMode'],
  ExtendHCI_Task: ['ClusterComputeResource', 'extendHCI'],
  InstantClone_Task: ['VirtualMachine', 'instantClone', true],
  MakePrimaryVM_Task: ['VirtualMachine', 'makePrimary'],
  MigrateVM_Task: ['VirtualMachine', 'migrate', true],
  MoveHostInto_Task: ['ClusterComputeResource', 'moveHostInto'],
  MoveInto_Task: ['ClusterComputeResource', 'moveInto'],
  MoveIntoFolder_Task: ['Folder', 'moveInto'],
  PowerDownHostToStandBy_Task: ['HostSystem', 'enterStandbyMode'],
  PowerOffVM_Task: ['VirtualMachine', 'powerOff'],
  PowerOnMultiVM_Task: ['Datacenter', 'powerOnVm'],
  PowerOnVM_Task: ['VirtualMachine', 'powerOn'],
  PowerUpHostFromStandBy_Task: ['HostSystem', 'exitStandbyMode'],
  PromoteDisks_Task: ['VirtualMachine', 'promoteDisks'],
  RebootHost_Task: ['HostSystem', 'reboot'],
  ReconfigureCluster_Task: ['ClusterComputeResource', 'reconfigure'],
  ReconfigureComputeResource_Task: ['ComputeResource', 'reconfigureEx'],
  ReconfigureDatacenter_Task: ['Datacenter', 'reconfigure'],
  ReconfigureHostForDAS_Task: ['HostSystem', 'reconfigureDAS'],
  ReconfigVM_Task: ['VirtualMachine', 'reconfigure'],
  ReconnectHost_Task: ['HostSystem', 'reconnect'],
  RegisterChildVM_Task: ['ResourcePool', 'registerVm'],
  RegisterVM_Task: ['Folder', 'registerVm'],
  reloadVirtualMachineFromPath_Task: ['VirtualMachine', 'reloadFromPath'],
  RelocateVM_Task: ['VirtualMachine', 'relocate', true],
  RemoveAllSnapshots_Task: ['VirtualMachine', 'removeAllSnapshots'],
  RemoveSnapshot_Task: ['vm.Snapshot', 'remove'],
  Rename_Task: ['ManagedEntity', 'rename'],
  ResetVM_Task: ['VirtualMachine', 'reset'],
  RevertToCurrentSnapshot_Task: ['VirtualMachine', 'revertToCurrentSnapshot'],
  RevertToSnapshot_Task: ['vm.Snapshot', 'revert'],
  ShutdownHost_Task: ['HostSystem', 'shutdown'],
  StampAllRulesWithUuid_Task: ['ClusterComputeResource', 'stampAllRulesWithUuid'],
  StartRecording_Task: ['VirtualMachine', 'startRecording'],
  StartReplaying_Task: ['VirtualMachine', 'startReplaying'],
  StopRecording_Task: ['VirtualMachine', 'stopRecording'],
  StopReplaying_Task: ['VirtualMachine', 'stopReplaying'],
  SuspendVM_Task: ['VirtualMachine', 'suspend'],
  TerminateFaultTolerantVM_Task: ['VirtualMachine', 'terminateFaultTolerantVM'],
  TurnOffFaultToleranceForVM_Task: ['VirtualMachine', 'turnOffFaultTolerance'],
  UnregisterAndDestroy_Task: ['Folder', 'unregisterAndDestroy'],
  UpdateProductLockerLocation_Task: ['HostSystem', 'updateProductLockerLocation'],
  UpdateVirtualMachineFiles_Task: ['Datastore', 'updateVirtualMachineFiles'],
  UpdateVVolVirtualMachineFiles_Task: ['Datastore', 'updateVVolVirtualMachineFiles'],
  UpgradeTools_Task: ['VirtualMachine', 'upgradeTools', true],
  UpgradeVM_Task: ['VirtualMachine', 'upgradeVirtualHardware'],
} as const satisfies Partial<Record<OperationName, Row>>;

export type TaskMethodName = keyof typeof ROWS;

export interface TaskMethodInfo {
  readonly name: TaskMethodName;
  readonly descriptionId: string;
  readonly cancelable: boolean;
}

function isTaskMethodName(name: string): name is TaskMethodName {
  return Object.hasOwn(ROWS, name);
}

const INFO: ReadonlyMap<string, TaskMethodInfo> = new Map(
  Object.entries(ROWS).flatMap(([name, row]: [string, Row]) =>
    isTaskMethodName(name) ? [[name, { name, descriptionId: `${row[0]}.${row[1]}`, cancelable: row[2] === true }] as const] : [],
  ),
);

/** What the task a *_Task method starts looks like; undefined for any other operation. */
export function taskMethod(name: string): TaskMethodInfo | undefined {
  return INFO.get(name);
}

/** Every *_Task method the inventory implements, by name. */
export function taskMethodNames(): readonly string[] {
  return [...INFO.keys()];
}

/**
 * Destroy_Task and Rename_Task are declared on ManagedEntity without a privilege: vCenter asks for
 * one that depends on the entity's type. The most derived type listed decides; a type not listed
 * needs only a session.
 */
const ENTITY_PRIVILEGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Destroy_Task: {
    VirtualMachine: 'VirtualMachine.Inventory.Delete',
    Folder: 'Folder.Delete',
    Datacenter: 'Datacenter.Delete',
    ComputeResource: 'Host.Inventory.DeleteCluster',
    HostSystem: 'Host.Inventory.RemoveHostFromCluster',
    ResourcePool: 'Resource.DeletePool',
    Datastore: 'Datastore.Delete',
    Network: 'Network.Delete',
  },
  Rename_Task: {
    VirtualMachine: 'VirtualMachine.Config.Rename',
    Folder: 'Folder.Rename',
    Datacenter: 'Datacenter.Rename',
    ComputeResource: 'Host.Inventory.RenameCluster',
    ResourcePool: 'Resource.RenamePool',
    Datastore: 'Datastore.Rename',
  },
};

/** The privilege a method needs on an entity beyond the operation's own (types most derived first). */
export function entityPrivilege(method: string, typeChain: readonly string[]): string | undefined {
  const byType = ENTITY_PRIVILEGES[method];
  if (!byType) return undefined;
  for (const type of typeChain) if (byType[type]) return byType[type];
  return undefined;
}
