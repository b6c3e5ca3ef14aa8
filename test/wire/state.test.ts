// GET and PUT /_emulator/state on a real server: a state made over SOAP and the control API
// (tasks with histories, an extension, users and roles, rules, a script; an inventory changed by
// *_Task methods, method rules, a hung task) moves to another emulator exactly; bad documents get a 400 that says where and change nothing; a restore ends
// every session and waiting call; the token guards the routes; the PUT body has its own limit.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { startEmulator as startEmbedded } from '../../src/index.js';
import type { Emulator } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { startEmulator } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, readProperty, refOf, setState, startTask, taskCall, text, type Xml } from '../helpers/tasks.js';

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const e of started.splice(0)) await e.close();
});

async function start(overrides: Partial<Config> = {}): Promise<Emulator> {
  const emulator = await startEmulator(overrides);
  started.push(emulator);
  return emulator;
}

type JsonBody = Record<string, unknown> & { error?: string };

async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: JsonBody; text: string }> {
  const res = await rawRequest(base, {
    method,
    path: `/_emulator${path}`,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: res.body ? (JSON.parse(res.body) as JsonBody) : {}, text: res.body };
}

async function login(url: string, user = 'admin', password = user): Promise<SoapSession> {
  const session = new SoapSession(url);
  ok(await session.login(user, password));
  return session;
}

const EXTENSION =
  '<extension><description><label>Mine</label><summary>Mine</summary></description><key>com.example.ext</key><version>1.0</version>' +
  '<taskList><taskID>com.example.ext.backup</taskID></taskList><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>';

/** A state with one of everything, made the way clients and test authors make it. */
async function populate(url: string): Promise<string[]> {
  const seeded = await api(url, 'POST', '/seed', {
    users: [
      { userName: 'admin', password: 'admin', role: 'Admin' },
      { userName: 'viewer', password: 'v', role: 'ReadOnly' },
    ],
  });
  expect(seeded.status).toBe(200);
  const admin = await login(url);
  ok(await admin.call('RegisterExtension', 'ExtensionManager', 'ExtensionManager', EXTENSION));
  const done = await createTask(admin, { taskTypeId: 'com.example.ext.backup', initiatedBy: 'someone' });
  ok(await taskCall(admin, done, 'SetTaskDescription', '<description><key>k</key><message>backing up</message></description>'));
  ok(await setState(admin, done, 'running'));
  for (const percent of [10, 50, 90]) ok(await taskCall(admin, done, 'UpdateProgress', `<percentDone>${percent}</percentDone>`));
  ok(await setState(admin, done, 'success', '<result xsi:type="xsd:string">done</result>'));
  const failed = await createTask(admin);
  ok(await setState(admin, failed, 'error', '<fault><fault xsi:type="NotFound"/><localizedMessage>gone</localizedMessage></fault>'));
  const opaque = await createTask(admin);
  ok(await setState(admin, opaque, 'success', '<result><any>thing</any></result>'));
  const running = await createTask(admin);
  ok(await setState(admin, running, 'running'));
  const canceled = await createTask(admin);
  ok(await taskCall(admin, canceled, 'CancelTask'));
  const scripted = (await api(url, 'POST', '/tasks', { lifecycle: { startAfterMs: 600_000, durationMs: 1000, outcome: 'success' } })).json.key as string;
  expect(
    (await api(url, 'POST', '/faults', { method: 'UpdateProgress', task: running, fault: { type: 'NotFound', message: 'injected' }, count: 5 })).status,
  ).toBe(201);
  expectFault(await taskCall(admin, running, 'UpdateProgress', '<percentDone>20</percentDone>'), 'NotFound');
  expect((await api(url, 'POST', '/latency', { method: 'FindExtension', delayMs: 1 })).status).toBe(201);
  return [done, failed, opaque, running, canceled, scripted];
}

describe('round trip', () => {
  test('PUT of a GET document restores it exactly: GET after PUT is the same document, and SOAP clients see the same tasks', async () => {
    const a = await start();
    const keys = await populate(a.url());
    const got = await api(a.url(), 'GET', '/state');
    expect(got.status).toBe(200);
    const document = got.json;
    expect(document).toMatchObject({ format: 'vtask-emulator-state', version: 2, counters: { nextTaskNumber: 7, nextEventChainId: 7 } });
    expect((document.tasks as JsonBody[]).map((t) => (t.info as JsonBody).key)).toEqual(keys);
    expect((document.faults as JsonBody[])[0]).toMatchObject({ method: 'UpdateProgress', hits: 1, count: 5 });

    const b = await start();
    const put = await api(b.url(), 'PUT', '/state', got.text);
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ restored: true, tasks: 6 });
    expect((await api(b.url(), 'GET', '/state')).json).toEqual(document);

    // What clients read is the same on both, histories included.
    const onA = await login(a.url());
    const onB = await login(b.url());
    for (const key of keys) {
      expect(await readInfo(onB, key)).toEqual(await readInfo(onA, key));
      expect((await api(b.url(), 'GET', `/tasks/${key}/history`)).json).toEqual((await api(a.url(), 'GET', `/tasks/${key}/history`)).json);
    }
    expect((await api(b.url(), 'GET', '/faults')).json).toEqual((await api(a.url(), 'GET', '/faults')).json);
    expect((await api(b.url(), 'GET', '/latency')).json).toEqual((await api(a.url(), 'GET', '/latency')).json);
    // The extension's task type, the users (and only they) and the rules are in force.
    const next = await createTask(onB, { taskTypeId: 'com.example.ext.backup' });
    expect(next).toBe('task-7');
    await login(b.url(), 'viewer', 'v');
    expectFault(await new SoapSession(b.url()).login('stranger', 'x'), 'InvalidLogin');
    expectFault(await taskCall(onB, keys[3], 'UpdateProgress', '<percentDone>30</percentDone>'), 'NotFound');
  });

  test('the typed client reads and restores the state too', async () => {
    const a = await startEmbedded({ tls: false });
    const b = await startEmbedded({ tls: false });
    started.push(a, b);
    await a.control.tasks.create({ state: 'success', result: 'done' });
    await a.control.faults.add({ method: 'CancelTask', fault: { type: 'NotFound' } });
    const document = await a.control.state.get();
    expect(await b.control.state.put(document)).toEqual({ restored: true, tasks: 1 });
    expect(await b.control.state.get()).toEqual(document);
    expect((await b.control.tasks.list()).map((t) => t.key)).toEqual(['task-1']);
  });
});

