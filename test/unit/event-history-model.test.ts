// EventManager and its EventHistoryCollectors against a model that scans a plain list of the
// kept events: through any mix of tasks created, events posted (some against a task's chain),
// the ring forgetting the oldest, collectors opened with various filters and page sizes, reads
// both ways, rewinds, resets and destroys, every collector's latestPage and its change
// announcements, every read and every QueryEvents answer are what the scan gives.

import { expect, test } from 'vitest';
import { Containment } from '../../src/vim/containment.js';
import { ManagedObjectReference, type TypeModel } from '../../src/vim/data.js';
import { EventManager } from '../../src/vim/EventManager.js';
import type { EventHistoryCollector } from '../../src/vim/EventHistoryCollector.js';
import type { CallContext } from '../../src/vim/managed-object.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import { taskReasonUser } from '../../src/vim/Task.js';
import type { Event, EventFilterSpec, TaskInfo } from '../../src/vim/vim-types.js';
import { testSession } from '../helpers/sessions.js';

const ROOT = new ManagedObjectReference('Folder', 'group-d1');
const VM = new ManagedObjectReference('VirtualMachine', 'vm-1');
const RING = 30;
// Only TaskEvent's own check and the `type` filter ask; both compare names.
const types = { isSubtypeOf: (type: string, base: string) => type === base } as unknown as TypeModel;

interface Kept {
  key: number;
  chainId: number;
  user: string;
  type: string;
  entities: ManagedObjectReference[];
}

interface Open {
  collector: EventHistoryCollector;
  matches: (e: Kept) => boolean;
  pageSize: number;
  cursor: number;
  page: number[];
}

function taskInfo(chain: number, user: string, entity: ManagedObjectReference, at: string): TaskInfo {
  return {
    _type: 'TaskInfo',
    key: `task-${chain}`,
    task: new ManagedObjectReference('Task', `task-${chain}`),
    descriptionId: 'test.task',
    entity,
    entityName: entity.value,
    state: 'queued',
    cancelled: false,
    cancelable: true,
    reason: taskReasonUser(user),
    queueTime: at,
    eventChainId: chain,
  };
}

