// TaskHistoryCollector against a model that scans every task held, as the collector itself did
// before it kept an ordered index: after any mix of task creation, state changes, progress,
// eviction, reset, page sizes, reads and collectors opened and closed (some with equal filters,
// which share one index), every collector's latestPage, its change announcements, ReadNextTasks,
// ReadPreviousTasks and ResetCollector are what a scan gives.

import type { TaskFilterSpec } from '../../src/vim/vim-types.js';
import { afterEach, expect, test } from 'vitest';
import { ManagedObjectReference, type DataObject, type TypeModel } from '../../src/vim/data.js';
import type { CallContext } from '../../src/vim/managed-object.js';
import { Containment } from '../../src/vim/containment.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import type { Session } from '../../src/vim/session.js';
import { taskFilter, type TaskPredicate } from '../../src/vim/task-filter.js';
import type { Task } from '../../src/vim/Task.js';
import type { TaskHistoryCollector } from '../../src/vim/TaskHistoryCollector.js';
import { TaskManager } from '../../src/vim/TaskManager.js';
import { testSession } from '../helpers/sessions.js';

const ROOT = new ManagedObjectReference('Folder', 'group-d1');
const types = { isSubtypeOf: () => true } as unknown as TypeModel; // only consulted for faults, which these calls do not set
const actor = { user: 'tester', method: 'test' };

const byUser = (user: string) => ({ _type: 'TaskFilterSpecByUsername', systemUser: false, userList: [user] });
/** Filters as fresh objects each time, so equal ones are shared by value, not by identity. */
const FILTERS: Array<() => DataObject> = [
  () => ({ _type: 'TaskFilterSpec', state: ['running'] }),
  () => ({ _type: 'TaskFilterSpec', state: ['queued', 'running'] }),
  () => ({ _type: 'TaskFilterSpec' }),
  () => ({ _type: 'TaskFilterSpec', userName: byUser('u1') }),
  () => ({ _type: 'TaskFilterSpec', state: ['running'], userName: byUser('u2') }),
  () => ({ _type: 'TaskFilterSpec', state: ['success'] }),
];

let manager: TaskManager | undefined;
afterEach(() => manager?.dispose());

const session = (key: string): Session => testSession(key);