async function until(s: SoapSession, task: string, states: readonly string[]): Promise<Xml> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await readInfo(s, task);
    if (states.includes(String(info.state))) return info;
    if (Date.now() > deadline) throw new Error(`task ${task} never got to ${states.join('/')}: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const DONE = ['success', 'error'];

/** Every property of an object, as RetrievePropertiesEx returns them. */
async function allProperties(s: SoapSession, type: string, value: string): Promise<unknown> {
  const res = await s.call(
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>${type}</type><all>true</all></propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/>`,
  );
  ok(res);
  return (res.result.RetrievePropertiesExResponse as Xml).returnval;
}

const property = async (s: SoapSession, type: string, value: string, path: string): Promise<unknown> => text(await readProperty(s, type, value, path));

describe('the inventory, method rules and *_Task tasks', () => {
  test('a changed inventory, method rules and a hung PowerOnVM_Task move to another emulator; clients read the same; the control API finishes the task there', async () => {
    const a = await start({ taskDurationMs: 20 });
    const control = new ControlClient({ baseUrl: a.url() });
    await control.methods.add({ method: 'PowerOnVM_Task', entity: '/DC0/vm/web-01', outcome: 'hangUntilFinished' });
    await control.methods.add({ method: 'Rename_Task', count: 3, durationMs: 5 });
    const s = await login(a.url());
    const web01 = await refOf(control, '/DC0/vm/web-01');
    const hung = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', web01);
    const folder = await refOf(control, '/DC0/vm');
    const web02 = await refOf(control, '/DC0/vm/web-02');
    const clone = await until(
      s,
      await startTask(
        s,
        'CloneVM_Task',
        'VirtualMachine',
        web02,
        `<folder type="Folder">${folder}</folder><name>web-03</name><spec><location/><template>false</template><powerOn>true</powerOn></spec>`,
      ),
      DONE,
    );
    expect(clone.state).toBe('success');
    const host = await refOf(control, '/DC0/host/C0/esx-02');
    expect((await until(s, await startTask(s, 'Rename_Task', 'HostSystem', host, '<newName>esx-02b</newName>'), DONE)).state).toBe('success');
    const db01 = await refOf(control, '/DC0/vm/db-01');
    const snapshotArgs = '<name>before</name><description>first</description><memory>false</memory><quiesce>true</quiesce>';
    expect((await until(s, await startTask(s, 'CreateSnapshot_Task', 'VirtualMachine', db01, snapshotArgs), DONE)).state).toBe('success');
    expect((await until(s, await startTask(s, 'Destroy_Task', 'VirtualMachine', web02), DONE)).state).toBe('success');
    expect((await readInfo(s, hung)).state).toBe('running');

    const got = await api(a.url(), 'GET', '/state');
    const document = got.json as JsonBody & { methodTasks: JsonBody[]; methods: JsonBody[] };
    expect(document.methodTasks).toEqual([expect.objectContaining({ task: hung, method: 'PowerOnVM_Task', outcome: 'hangUntilFinished', steps: [] })]);
    expect(document.methods.map((r) => [r.method, r.seen, r.hits])).toEqual([
      ['PowerOnVM_Task', 1, 1],
      ['Rename_Task', 1, 1],
    ]);
    const b = await start({ taskDurationMs: 20 });
    const put = await api(b.url(), 'PUT', '/state', got.text);
    expect(put.status, put.text).toBe(200);
    expect((await api(b.url(), 'GET', '/state')).json).toEqual(document);
    const controlB = new ControlClient({ baseUrl: b.url() });
    const listing = await control.inventory.list();
    expect(await controlB.inventory.list()).toEqual(listing);
    expect(listing.map((e) => e.path)).toEqual(expect.arrayContaining(['/DC0/vm/web-03', '/DC0/host/C0/esx-02b']));
    expect(listing.map((e) => e.path)).not.toContain('/DC0/vm/web-02');
    expect((await controlB.methods.list()).map((r) => r.id)).toEqual((await control.methods.list()).map((r) => r.id));

    // SOAP clients read the same properties of every entity on both.
    const onA = await login(a.url());
    const onB = await login(b.url());
    for (const entity of listing) expect(await allProperties(onB, entity.type, entity.ref)).toEqual(await allProperties(onA, entity.type, entity.ref));
    expect(await property(onB, 'VirtualMachine', String((clone.result as Xml)._), 'runtime.powerState')).toBe('poweredOn');
    expect(await property(onB, 'VirtualMachine', db01, 'snapshot.rootSnapshotList')).toMatchObject({
      VirtualMachineSnapshotTree: { name: 'before', quiesced: 'true' },
    });

    // The hung task is still hung there, and the control API finishes it: the VM is then on.
    expect((await readInfo(onB, hung)).state).toBe('running');
    expect(await property(onB, 'VirtualMachine', web01, 'runtime.powerState')).toBe('poweredOff');
    await controlB.tasks.finish(hung, { outcome: 'success' });
    expect((await readInfo(onB, hung)).state).toBe('success');
    expect(await property(onB, 'VirtualMachine', web01, 'runtime.powerState')).toBe('poweredOn');
    // New references continue after the restored ones.
    const next = await until(
      onB,
      await startTask(
        onB,
        'CloneVM_Task',
        'VirtualMachine',
        db01,
        `<folder type="Folder">${folder}</folder><name>db-02</name><spec><location/><template>false</template><powerOn>false</powerOn></spec>`,
      ),
      DONE,
    );
    expect(listing.map((e) => e.ref)).not.toContain(String((next.result as Xml)._));
  });

  test('a bad inventory: 400 naming the entry, and nothing changes', async () => {
    const e = await start();
    const document = (await api(e.url(), 'GET', '/state')).json as { inventory: { entities: JsonBody[] } };
    const vm = document.inventory.entities.findIndex((entity) => entity.name === 'web-02');
    document.inventory.entities[vm].parent = 'group-v404';
    const before = (await api(e.url(), 'GET', '/state')).json;
    const res = await api(e.url(), 'PUT', '/state', document);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(`state.inventory.entities[${vm}].parent: no entity 'group-v404' before it`);
    expect((await api(e.url(), 'GET', '/state')).json).toEqual(before);
  });
});