test.each([1, 2, 3])('collectors and QueryEvents agree with a scan of the kept events through 3,000 random steps (seed %i)', (seed0) => {
  const registry = new ObjectRegistry();
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date(clock).toISOString();
  const manager = new EventManager(registry, new Containment(registry, ROOT), types, { maxEvents: RING, maxCollector: 32, clock: now });
  let seed = seed0;
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return Math.floor((seed / 2147483647) * n);
  };
  const sessions = [testSession('s1', { userName: 'u1' }), testSession('s2', { userName: 'u2' })];
  const ctx = (i: number) => ({ session: sessions[i], types }) as CallContext;

  let kept: Kept[] = [];
  const chains: number[] = [];
  const keep = (k: Kept) => {
    kept.push(k);
    if (kept.length > RING) kept = kept.slice(-RING);
  };

  const announced = new Map<EventHistoryCollector, number>();
  registry.onChange((object, properties) => {
    if (object.isA('EventHistoryCollector') && properties.includes('latestPage')) {
      const c = object as EventHistoryCollector;
      announced.set(c, (announced.get(c) ?? 0) + 1);
    }
  });

  const filters: Array<[EventFilterSpec, (e: Kept) => boolean]> = [
    [{ _type: 'EventFilterSpec' }, () => true],
    [{ _type: 'EventFilterSpec', userName: { _type: 'EventFilterSpecByUsername', systemUser: false, userList: ['u1'] } }, (e) => e.user === 'u1'],
    [{ _type: 'EventFilterSpec', eventTypeId: ['TaskEvent'] }, (e) => e.type === 'TaskEvent'],
    [{ _type: 'EventFilterSpec', type: ['ExtendedEvent'] }, (e) => e.type === 'ExtendedEvent'],
    [{ _type: 'EventFilterSpec', entity: { _type: 'EventFilterSpecByEntity', entity: VM, recursion: 'self' } }, (e) => e.entities.some((x) => x.equals(VM))],
    [
      { _type: 'EventFilterSpec', entity: { _type: 'EventFilterSpecByEntity', entity: ROOT, recursion: 'self' } },
      (e) => e.entities.some((x) => x.equals(ROOT)),
    ],
    [{ _type: 'EventFilterSpec', entity: { _type: 'EventFilterSpecByEntity', entity: ROOT, recursion: 'all' } }, () => true],
  ];
  const chainFilter = (chain: number): [EventFilterSpec, (e: Kept) => boolean] => [
    { _type: 'EventFilterSpec', eventChainId: chain },
    (e) => e.chainId === chain,
  ];

  const open: Open[] = [];
  const modelPage = (o: Open) =>
    kept
      .filter(o.matches)
      .map((e) => e.key)
      .slice(-o.pageSize || kept.length + 1)
      .slice(o.pageSize ? 0 : kept.length + 1)
      .reverse();
  const keysOf = (events: readonly Event[] | undefined) => (events ?? []).map((e) => e.key);
  const call = (o: Open, method: string, args: Record<string, unknown> = {}) =>
    o.collector.method(method)?.call(o.collector, ctx(0), args as never) as readonly Event[] | undefined;

  for (let step = 0; step < 3000; step++) {
    clock += random(3);
    const before = open.map((o) => ({ o, page: o.page, count: announced.get(o.collector) ?? 0 }));
    const action = random(100);
    if (action < 35) {
      const user = random(2) ? 'u1' : 'u2';
      const entity = random(3) ? ROOT : VM;
      const chain = manager.nextEventChainId();
      manager.taskCreated(taskInfo(chain, user, entity, now()));
      chains.push(chain);
      keep({ key: chain, chainId: chain, user, type: 'TaskEvent', entities: [entity] });
    } else if (action < 55) {
      const who = random(2);
      const onChain = chains.length && random(2) ? chains[chains.length - 1 - random(Math.min(chains.length, 40))] : undefined;
      const key = manager.nextEventChainId();
      const posted: Event = {
        _type: 'ExtendedEvent',
        key: 0,
        chainId: 0,
        createdTime: '2000-01-01T00:00:00Z',
        userName: 'ignored',
        message: 'm',
        eventTypeId: 'x.y',
        managedObject: ROOT,
      } as Event;
      const info = onChain === undefined ? undefined : taskInfo(onChain, 'u1', VM, now());
      manager.method('PostEvent')?.call(manager, ctx(who), { eventToPost: posted, taskInfo: info } as never);
      // Posted against a task, the event names both its managed object and the task's entity.
      keep({ key, chainId: onChain ?? key, user: who ? 'u2' : 'u1', type: 'ExtendedEvent', entities: info ? [ROOT, VM] : [ROOT] });
    } else if (action < 62 && open.length < 8) {
      const [spec, matches] = chains.length && random(4) === 0 ? chainFilter(chains[random(chains.length)]) : filters[random(filters.length)];
      const ref = manager.method('CreateCollectorForEvents')?.call(manager, ctx(0), { filter: spec } as never) as ManagedObjectReference;
      const collector = registry.get(ref) as EventHistoryCollector;
      const o: Open = { collector, matches, pageSize: 10, cursor: 0, page: [] };
      o.page = modelPage(o);
      open.push(o);
      before.push({ o, page: o.page, count: 0 });
    } else if (action < 66 && open.length) {
      const [o] = open.splice(random(open.length), 1);
      call(o, 'DestroyCollector');
      expect(registry.get(o.collector.ref)).toBeUndefined();
      continue;
    } else if (action < 72 && open.length) {
      const o = open[random(open.length)];
      o.pageSize = random(12);
      call(o, 'SetCollectorPageSize', { maxCount: o.pageSize });
    } else if (action < 84 && open.length) {
      const o = open[random(open.length)];
      const n = 1 + random(6);
      const members = kept.filter(o.matches).map((e) => e.key);
      const expected = members.filter((k) => k > o.cursor).slice(0, n);
      expect(keysOf(call(o, 'ReadNextEvents', { maxCount: n }))).toEqual(expected);
      if (expected.length) o.cursor = expected[expected.length - 1];
    } else if (action < 94 && open.length) {
      const o = open[random(open.length)];
      const n = 1 + random(6);
      const members = kept.filter(o.matches).map((e) => e.key);
      const expected = members
        .filter((k) => k <= o.cursor)
        .reverse()
        .slice(0, n);
      expect(keysOf(call(o, 'ReadPreviousEvents', { maxCount: n }))).toEqual(expected);
      if (expected.length) o.cursor = expected[expected.length - 1] - 1;
    } else if (open.length) {
      const o = open[random(open.length)];
      if (random(2)) {
        call(o, 'RewindCollector');
        o.cursor = 0;
      } else {
        call(o, 'ResetCollector');
        const page = modelPage(o);
        const members = kept.filter(o.matches).map((e) => e.key);
        // Before the oldest event of the page; past every event when the page is empty.
        o.cursor = page.length ? page[page.length - 1] - 1 : Math.max(o.cursor, members[members.length - 1] ?? 0);
      }
    }
    for (const { o, page, count } of before) {
      if (!open.includes(o)) continue;
      const now = modelPage(o);
      expect(keysOf(o.collector.latestPage()), `step ${step}`).toEqual(now);
      const changed = now.join() !== page.join();
      const announcements = (announced.get(o.collector) ?? 0) - count;
      // Announced whenever the page changed (a page size change may announce an unchanged page).
      if (changed) expect(announcements, `step ${step}: page changed unannounced`).toBeGreaterThan(0);
      else if (action < 55) expect(announcements, `step ${step}: announced an unchanged page`).toBe(0);
      o.page = now;
    }
    if (step % 25 === 0) {
      const [spec, matches] = chains.length && random(2) ? chainFilter(chains[random(chains.length)]) : filters[random(filters.length)];
      const maxCount = random(3) ? 0 : 1 + random(5);
      const expected = kept
        .filter(matches)
        .map((e) => e.key)
        .reverse()
        .slice(0, maxCount || undefined);
      const answer = manager
        .method('QueryEvents')
        ?.call(manager, ctx(1), { filter: { ...spec, maxCount: maxCount || undefined } } as never) as readonly Event[];
      expect(keysOf(answer), `step ${step}: QueryEvents`).toEqual(expected);
    }
  }
  expect(kept.length).toBe(RING);
});