test.each([1, 2, 3])('collectors agree with a scan of every task through 4,000 random steps (seed %i)', (seed0) => {
  const registry = new ObjectRegistry();
  manager = new TaskManager(
    registry,
    { hasTaskType: () => true },
    { cancelMode: 'immediate', cancelTimeoutMs: 0, recentTaskRetentionMs: 60_000, maxTasks: 40, maxCollector: 32 },
    ROOT,
    types,
  );
  const tm = manager;
  const ctx = { session: session('s1'), types } as CallContext;
  let seed = seed0;
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return Math.floor((seed / 2147483647) * n);
  };

  interface Open {
    collector: TaskHistoryCollector;
    matches: TaskPredicate;
    pageSize: number;
    cursor: number;
  }
  const open: Open[] = [];
  const announced = new Map<TaskHistoryCollector, number>();
  registry.onChange((object, properties) => {
    if (object.isA('TaskHistoryCollector') && properties.includes('latestPage')) {
      announced.set(object as TaskHistoryCollector, (announced.get(object as TaskHistoryCollector) ?? 0) + 1);
    }
  });
  // A task that completes can be forgotten at once (beyond maxTasks): it joins a page and leaves it.
  let evicted = false;
  registry.onRemove((ref) => (evicted ||= ref.type === 'Task'));
  const call = (c: TaskHistoryCollector, method: string, args: Record<string, number> = {}) => c.method(method)?.call(c, ctx, args);
  const number = (key: unknown) => Number(String(key).slice(5));
  const matching = (o: Open) => [...tm.allTasks()].filter((t) => o.matches(t.info));
  const expectedPage = (o: Open) =>
    o.pageSize
      ? matching(o)
          .slice(-o.pageSize)
          .map((t) => t.info)
      : [];

  for (let step = 0; step < 4_000; step++) {
    const before = open.map((o) => o.collector.latestPage());
    const counts = open.map((o) => announced.get(o.collector) ?? 0);
    let pageSizeSet: Open | undefined;
    evicted = false;
    const tasks = [...tm.allTasks()];
    const pick = (state: string): Task | undefined => {
      const some = tasks.filter((t) => t.state === state);
      return some.length ? some[random(some.length)] : undefined;
    };
    const roll = random(100);
    if (roll < 25 || !tasks.length) {
      tm.create({ obj: ROOT, taskTypeId: 't', cancelable: true, initiatedBy: `u${1 + random(2)}` }, actor);
    } else if (roll < 45) {
      pick('queued')?.setState({ state: 'running' }, actor);
    } else if (roll < 60) {
      pick(random(2) ? 'running' : 'queued')?.setState({ state: 'success' }, actor);
    } else if (roll < 72) {
      pick('running')?.updateProgress(random(100), actor);
    } else if (roll < 76 && open.length < 8) {
      const which = random(FILTERS.length);
      const ref = tm.methods.CreateCollectorForTasks.call(tm, ctx, { filter: FILTERS[which]() as TaskFilterSpec }) as ManagedObjectReference;
      const collector = registry.get(ref) as TaskHistoryCollector;
      open.push({ collector, matches: taskFilter(FILTERS[which](), new Containment(registry, ROOT)), pageSize: 10, cursor: 0 });
      before.push(expectedPage(open.at(-1)!));
      counts.push(announced.get(collector) ?? 0); // registering it announced all its properties
    } else if (roll < 79 && open.length) {
      const [gone] = open.splice(random(open.length), 1);
      call(gone.collector, 'DestroyCollector');
      expect(registry.get(gone.collector.ref)).toBeUndefined();
      before.length = counts.length = 0;
      before.push(...open.map((o) => o.collector.latestPage()));
      counts.push(...open.map((o) => announced.get(o.collector) ?? 0));
    } else if (roll < 84 && open.length) {
      const o = open[random(open.length)];
      o.pageSize = random(7);
      call(o.collector, 'SetCollectorPageSize', { maxCount: o.pageSize });
      pageSizeSet = o;
    } else if (roll < 93 && open.length) {
      const o = open[random(open.length)];
      const maxCount = 1 + random(5);
      const all = matching(o);
      switch (random(4)) {
        case 0: {
          const want = all.filter((t) => number(t.key) > o.cursor).slice(0, maxCount);
          expect((call(o.collector, 'ReadNextTasks', { maxCount }) as DataObject[]).map((i) => i.key)).toEqual(want.map((t) => t.key));
          if (want.length) o.cursor = number(want.at(-1)!.key);
          break;
        }
        case 1: {
          const want = all
            .filter((t) => number(t.key) <= o.cursor)
            .slice(-maxCount)
            .reverse();
          expect((call(o.collector, 'ReadPreviousTasks', { maxCount }) as DataObject[]).map((i) => i.key)).toEqual(want.map((t) => t.key));
          if (want.length) o.cursor = number(want.at(-1)!.key) - 1;
          break;
        }
        case 2: {
          call(o.collector, 'ResetCollector');
          const page = expectedPage(o);
          o.cursor = page.length ? number(page[0].key) - 1 : all.length ? number(all.at(-1)!.key) : 0;
          break;
        }
        default:
          call(o.collector, 'RewindCollector');
          o.cursor = 0;
      }
    } else if (roll < 94) {
      tm.reset();
    }
    open.forEach((o, i) => {
      const page = o.collector.latestPage();
      expect(
        page.map((info) => info.key),
        `step ${step}`,
      ).toEqual(expectedPage(o).map((info) => info.key));
      // An announcement exactly when the page changed (its tasks, or a TaskInfo on it), or its size
      // was set; a task forgotten as it completed may be announced joining and leaving.
      const changed = page.length !== before[i].length || page.some((info, j) => info !== before[i][j]);
      const announcements = (announced.get(o.collector) ?? 0) - counts[i];
      if (o === pageSizeSet) expect(announcements, `step ${step}`).toBe(1);
      else if (changed) expect(announcements, `step ${step}`).toBeGreaterThan(0);
      else if (!evicted) expect(announcements, `step ${step}`).toBe(0);
    });
  }
  // Closing every collector leaves no listener behind.
  for (const o of open) call(o.collector, 'DestroyCollector');
  const listeners = (registry as unknown as { changeListeners: Set<unknown> }).changeListeners.size;
  expect(listeners).toBe(1); // the announcement counter above
});