describe('the state file, embedded', () => {
  test('close() saves the state file; the next emulator on the same file starts from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vtask-state-'));
    try {
      const stateFile = path.join(dir, 'state.json');
      const first = await startEmbedded({ tls: false, stateFile, stateSaveIntervalMs: 0 });
      const task = await first.control.tasks.create({ state: 'running', progress: 20 });
      await first.close();
      const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
      expect(saved.tasks.map((t: { info: { key: string } }) => t.info.key)).toEqual([task.key]);
      const second = await startEmbedded({ tls: false, stateFile, stateSaveIntervalMs: 0 });
      started.push(second);
      expect(await second.control.tasks.get(task.key)).toEqual(task);
      expect(await second.control.state.get()).toEqual(saved);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('saves while running only when something changed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vtask-state-'));
  try {
    const stateFile = path.join(dir, 'state.json');
    const vc = await startEmbedded({ tls: false, stateFile, stateSaveIntervalMs: 50 });
    started.push(vc);
    const written = statSync(stateFile).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(statSync(stateFile).mtimeMs).toBe(written);
    const task = await vc.control.tasks.create({});
    const began = Date.now();
    while (!readFileSync(stateFile, 'utf8').includes(task.key) && Date.now() - began < 5000) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).tasks).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('bad documents', () => {
  test.each([
    ['not JSON', '{"format": ', 'the body is not valid JSON'],
    ['not an object', [], 'state must be a JSON object'],
    ['not a state document', { tasks: [] }, 'not a vtask-emulator state document'],
    ['from a newer version', { format: 'vtask-emulator-state', version: 99 }, 'format version 99, newer than this build reads (2)'],
    ['missing a part', { format: 'vtask-emulator-state', version: 1 }, 'state.counters is required'],
  ])('%s: 400 saying what is wrong, and nothing changes', async (_name, body, message) => {
    const e = await start();
    const s = await login(e.url());
    const task = await createTask(s);
    const before = (await api(e.url(), 'GET', '/state')).json;
    const res = await api(e.url(), 'PUT', '/state', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toContain(message);
    expect((await api(e.url(), 'GET', '/state')).json).toEqual(before);
    // Nor did the sessions end.
    expect((await readInfo(s, task)).state).toBe('queued');
  });

  test('a bad value deep in a task names its place', async () => {
    const e = await start();
    await createTask(await login(e.url()));
    const document = (await api(e.url(), 'GET', '/state')).json as { tasks: Array<{ info: JsonBody }> };
    document.tasks[0].info.progress = 'lots';
    const res = await api(e.url(), 'PUT', '/state', document);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("state.tasks[0].info.progress: expected an integer in xsd:int's range");
  });
});

describe('what a restore ends', () => {
  test('every session and waiting call ends; after logging in again, clients see the restored state, not the old', async () => {
    const e = await start();
    const admin = await login(e.url());
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    const saved = (await api(e.url(), 'GET', '/state')).text;
    ok(await setState(admin, task, 'success'));

    // A client waiting on the task's changes.
    const watcher = await login(e.url());
    const spec = `<spec><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`;
    ok(await watcher.call('CreateFilter', 'PropertyCollector', 'propertyCollector', spec));
    const first = await watcher.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
    ok(first);
    const version = ((first.result.WaitForUpdatesExResponse as Xml).returnval as Xml).version as string;
    const waiting = watcher.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const began = Date.now();
    expect((await api(e.url(), 'PUT', '/state', saved)).status).toBe(200);
    const answer = await waiting;
    expect(Date.now() - began).toBeLessThan(5000);
    expect(answer.status).toBe(500); // the wait ends with a fault, not with the old state
    expect(e.inventory.sessionManager.count).toBe(0);
    expect(e.inventory.collectorUsage.waiters).toBe(0);
    expectFault(await setState(admin, task, 'success'), 'NotAuthenticated');

    const again = await login(e.url());
    expect((await readInfo(again, task)).state).toBe('running');
    ok(await again.call('CreateFilter', 'PropertyCollector', 'propertyCollector', spec));
    const fresh = await again.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
    expect(fresh.body).toContain('running');
    expect(fresh.body).not.toContain('success');
  });
});

describe('guard and limits', () => {
  test('off loopback the control token guards the state routes like the others', async () => {
    const e = await start({ controlToken: 'sesame' });
    expect((await api(e.url(), 'GET', '/state')).status).toBe(401);
    const document = await api(e.url(), 'GET', '/state', undefined, { authorization: 'Bearer sesame' });
    expect(document.status).toBe(200);
    expect((await api(e.url(), 'PUT', '/state', document.text)).status).toBe(401);
    expect((await api(e.url(), 'PUT', '/state', document.text, { authorization: 'Bearer sesame' })).status).toBe(200);
  });

  test('a state document larger than the SOAP body limit is accepted (with Expect: 100-continue too); SOAP keeps its limit', async () => {
    const soapLimit = 64 * 1024;
    const e = await start({ bodyLimitBytes: soapLimit, maxTasks: 10 });
    const tasks = Array.from({ length: 300 }, () => ({ state: 'success', description: { key: 'k', message: 'x'.repeat(500) } }));
    // The document is made on another emulator (a seed this large is over the small limit).
    const big = await start();
    expect((await api(big.url(), 'POST', '/seed', { tasks })).status).toBe(200);
    const text = (await api(big.url(), 'GET', '/state')).text;
    expect(text.length).toBeGreaterThan(soapLimit * 2);

    const plain = await api(e.url(), 'PUT', '/state', text);
    expect(plain.status, plain.text).toBe(200);
    const expecting = await api(e.url(), 'PUT', '/state', text, { expect: '100-continue', 'content-length': String(Buffer.byteLength(text)) });
    expect(expecting.status, expecting.text).toBe(200);
    // --max-tasks 10 here: the oldest completed tasks are forgotten, as they would be.
    expect((await api(e.url(), 'GET', '/tasks')).json.tasks).toHaveLength(10);
    const soap = await rawRequest(e.url(), { headers: { 'content-type': 'text/xml' }, body: 'x'.repeat(soapLimit + 1) });
    expect(soap.status).toBe(413);
  });

  test('beyond the state body limit: 413', async () => {
    const e = await start({ maxTasks: 0 });
    const res = await rawRequest(e.url(), {
      method: 'PUT',
      path: '/_emulator/state',
      headers: { 'content-type': 'application/json', expect: '100-continue', 'content-length': String(33 * 1024 * 1024) },
      body: '',
    });
    expect(res.status).toBe(413);
    expect(res.body).toContain(String(32 * 1024 * 1024));
  });
});
