// Every /_emulator/ route: happy paths, bad JSON and unknown ids (4xx with a clear message),
// the token guard, and what SOAP clients see: injected faults, injected latency, seeded and
// scripted tasks, reset.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn();
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  await api('POST', '/reset');
});

type JsonBody = Record<string, unknown> & { error?: string };

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  base = emulator.url(),
): Promise<{ status: number; json: JsonBody }> {
  const res = await rawRequest(base, {
    method,
    path: `/_emulator${path}`,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: res.body ? (JSON.parse(res.body) as JsonBody) : {} };
}

describe('tasks', () => {
  test('POST /tasks creates a task in a given state; GET /tasks and /tasks/:key return the SOAP TaskInfo as JSON', async () => {
    const created = await api('POST', '/tasks', {
      initiatedBy: 'seeder',
      state: 'success',
      description: { key: 'k', message: 'seeded' },
      result: { _type: 'xsd:int', value: 42 },
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(created.json).toMatchObject({
      _type: 'TaskInfo',
      state: 'success',
      reason: { _type: 'TaskReasonUser', userName: 'seeder' },
      result: { _type: 'xsd:int', value: 42 },
    });
    const info = await readInfo(admin, key);
    expect(info.state).toBe('success');
    expect(info.result).toEqual({ _: '42', $: { 'xsi:type': 'xsd:int' } });
    expect((await api('GET', `/tasks/${key}`)).json).toEqual(created.json);
    const listed = await api('GET', '/tasks?state=success');
    expect((listed.json.tasks as JsonBody[]).map((t) => t.key)).toEqual([key]);
    expect((await api('GET', '/tasks?state=running')).json.tasks).toEqual([]);
  });

  test('an error task with a fault; a running task with progress', async () => {
    const failed = await api('POST', '/tasks', { state: 'error', fault: { type: 'NotFound', message: 'gone' } });
    expect(failed.status).toBe(201);
    const error = (await readInfo(admin, failed.json.key as string)).error as Xml;
    expect((error.fault as Xml).$!['xsi:type']).toBe('NotFound');
    expect(error.localizedMessage).toBe('gone');
    const running = await api('POST', '/tasks', { state: 'running', progress: 150 });
    expect((await readInfo(admin, running.json.key as string)).progress).toBe('100');
  });

  test('the task rules still apply: a non-VimFault fault or a result on an error task is 409', async () => {
    const res = await api('POST', '/tasks', { state: 'error', fault: { type: 'SystemError' } });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatch(/InvalidState.*VimFault/);
    expect((await api('POST', '/tasks', { state: 'error', result: 'x' })).status).toBe(409);
  });

  test('GET /tasks/:key/history: every change with user, time, old and new values', async () => {
    const key = await createTask(admin);
    ok(await setState(admin, key, 'running'));
    ok(await taskCall(admin, key, 'UpdateProgress', '<percentDone>40</percentDone>'));
    ok(await setState(admin, key, 'success', '<result xsi:type="xsd:string">ok</result>'));
    const { status, json } = await api('GET', `/tasks/${key}/history`);
    expect(status).toBe(200);
    const history = json.history as Array<{ method: string; user: string; time: string; changes: Record<string, { old: unknown; new: unknown }> }>;
    expect(history.map((h) => h.method)).toEqual(['CreateTask', 'SetTaskState', 'UpdateProgress', 'SetTaskState']);
    expect(history.every((h) => h.user === 'admin' && !Number.isNaN(Date.parse(h.time)))).toBe(true);
    expect(history[1].changes.state).toEqual({ old: 'queued', new: 'running' });
    expect(history[2].changes.progress).toEqual({ old: null, new: 40 });
    expect(history[3].changes.result).toEqual({ old: null, new: { _type: 'xsd:string', value: 'ok' } });
  });

  test('UpdateProgress to the progress a task already has (as given or once clamped) adds no history entry', async () => {
    const key = await createTask(admin);
    ok(await setState(admin, key, 'running'));
    for (const percentDone of [40, 40, 100, 150, 100, 0, -5]) ok(await taskCall(admin, key, 'UpdateProgress', `<percentDone>${percentDone}</percentDone>`));
    const history = (await api('GET', `/tasks/${key}/history`)).json.history as Array<{
      method: string;
      changes: Record<string, { old: unknown; new: unknown }>;
    }>;
    expect(history.map((h) => h.method)).toEqual(['CreateTask', 'SetTaskState', 'UpdateProgress', 'UpdateProgress', 'UpdateProgress']);
    expect(history.slice(2).map((h) => h.changes)).toEqual([
      { progress: { old: null, new: 40 } },
      { progress: { old: 40, new: 100 } },
      { progress: { old: 100, new: 0 } },
    ]);
    expect((await readInfo(admin, key)).progress).toBe('0');
  });

  test('unknown ids → 404; bad JSON and bad values → 400 with a clear message', async () => {
    expect(await api('GET', '/tasks/task-999999')).toMatchObject({ status: 404, json: { error: "no task 'task-999999'" } });
    expect((await api('GET', '/tasks/task-999999/history')).status).toBe(404);
    expect((await api('POST', '/tasks/task-999999/lifecycle', {})).status).toBe(404);
    const badJson = await api('POST', '/tasks', '{"state": ');
    expect(badJson.status).toBe(400);
    expect(badJson.json.error).toMatch(/not valid JSON/);
    expect((await api('POST', '/tasks', [1, 2])).status).toBe(400);
    const badState = await api('POST', '/tasks', { state: 'paused' });
    expect(badState).toMatchObject({ status: 400 });
    expect(badState.json.error).toMatch(/state/);
    const badType = await api('POST', '/tasks', { taskTypeId: 'com.example.none' });
    expect(badType.status).toBe(409);
    expect(badType.json.error).toMatch(/InvalidArgument/);
    expect((await api('POST', '/tasks', { result: { _type: 'NoSuchType' }, state: 'success' })).status).toBe(400);
    expect((await api('GET', '/tasks?state=paused')).status).toBe(400);
    expect((await api('GET', '/nope')).status).toBe(404);
  });
});

describe('fault and latency injection', () => {
  test('a fault rule makes the matching SOAP call fail with that vim25 fault, count times', async () => {
    const key = await createTask(admin);
    const rule = await api('POST', '/faults', { method: 'SetTaskState', task: key, fault: { type: 'InvalidState', message: 'injected' }, count: 1 });
    expect(rule.status).toBe(201);
    const res = await setState(admin, key, 'running');
    expectFault(res, 'InvalidState');
    expect(res.body).toContain('<faultstring>injected</faultstring>');
    expect((await readInfo(admin, key)).state).toBe('queued');
    ok(await setState(admin, key, 'running')); // used up
    const listed = await api('GET', '/faults');
    expect((listed.json.rules as JsonBody[])[0]).toMatchObject({ id: rule.json.id, hits: 1, count: 1 });
  });

  test('rules match by task type and carry fault fields; DELETE removes them', async () => {
    const rule = await api('POST', '/faults', {
      method: 'CreateTask',
      taskTypeId: 'com.vmware.govmomi.simulator.test',
      fault: { type: 'NoPermission', fields: { object: { type: 'Folder', value: 'group-d1' }, privilegeId: 'Task.Create' } },
    });
    expect(rule.status).toBe(201);
    expectFault(
      await admin.call(
        'CreateTask',
        'TaskManager',
        'TaskManager',
        '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable>',
      ),
      'NoPermission',
      {
        privilegeId: 'Task.Create',
        object: { _: 'group-d1', $: { type: 'Folder' } },
      },
    );
    expect((await api('DELETE', `/faults/${rule.json.id as string}`)).status).toBe(204);
    expect((await api('DELETE', `/faults/${rule.json.id as string}`)).status).toBe(404);
    await createTask(admin);
  });

  test('probability 0 never fires; a bad fault type or field is 400', async () => {
    await api('POST', '/faults', { method: 'CreateTask', probability: 0, fault: { type: 'NotFound' } });
    await createTask(admin);
    expect((await api('POST', '/faults', { fault: { type: 'NoSuchFault' } })).status).toBe(400);
    expect((await api('POST', '/faults', { fault: { type: 'TaskInfo' } })).status).toBe(400);
    expect((await api('POST', '/faults', { fault: { type: 'NotFound', fields: { nope: 1 } } })).status).toBe(400);
    expect((await api('POST', '/faults', { probability: 2, fault: { type: 'NotFound' } })).status).toBe(400);
    expect((await api('DELETE', '/faults')).status).toBe(204);
    expect((await api('GET', '/faults')).json.rules).toEqual([]);
  });

  test('latency rules delay the matching method by the configured time (measured)', async () => {
    const key = await createTask(admin);
    ok(await setState(admin, key, 'running'));
    const rule = await api('POST', '/latency', { method: 'UpdateProgress', delayMs: 200, jitterMs: 20 });
    expect(rule.status).toBe(201);
    let started = Date.now();
    ok(await taskCall(admin, key, 'UpdateProgress', '<percentDone>5</percentDone>'));
    const slowed = Date.now() - started;
    expect(slowed).toBeGreaterThanOrEqual(195);
    expect(slowed).toBeLessThan(1000);
    started = Date.now();
    ok(await taskCall(admin, key, 'SetTaskDescription', '<description><key>k</key><message>m</message></description>'));
    expect(Date.now() - started).toBeLessThan(150);
    expect((await api('GET', '/latency')).json.rules).toEqual([{ id: rule.json.id, method: 'UpdateProgress', delayMs: 200, jitterMs: 20 }]);
    expect((await api('POST', '/latency', { method: 'X' })).status).toBe(400);
    expect((await api('DELETE', `/latency/${rule.json.id as string}`)).status).toBe(204);
    expect((await api('DELETE', '/latency/nope')).status).toBe(404);
    expect((await api('DELETE', '/latency')).status).toBe(204);
  });
});

describe('scripted lifecycles, seed and reset', () => {
  test('a scripted task runs queued → running → progress → success by itself, and a waiting client sees it finish', async () => {
    const created = await api('POST', '/tasks', { lifecycle: { startAfterMs: 50, durationMs: 300, progressSteps: 3, outcome: 'success', result: 'scripted' } });
    const key = created.json.key as string;
    const filter = await admin.call('CreatePropertyCollector', 'PropertyCollector', 'propertyCollector');
    const collector = ((filter.result.CreatePropertyCollectorResponse as Xml).returnval as Xml)._ as string;
    ok(
      await admin.call(
        'CreateFilter',
        'PropertyCollector',
        collector,
        `<spec><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">${key}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const states: string[] = [];
    let version = '';
    const deadline = Date.now() + 5000;
    while (!states.includes('success') && Date.now() < deadline) {
      const res = await admin.call('WaitForUpdatesEx', 'PropertyCollector', collector, version ? `<version>${version}</version>` : '');
      ok(res);
      const set = (res.result.WaitForUpdatesExResponse as Xml).returnval as Xml;
      version = set.version as string;
      const change = (((set.filterSet as Xml).objectSet as Xml).changeSet as Xml).val as Xml;
      states.push(change._ as string);
    }
    expect(states[0]).toBe('queued');
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('success');
    const history = (await api('GET', `/tasks/${key}/history`)).json.history as Array<{ method: string; changes: Record<string, unknown> }>;
    expect(history.filter((h) => 'progress' in h.changes)).toHaveLength(3);
    expect((await readInfo(admin, key)).result).toEqual({ _: 'scripted', $: { 'xsi:type': 'xsd:string' } });
  });

  test('POST /tasks/:key/lifecycle scripts an existing task; a completed one is 409', async () => {
    const key = await createTask(admin);
    expect((await api('POST', `/tasks/${key}/lifecycle`, { durationMs: 50, progressSteps: 0, outcome: 'error', fault: { type: 'NotFound' } })).status).toBe(
      202,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await readInfo(admin, key)).state).toBe('error');
    expect((await api('POST', `/tasks/${key}/lifecycle`, {})).status).toBe(409);
    expect((await api('POST', `/tasks/${key}/lifecycle`, { outcome: 'maybe' })).status).toBe(409);
  });

  test('POST /seed loads extensions, users, tasks and rules; POST /reset returns to the start state', async () => {
    const seeded = await api('POST', '/seed', {
      extensions: [{ key: 'com.example.backup', taskTypes: ['com.example.backup.run'] }],
      users: [{ userName: 'ops', password: 'ops', role: 'Operator' }],
      roles: { Operator: ['Task.Create', 'Task.Update'] },
      tasks: [{ taskTypeId: 'com.example.backup.run', state: 'running', progress: 30 }, { state: 'success' }],
      faults: [{ method: 'CancelTask', fault: { type: 'NotFound' } }],
      latency: [{ method: 'CurrentTime', delayMs: 1 }],
    });
    expect(seeded.status).toBe(200);
    expect(seeded.json).toMatchObject({ faults: 1, latency: 1 });
    const [running] = seeded.json.tasks as string[];
    const ops = await emulator.login('ops');
    expect((await readInfo(ops, running)).progress).toBe('30');
    expectFault(await taskCall(ops, running, 'CancelTask'), 'NotFound');
    expectFault(await new SoapSession(emulator.url()).login('anyone', 'x'), 'InvalidLogin');

    expect((await api('POST', '/reset')).json).toEqual({ reset: true });
    expectFault(await taskCall(admin, running, 'UpdateProgress', '<percentDone>1</percentDone>'), 'ManagedObjectNotFound');
    expect((await api('GET', '/tasks')).json.tasks).toEqual([]);
    expect((await api('GET', '/faults')).json.rules).toEqual([]);
    await emulator.login('anyone', 'x');
    const res = await admin.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.example.backup.run</taskTypeId><cancelable>true</cancelable>',
    );
    expectFault(res, 'InvalidArgument');
    const next = await createTask(admin);
    expect(Number(next.slice(5))).toBeGreaterThan(Number(running.slice(5))); // keys are never reused
  });

  test('a bad seed is 400 and says where', async () => {
    expect((await api('POST', '/seed', { tasks: {} })).json.error).toMatch(/seed.tasks must be an array/);
    expect((await api('POST', '/seed', { what: 1 })).json.error).toMatch(/unknown key 'what'/);
    expect((await api('POST', '/seed', { extensions: [{ key: 1 }] })).status).toBe(400);
    expect((await api('POST', '/seed', { tasks: [{ state: 'paused' }] })).json.error).toMatch(/seed.tasks\[0\].state/);
  });
});

test('with a control token: 401 without it, 200 with it (Bearer or X-Emulator-Token)', async () => {
  const guarded = await startEmulator({ controlToken: 's3cret' });
  try {
    const base = guarded.url();
    expect((await api('GET', '/tasks', undefined, {}, base)).status).toBe(401);
    expect((await api('GET', '/tasks', undefined, { authorization: 'Bearer nope' }, base)).status).toBe(401);
    expect((await api('GET', '/tasks', undefined, { authorization: 'Bearer s3cret' }, base)).status).toBe(200);
    expect((await api('GET', '/tasks', undefined, { 'x-emulator-token': 's3cret' }, base)).status).toBe(200);
  } finally {
    await guarded.close();
  }
});
