// Bounded memory: objects a long-lived client creates and destroys over and over in one session
// (govmomi's task.Wait makes a PropertyCollector per wait, pyVim a PropertyFilter, history readers
// a TaskHistoryCollector, govc tasks a ListView, govc events an EventHistoryCollector) must not
// leave anything behind, and neither must Login/Logout churn.
// Each case does thousands of create/destroy rounds and compares the heap after a full GC with
// the heap after a warm-up: the short version of what scripts/soak.ts watches for an hour.

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLoggedIn, type Running } from '../helpers/emulator.js';
import { TASK_TYPE, type Xml } from '../helpers/tasks.js';
import { FastSession, type Transport } from './lib/client.js';
import { pooled, type Pool } from './lib/sessions.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const WARMUP = 300;
const ROUNDS = 4000;
/** Allowed heap growth over ROUNDS rounds: ~1 KB a round. A leaked PropertyCollector is 2-5 KB. */
const SLACK_BYTES = 4 * 1024 * 1024;

let emulator: Running<Pool>;
let transport: Transport;
let s: FastSession;
let task: string;

beforeAll(async () => {
  emulator = await startLoggedIn({}, { connect: pooled(16) });
  transport = emulator.connection.transport;
  s = emulator.session;
  const res = await s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><cancelable>true</cancelable>`,
  );
  task = ((res.result.CreateTaskResponse as Xml).returnval as Xml).key as string;
});
afterAll(async () => {
  await emulator.close();
});

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function growth(round: () => Promise<void>): Promise<number> {
  const run = async (n: number) => {
    // 8 in flight: the same session, as a multi-threaded client would use it.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next++ < n) await round();
      }),
    );
  };
  await run(WARMUP);
  const before = heapUsed();
  await run(ROUNDS);
  const after = heapUsed();
  console.log(`heap ${mb(before)} → ${mb(after)}`);
  return after - before;
}

const ok = (res: { status: number; body: string }) => expect(res.status, res.body).toBe(200);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

describe('create/destroy in one long-lived session leaves nothing behind', () => {
  test('CreatePropertyCollector + DestroyPropertyCollector (govmomi task.Wait)', async () => {
    const grew = await growth(async () => {
      const created = await s.call('CreatePropertyCollector', 'PropertyCollector', 'propertyCollector');
      ok(created);
      const collector = ((created.result.CreatePropertyCollectorResponse as Xml).returnval as Xml)._ as string;
      ok(
        await s.call(
          'CreateFilter',
          'PropertyCollector',
          collector,
          `<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
        ),
      );
      ok(await s.call('DestroyPropertyCollector', 'PropertyCollector', collector));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} collectors created and destroyed`).toBeLessThan(SLACK_BYTES);
  }, 60_000);

  test('CreateFilter + DestroyPropertyFilter on the default collector (pyVim WaitForTask)', async () => {
    const grew = await growth(async () => {
      const created = await s.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec><propSet><type>Task</type><all>true</all></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>true</partialUpdates>`,
      );
      ok(created);
      ok(await s.call('DestroyPropertyFilter', 'PropertyFilter', ((created.result.CreateFilterResponse as Xml).returnval as Xml)._ as string));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} filters created and destroyed`).toBeLessThan(SLACK_BYTES);
  }, 60_000);

  test('CreateCollectorForTasks + DestroyCollector', async () => {
    const grew = await growth(async () => {
      const created = await s.call('CreateCollectorForTasks', 'TaskManager', 'TaskManager', '<filter></filter>');
      ok(created);
      ok(await s.call('DestroyCollector', 'TaskHistoryCollector', ((created.result.CreateCollectorForTasksResponse as Xml).returnval as Xml)._ as string));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} history collectors created and destroyed`).toBeLessThan(SLACK_BYTES);
  }, 60_000);

  test("views: CreateListView + DestroyView (govc tasks), and a session's views ended by its Logout", async () => {
    const grew = await growth(async () => {
      const created = await s.call('CreateListView', 'ViewManager', 'ViewManager', `<obj type="Task">${task}</obj>`);
      ok(created);
      ok(await s.call('DestroyView', 'ListView', ((created.result.CreateListViewResponse as Xml).returnval as Xml)._ as string));
      const other = new FastSession(transport);
      ok(await other.login('user', 'pw'));
      ok(await other.call('CreateContainerView', 'ViewManager', 'ViewManager', '<container type="Folder">group-d1</container><recursive>true</recursive>'));
      ok(await other.call('CreateListView', 'ViewManager', 'ViewManager', `<obj type="Task">${task}</obj>`));
      ok(await other.call('Logout', 'SessionManager', 'SessionManager'));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} rounds of views created and ended`).toBeLessThan(SLACK_BYTES);
  }, 180_000); // seven calls a round, where the others make two or three
  test('CreateCollectorForEvents + DestroyCollector (govc events)', async () => {
    const grew = await growth(async () => {
      const created = await s.call('CreateCollectorForEvents', 'EventManager', 'EventManager', '<filter></filter>');
      ok(created);
      ok(await s.call('DestroyCollector', 'EventHistoryCollector', ((created.result.CreateCollectorForEventsResponse as Xml).returnval as Xml)._ as string));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} event collectors created and destroyed`).toBeLessThan(SLACK_BYTES);
  }, 60_000);

  test('Login + Logout churn', async () => {
    const grew = await growth(async () => {
      const other = new FastSession(transport);
      ok(await other.login('user', 'pw'));
      ok(await other.call('Logout', 'SessionManager', 'SessionManager'));
    });
    expect(grew, `heap grew by ${mb(grew)} over ${ROUNDS} sessions opened and closed`).toBeLessThan(SLACK_BYTES);
  }, 60_000);
});
