// What a successful *_Task does to the inventory, for the methods whose effect clients look for.
// Each effect runs when the task succeeds (not when it is called), and a failing effect (the
// folder a clone names is gone, say) ends the task in error with that fault instead. Every other
// *_Task method succeeds without changing anything (docs/contract.md lists both).

import { isDataObject, ManagedObjectReference, type VimValue } from './data.js';
import { ManagedEntity } from './entity.js';
import { InvalidArgument, ManagedObjectNotFound, MethodFault } from './faults.js';
import { ComputeResource } from './ComputeResource.js';
import { Datastore } from './Datastore.js';
import { Folder } from './Folder.js';
import { HostSystem } from './HostSystem.js';
import type { InventoryTree } from './inventory-tree.js';
import type { Arguments, ManagedObject } from './managed-object.js';
import { ResourcePool } from './ResourcePool.js';
import { VirtualMachine } from './VirtualMachine.js';
import { VirtualMachineSnapshot } from './VirtualMachineSnapshot.js';

/** The methods with an effect (the rest change nothing). */
export const METHODS_WITH_EFFECTS = [
  'PowerOnVM_Task',
  'PowerOffVM_Task',
  'Destroy_Task',
  'Rename_Task',
  'CloneVM_Task',
  'ReconfigVM_Task',
  'MigrateVM_Task',
  'RelocateVM_Task',
  'CreateSnapshot_Task',
  'RemoveSnapshot_Task',
] as const;

type Fields = Readonly<Record<string, VimValue | undefined>>;

function fieldsOf(value: VimValue | undefined): Fields {
  return value !== undefined && isDataObject(value) ? value : {};
}

function text(value: VimValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function int(value: VimValue | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The live object a reference argument names, of the given class; a fault naming the argument otherwise. */
function resolve<T extends ManagedObject>(
  tree: InventoryTree,
  value: VimValue | undefined,
  cls: abstract new (...args: never[]) => T,
  argument: string,
): T | undefined {
  if (!(value instanceof ManagedObjectReference)) return undefined;
  const object = tree.registry.get(value);
  if (!object) throw new ManagedObjectNotFound(value);
  if (!(object instanceof cls)) throw new InvalidArgument(argument);
  return object;
}

function vmOf(target: ManagedObject): VirtualMachine {
  if (target instanceof VirtualMachine) return target;
  throw new InvalidArgument('_this');
}

/** Where a relocate or migrate moves a VM; a host alone moves it into that host's root pool. */
function moveVm(tree: InventoryTree, vm: VirtualMachine, host: VimValue | undefined, pool: VimValue | undefined, datastore: VimValue | undefined): void {
  const toHost = resolve(tree, host, HostSystem, 'host');
  const toPool = resolve(tree, pool, ResourcePool, 'pool');
  const toDatastore = resolve(tree, datastore, Datastore, 'datastore');
  const hostPool = toHost?.parent instanceof ComputeResource ? toHost.parent.resourcePool : undefined;
  vm.place({
    ...(toHost ? { host: toHost } : {}),
    ...(toPool ? { resourcePool: toPool } : toHost && vm.resourcePool?.owner !== toHost.parent ? { resourcePool: hostPool } : {}),
    ...(toDatastore ? { datastores: [toDatastore] } : {}),
  });
}

function checkUniqueName(parent: ManagedEntity | undefined, name: string, except?: ManagedEntity): void {
  if (parent?.children().some((c) => c !== except && c.name === name))
    throw new MethodFault('DuplicateName', `The name '${name}' already exists.`, { name, object: parent.ref });
}

/**
 * Applies a successful task's effect and returns the task's result (undefined: none). Throws the
 * MethodFault the task then fails with.
 */
export function applyEffect(method: string, target: ManagedObject, args: Arguments, tree: InventoryTree): VimValue | undefined {
  switch (method) {
    case 'PowerOnVM_Task':
      vmOf(target).setPowerState('poweredOn');
      return undefined;
    case 'PowerOffVM_Task':
      vmOf(target).setPowerState('poweredOff');
      return undefined;
    case 'Destroy_Task':
      tree.remove(entityOf(target));
      return undefined;
    case 'Rename_Task': {
      const entity = entityOf(target);
      const name = text(args.newName) ?? '';
      checkUniqueName(entity.parent, name, entity);
      entity.rename(name);
      return undefined;
    }
    case 'CloneVM_Task':
      return clone(tree, vmOf(target), args);
    case 'ReconfigVM_Task': {
      const vm = vmOf(target);
      const spec = fieldsOf(args.spec);
      const name = text(spec.name);
      if (name !== undefined && name !== vm.name) {
        checkUniqueName(vm.parent, name, vm);
        vm.rename(name);
      }
      vm.reconfigure({ numCPU: int(spec.numCPUs), memoryMB: int(spec.memoryMB) });
      return undefined;
    }
    case 'MigrateVM_Task':
      moveVm(tree, vmOf(target), args.host, args.pool, undefined);
      return undefined;
    case 'RelocateVM_Task': {
      const spec = fieldsOf(args.spec);
      moveVm(tree, vmOf(target), spec.host, spec.pool, spec.datastore);
      return undefined;
    }
    case 'CreateSnapshot_Task':
      return tree.addSnapshot(vmOf(target), {
        name: text(args.name) ?? '',
        description: text(args.description) ?? '',
        quiesced: args.quiesce === true,
      }).ref;
    case 'RemoveSnapshot_Task':
      if (target instanceof VirtualMachineSnapshot) tree.removeSnapshot(target, args.removeChildren === true);
      return undefined;
    default:
      return undefined;
  }
}

function entityOf(target: ManagedObject): ManagedEntity {
  if (target instanceof ManagedEntity) return target;
  throw new InvalidArgument('_this');
}

function clone(tree: InventoryTree, source: VirtualMachine, args: Arguments): ManagedObjectReference {
  const folder = resolve(tree, args.folder, Folder, 'folder');
  if (!folder) throw new InvalidArgument('folder');
  const name = text(args.name) ?? '';
  checkUniqueName(folder, name);
  const spec = fieldsOf(args.spec);
  const location = fieldsOf(spec.location);
  const config = fieldsOf(spec.config);
  const host = resolve(tree, location.host, HostSystem, 'spec.location.host') ?? source.host;
  const pool = resolve(tree, location.pool, ResourcePool, 'spec.location.pool') ?? source.resourcePool;
  const datastore = resolve(tree, location.datastore, Datastore, 'spec.location.datastore');
  const vm = tree.addVm(folder, name, {
    powerState: spec.powerOn === true ? 'poweredOn' : 'poweredOff',
    numCPU: int(config.numCPUs) ?? source.numCPU,
    memoryMB: int(config.memoryMB) ?? source.memoryMB,
    placement: {
      host,
      resourcePool: pool,
      datastores: datastore ? [datastore] : source.datastores,
      networks: source.networks,
    },
  });
  return vm.ref;
}
