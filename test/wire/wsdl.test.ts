// The WSDL the server publishes, checked from the outside: fetched over HTTP, compared with the
// files in wsdl/, and loaded by the `soap` npm package (a WSDL-driven client that knows nothing
// about vSphere). What that client sees must be exactly what the server routes and decodes.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as soap from 'soap';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_USERS, ROOT, startEmulator } from '../helpers/emulator.js';
import type { Emulator } from '../../src/server/app.js';
import { VirtualMachine } from '../../src/vim/VirtualMachine.js';

const XML_CONTENT_TYPE = /^text\/xml\b/;

// Bookkeeping keys soap's describe() adds to every input/output description.
const DESCRIBE_META = new Set(['targetNSAlias', 'targetNamespace']);

let emu: Emulator;
let base: string;
let client: soap.Client;

async function get(urlPath: string): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
  const res = await fetch(base + urlPath);
  return { status: res.status, contentType: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The base type of a named complexType in the schema soap parsed from the served WSDL. */
function soapBaseOf(typeName: string): string | undefined {
  const schema = (client.wsdl.definitions.schemas as Record<string, { complexTypes: Record<string, SoapElement> }>)['urn:vim25'];
  const type = schema.complexTypes[typeName];
  if (!type) throw new Error(`soap did not parse a complexType named ${typeName}`);
  const content = type.children.find((c) => c.name === 'complexContent' || c.name === 'simpleContent');
  const extension = content?.children.find((c) => c.name === 'extension');
  return extension?.$base?.replace(/^.*:/, '');
}

interface SoapElement {
  name: string;
  $name?: string;
  $base?: string;
  children: SoapElement[];
}

/** The chain of bases above a type, as soap's parse of the served WSDL sees it. */
function soapAncestors(typeName: string): string[] {
  const chain: string[] = [];
  let cursor = soapBaseOf(typeName);
  while (cursor) {
    chain.push(cursor);
    cursor = soapBaseOf(cursor);
  }
  return chain;
}

beforeAll(async () => {
  emu = await startEmulator({ usersFile: EXAMPLE_USERS });
  base = emu.url();
  client = await soap.createClientAsync(`${base}/sdk/vimService.wsdl`, { endpoint: `${base}/sdk` });
});

afterAll(async () => {
  await emu?.close();
});

describe('served WSDL documents', () => {
  for (const file of ['vimService.wsdl', 'vim.wsdl']) {
    it(`GET /sdk/${file} is byte-identical to wsdl/${file}`, async () => {
      const res = await get(`/sdk/${file}`);
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(XML_CONTENT_TYPE);
      const onDisk = readFileSync(path.join(ROOT, 'wsdl', file));
      expect(res.bytes.length).toBe(onDisk.length);
      expect(res.bytes.equals(onDisk)).toBe(true);
    });
  }

  it('vimService.wsdl imports vim.wsdl by a relative location the server also serves', async () => {
    const doc = await parseStringPromise((await get('/sdk/vimService.wsdl')).bytes.toString('utf8'));
    const imports = doc.definitions.import as Array<{ $: { location: string; namespace: string } }>;
    expect(imports).toHaveLength(1);
    expect(imports[0].$).toEqual({ location: 'vim.wsdl', namespace: 'urn:vim25' });
    const resolved = new URL(imports[0].$.location, `${base}/sdk/vimService.wsdl`);
    expect(resolved.pathname).toBe('/sdk/vim.wsdl');
    expect((await get(resolved.pathname)).status).toBe(200);
  });

  it('GET /sdk/vimServiceVersions.xml is <namespaces version="1.0"> for urn:vim25 listing 6.7.1', async () => {
    const res = await get('/sdk/vimServiceVersions.xml');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(XML_CONTENT_TYPE);
    const doc = await parseStringPromise(res.bytes.toString('utf8'));
    expect(Object.keys(doc)).toEqual(['namespaces']);
    expect(doc.namespaces.$).toEqual({ version: '1.0' });
    const namespaces = doc.namespaces.namespace as Array<{ name: string[]; version: string[]; priorVersions?: Array<{ version: string[] }> }>;
    expect(namespaces.length).toBeGreaterThanOrEqual(1);
    const vim25 = namespaces.find((ns) => ns.name[0] === 'urn:vim25');
    expect(vim25).toBeDefined();
    // pyVmomi 6.7.1 matches <version> and every <priorVersions>/<version> against the ids it knows.
    const listed = [...vim25!.version, ...(vim25!.priorVersions ?? []).flatMap((p) => p.version)];
    expect(listed).toContain('6.7.1');
  });
});

describe('the soap npm client loads the served WSDL', () => {
  it('finds one service, one port, and the binding that vimService.wsdl imports from vim.wsdl', () => {
    const described = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(described)).toEqual(['VimService']);
    expect(Object.keys(described.VimService)).toEqual(['VimPort']);
    const definitions = client.wsdl.definitions as unknown as {
      bindings: Record<string, { methods: Record<string, { soapAction: string; style: string }> }>;
      services: Record<string, { ports: Record<string, { location: string }> }>;
    };
    expect(Object.keys(definitions.bindings)).toEqual(['VimBinding']);
    for (const [name, method] of Object.entries(definitions.bindings.VimBinding.methods)) {
      expect(method.style, name).toBe('document');
      expect(method.soapAction, name).toMatch(/^urn:vim25\/\d/);
    }
  });

  it('describe() lists exactly the operations the server routes', () => {
    const described = Object.keys((client.describe() as Record<string, Record<string, object>>).VimService.VimPort).sort();
    const routed = [...emu.schema.operations.keys()].sort();
    expect(routed.length).toBeGreaterThan(0);
    expect(described).toEqual(routed);
    // The task methods this project is about must be among them.
    for (const op of [
      'CancelTask',
      'SetTaskState',
      'UpdateProgress',
      'SetTaskDescription',
      'CreateTask',
      'Login',
      'RetrieveServiceContent',
      'RetrievePropertiesEx',
    ]) {
      expect(described, op).toContain(op);
    }
  });

  it("describe()'s input of every operation is _this plus the parameters the server decodes, in order", () => {
    const port = (client.describe() as Record<string, Record<string, Record<string, { input: Record<string, unknown> }>>>).VimService.VimPort;
    for (const [name, op] of emu.schema.operations) {
      const inputs = Object.keys(port[name].input).filter((k) => !DESCRIBE_META.has(k));
      expect(inputs, name).toEqual(['_this', ...op.params.map((p) => (p.array ? `${p.name}[]` : p.name))]);
    }
  });

  it('every portType operation declares the faults the server schema lists for it', () => {
    const portType = (client.wsdl.definitions as unknown as { portTypes: Record<string, { methods: Record<string, SoapElement> }> }).portTypes.VimPortType;
    for (const [name, op] of emu.schema.operations) {
      const declared = portType.methods[name].children
        .map((c) => c.$name)
        .filter((n): n is string => !!n)
        .sort();
      expect(declared, name).toEqual(op.faults.map((f) => `${f}Fault`).sort());
    }
  });

  it('every operation the WSDL advertises has a handler on an object of its managed type, and nothing more is routed', async () => {
    // Log in and create one object of each dynamic managed type, then look them all up in-process.
    const mo = (type: string, value: string) => ({ attributes: { type }, $value: value });
    const c = await soap.createClientAsync(`${base}/sdk/vimService.wsdl`, { endpoint: `${base}/sdk` });
    await c.LoginAsync({ _this: mo('SessionManager', 'SessionManager'), userName: 'admin', password: 'admin' });
    c.addHttpHeader('Cookie', String(c.lastResponseHeaders?.['set-cookie']?.[0]).split(';')[0]);
    type MoRef = { attributes: { type: string }; $value: string };
    const created: MoRef[] = [];
    const [task] = await c.CreateTaskAsync({
      _this: mo('TaskManager', 'TaskManager'),
      obj: mo('Folder', 'group-d1'),
      taskTypeId: 'com.vmware.govmomi.simulator.test',
      cancelable: false,
    });
    created.push(task.returnval.task);
    const [filter] = await c.CreateFilterAsync({
      _this: mo('PropertyCollector', 'propertyCollector'),
      spec: { propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: task.returnval.task }] },
      partialUpdates: false,
    });
    created.push(filter.returnval);
    const [pc] = await c.CreatePropertyCollectorAsync({ _this: mo('PropertyCollector', 'propertyCollector') });
    created.push(pc.returnval);
    const [listView] = await c.CreateListViewAsync({ _this: mo('ViewManager', 'ViewManager') });
    created.push(listView.returnval);
    const [containerView] = await c.CreateContainerViewAsync({ _this: mo('ViewManager', 'ViewManager'), container: mo('Folder', 'group-d1'), recursive: true });
    created.push(containerView.returnval);
    // The only way to obtain a (Task)HistoryCollector; its failure is reported below as unrouted operations.
    const problems: string[] = [];
    try {
      const [collector] = await c.CreateCollectorForTasksAsync({ _this: mo('TaskManager', 'TaskManager'), filter: {} });
      created.push(collector.returnval);
    } catch (error) {
      problems.push(`CreateCollectorForTasks failed: ${(error as Error).message.slice(0, 160)}`);
    }
    try {
      const [collector] = await c.CreateCollectorForEventsAsync({ _this: mo('EventManager', 'EventManager'), filter: {} });
      created.push(collector.returnval);
    } catch (error) {
      problems.push(`CreateCollectorForEvents failed: ${(error as Error).message.slice(0, 160)}`);
    }
    const refs: Array<{ type: string; value: string }> = [
      { type: 'ServiceInstance', value: 'ServiceInstance' },
      { type: 'SessionManager', value: 'SessionManager' },
      { type: 'PropertyCollector', value: 'propertyCollector' },
      { type: 'TaskManager', value: 'TaskManager' },
      { type: 'ExtensionManager', value: 'ExtensionManager' },
      { type: 'EventManager', value: 'EventManager' },
      { type: 'AuthorizationManager', value: 'AuthorizationManager' },
      { type: 'Folder', value: 'group-d1' },
      { type: 'ViewManager', value: 'ViewManager' },
      { type: 'SearchIndex', value: 'SearchIndex' },
      ...created.map((r) => ({ type: r.attributes.type, value: r.$value })),
    ];
    const objects = refs.map((ref) => {
      const object = emu.inventory.registry.get(ref as never);
      expect(object, `${ref.type}:${ref.value}`).toBeDefined();
      return object!;
    });
    // The inventory's entities (and a snapshot of one of its VMs) answer the *_Task methods.
    const vm = [...emu.inventory.registry.objects()].find((o) => o.isA('VirtualMachine'));
    if (vm instanceof VirtualMachine) emu.inventory.tree.addSnapshot(vm, { name: 'wsdl-test', description: '', quiesced: false });
    objects.push(...[...emu.inventory.registry.objects()].filter((o) => o.isA('ManagedEntity') || o.isA('VirtualMachineSnapshot')));

    for (const [name, op] of emu.schema.operations) {
      const target = objects.find((o) => o.isA(op.managedType));
      if (!target) problems.push(`${name}: no object of managed type ${op.managedType} could be obtained`);
      else if (typeof target.method(name) !== 'function') problems.push(`${name}: ${target.ref.toString()} has no handler`);
    }
    for (const object of objects) {
      for (const method of Object.keys(object.methods)) {
        if (!emu.schema.operations.has(method)) problems.push(`${object.ref.toString()}.${method} is routed but not in the WSDL`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('WSDL fault hierarchy', () => {
  const facts: Array<[string, string, boolean]> = [
    ['InvalidState', 'VimFault', true],
    ['NotFound', 'VimFault', true],
    ['NoPermission', 'SecurityError', true],
    ['SecurityError', 'RuntimeFault', true],
    ['NoPermission', 'RuntimeFault', true],
    ['NotAuthenticated', 'NoPermission', true],
    ['NotAuthenticated', 'RuntimeFault', true],
    ['SystemError', 'VimFault', false],
    ['SystemError', 'RuntimeFault', true],
    ['NoPermission', 'VimFault', false],
    ['VimFault', 'MethodFault', true],
    ['RuntimeFault', 'MethodFault', true],
    ['RequestCanceled', 'RuntimeFault', true],
  ];
  for (const [type, base, expected] of facts) {
    it(`${type} ${expected ? 'extends' : 'does not extend'} ${base} (server schema and soap's parse agree)`, () => {
      expect(emu.schema.isSubtypeOf(type, base)).toBe(expected);
      expect(soapAncestors(type).includes(base)).toBe(expected);
    });
  }

  it('direct bases are as VMODL defines them', () => {
    expect(soapBaseOf('InvalidState')).toBe('VimFault');
    expect(soapBaseOf('NotFound')).toBe('VimFault');
    expect(soapBaseOf('NoPermission')).toBe('SecurityError');
    expect(soapBaseOf('SecurityError')).toBe('RuntimeFault');
    expect(soapBaseOf('NotAuthenticated')).toBe('NoPermission');
    expect(soapBaseOf('SystemError')).toBe('RuntimeFault');
    expect(soapBaseOf('MethodFault')).toBe('DynamicData');
  });
});
