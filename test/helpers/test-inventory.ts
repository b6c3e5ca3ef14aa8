// A small inventory tree made of test-only entities, for unit tests of views, traversal and the
// SearchIndex. Each entity is a plain managed object with the standard containment properties
// (childEntity, vmFolder, host, vm, ...); changing one announces it through the registry, as the
// server's own entities do.

import { ManagedObjectReference, type VimValue } from '../../src/vim/data.js';
import { ManagedObject } from '../../src/vim/managed-object.js';
import type { ObjectRegistry } from '../../src/vim/registry.js';

const CHAINS: Readonly<Record<string, readonly string[]>> = {
  Folder: ['Folder', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  Datacenter: ['Datacenter', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  ClusterComputeResource: ['ClusterComputeResource', 'ComputeResource', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  HostSystem: ['HostSystem', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  ResourcePool: ['ResourcePool', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  VirtualMachine: ['VirtualMachine', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  Datastore: ['Datastore', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
  Network: ['Network', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'],
};

const PROPERTY_TYPES: Readonly<Record<string, string>> = {
  name: 'xsd:string',
  parent: 'ManagedObjectReference',
  childEntity: 'ArrayOfManagedObjectReference',
  vmFolder: 'ManagedObjectReference',
  hostFolder: 'ManagedObjectReference',
  datastoreFolder: 'ManagedObjectReference',
  networkFolder: 'ManagedObjectReference',
  host: 'ArrayOfManagedObjectReference',
  resourcePool: 'ManagedObjectReference',
  vm: 'ArrayOfManagedObjectReference',
  config: 'VirtualMachineConfigInfo',
  hardware: 'HostHardwareInfo',
};

export class TestEntity extends ManagedObject {
  readonly typeChain: readonly string[];
  readonly propertyTypes: Readonly<Record<string, string>>;
  readonly methods = {};
  private readonly values = new Map<string, VimValue>();

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly registry: ObjectRegistry,
    values: Record<string, VimValue>,
  ) {
    super();
    this.typeChain = CHAINS[ref.type];
    this.propertyTypes = Object.fromEntries(Object.keys(values).map((name) => [name, PROPERTY_TYPES[name] ?? 'xsd:anyType']));
    for (const [name, value] of Object.entries(values)) this.values.set(name, value);
  }

  getProperty(name: string): VimValue | undefined {
    return this.values.get(name);
  }

  set(name: string, value: VimValue): void {
    this.values.set(name, value);
    this.registry.changed(this, [name]);
  }

  refsOf(name: string): ManagedObjectReference[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? (value as ManagedObjectReference[]) : [];
  }
}

export interface TestTree {
  readonly root: TestEntity;
  readonly dc: TestEntity;
  readonly vmFolder: TestEntity;
  readonly hostFolder: TestEntity;
  readonly cluster: TestEntity;
  readonly host: TestEntity;
  readonly pool: TestEntity;
  readonly vm: TestEntity;
  readonly datastore: TestEntity;
  readonly network: TestEntity;
  /** Makes a VM in the DC's vm folder (and on the host and pool), announced like the seeded ones. */
  addVm(value: string, name: string): TestEntity;
}

/**
 * /DC0 with vm/web-01, host/cluster1/{esx-1, Resources}, datastore/ds1, network/net1; web-01
 * also runs on esx-1 and in Resources (so it is reached three ways).
 */
export function buildTestTree(registry: ObjectRegistry, rootValue = 'group-test'): TestTree {
  const ref = (type: string, value: string) => new ManagedObjectReference(type, value);
  const entity = (type: string, value: string, values: Record<string, VimValue>) => {
    const made = new TestEntity(ref(type, value), registry, values);
    registry.add(made);
    return made;
  };
  const root = entity('Folder', rootValue, { name: 'Datacenters', childEntity: [ref('Datacenter', 'datacenter-1')] });
  const dc = entity('Datacenter', 'datacenter-1', {
    name: 'DC0',
    parent: root.ref,
    vmFolder: ref('Folder', 'group-v1'),
    hostFolder: ref('Folder', 'group-h1'),
    datastoreFolder: ref('Folder', 'group-s1'),
    networkFolder: ref('Folder', 'group-n1'),
  });
  const vmFolder = entity('Folder', 'group-v1', { name: 'vm', parent: dc.ref, childEntity: [ref('VirtualMachine', 'vm-1')] });
  const hostFolder = entity('Folder', 'group-h1', { name: 'host', parent: dc.ref, childEntity: [ref('ClusterComputeResource', 'domain-c1')] });
  entity('Folder', 'group-s1', { name: 'datastore', parent: dc.ref, childEntity: [ref('Datastore', 'datastore-1')] });
  entity('Folder', 'group-n1', { name: 'network', parent: dc.ref, childEntity: [ref('Network', 'network-1')] });
  const cluster = entity('ClusterComputeResource', 'domain-c1', {
    name: 'cluster1',
    parent: hostFolder.ref,
    host: [ref('HostSystem', 'host-1')],
    resourcePool: ref('ResourcePool', 'resgroup-1'),
  });
  const host = entity('HostSystem', 'host-1', {
    name: 'esx-1',
    parent: cluster.ref,
    vm: [ref('VirtualMachine', 'vm-1')],
    hardware: { _type: 'HostHardwareInfo', systemInfo: { _type: 'HostSystemInfo', uuid: 'AAAA-host-uuid' } },
  });
  const pool = entity('ResourcePool', 'resgroup-1', { name: 'Resources', parent: cluster.ref, resourcePool: [], vm: [ref('VirtualMachine', 'vm-1')] });
  const vm = entity('VirtualMachine', 'vm-1', {
    name: 'web-01',
    parent: vmFolder.ref,
    config: { _type: 'VirtualMachineConfigInfo', uuid: '4210aaaa-0000-0000-0000-000000000001', instanceUuid: '5010bbbb-0000-0000-0000-000000000001' },
  });
  const datastore = entity('Datastore', 'datastore-1', { name: 'ds1', parent: ref('Folder', 'group-s1') });
  const network = entity('Network', 'network-1', { name: 'net1', parent: ref('Folder', 'group-n1') });
  const addVm = (value: string, name: string) => {
    const made = entity('VirtualMachine', value, { name, parent: vmFolder.ref });
    vmFolder.set('childEntity', [...vmFolder.refsOf('childEntity'), made.ref]);
    return made;
  };
  return { root, dc, vmFolder, hostFolder, cluster, host, pool, vm, datastore, network, addVm };
}
