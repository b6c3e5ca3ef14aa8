// TaskFilterSpec as a predicate over TaskInfo, for TaskManager.CreateCollectorForTasks.
// Recursion by entity follows the inventory tree (each entity's parent); a task on an object
// outside the tree (CreateTask names any object) counts as a child of the root folder.

import { ManagedObjectReference, type DataObject } from './data.js';
import type { TaskFilterSpec, TaskInfo } from './vim-types.js';

export type TaskPredicate = (info: TaskInfo) => boolean;

/** Specs longer than this as a key are not shared (the key would be a second copy of a big spec). */
const MAX_KEY_LENGTH = 4096;

/**
 * A key equal for two specs exactly when they are written the same, field by field and in
 * order, so that collectors with equal filters can share the list of tasks they select (specs
 * that differ only in order merely share nothing); undefined for a spec too long to be worth one.
 */
export function taskFilterKey(spec: TaskFilterSpec): string | undefined {
  const key = JSON.stringify(spec, (_field, value: unknown) => (value instanceof ManagedObjectReference ? { moref: [value.type, value.value] } : value));
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

function inList<T>(list: readonly T[] | undefined, value: T | undefined): boolean {
  return list === undefined || list.length === 0 || (value !== undefined && list.includes(value));
}

/**
 * Task times have millisecond precision; a bound given more precisely (govmomi sends
 * nanoseconds) is rounded towards the inside of the range so the comparison stays exact.
 */
export function toMillis(dateTime: string, round: 'up' | 'down'): number {
  const ms = Date.parse(dateTime);
  const fraction = /\.\d{3}(\d+)/.exec(dateTime)?.[1];
  return round === 'up' && fraction !== undefined && /[1-9]/.test(fraction) ? ms + 1 : ms;
}

const TIME_FIELDS = { queuedTime: 'queueTime', startedTime: 'startTime', completedTime: 'completeTime' } as const;

/** Where entities sit: whether one lies within another (containment.ts answers from the inventory). */
export interface EntityTree {
  within(entity: ManagedObjectReference, ancestor: ManagedObjectReference, depth: number): boolean;
}

export function taskFilter(spec: TaskFilterSpec, tree: EntityTree): TaskPredicate {
  const checks: TaskPredicate[] = [];
  const byEntity = spec.entity;
  if (byEntity) {
    const { entity, recursion } = byEntity;
    checks.push((info) => {
      const target = info.entity;
      if (!target) return false;
      if (target.equals(entity)) return true;
      if (recursion === 'self') return false;
      return tree.within(target, entity, recursion === 'children' ? 1 : Number.POSITIVE_INFINITY);
    });
  }
  const byTime = spec.time;
  if (byTime) {
    const field = TIME_FIELDS[byTime.timeType];
    const begin = byTime.beginTime === undefined ? -Infinity : toMillis(byTime.beginTime, 'up');
    const end = byTime.endTime === undefined ? Infinity : toMillis(byTime.endTime, 'down');
    // Every open collector tests every task change, and tasks created in one millisecond share
    // their time string: the last one parsed is kept, as parsing was most of a test's cost.
    let lastAt: string | undefined;
    let lastTime = NaN;
    checks.push((info) => {
      const at = info[field];
      if (typeof at !== 'string') return false;
      if (at !== lastAt) {
        lastAt = at;
        lastTime = Date.parse(at);
      }
      return lastTime >= begin && lastTime <= end;
    });
  }
  const byUser = spec.userName;
  if (byUser) {
    const users = byUser.userList ?? [];
    const systemUser = byUser.systemUser;
    checks.push((info) => {
      const reason: DataObject = info.reason;
      if (reason._type === 'TaskReasonSystem') return systemUser;
      if (reason._type !== 'TaskReasonUser' || typeof reason.userName !== 'string') return false;
      return users.length ? users.includes(reason.userName) : !systemUser;
    });
  }
  const { activationId, state, eventChainId, tag, parentTaskKey, rootTaskKey } = spec;
  if (activationId?.length) checks.push((info) => inList(activationId, info.activationId));
  if (state?.length) checks.push((info) => inList(state, info.state));
  if (eventChainId?.length) checks.push((info) => inList(eventChainId, info.eventChainId));
  if (tag?.length) checks.push((info) => inList(tag, info.changeTag));
  if (parentTaskKey?.length) checks.push((info) => inList(parentTaskKey, info.parentTaskKey));
  if (rootTaskKey?.length) checks.push((info) => inList(rootTaskKey, info.rootTaskKey));
  for (const [ref, reasonType, reasonField] of [
    [spec.alarm, 'TaskReasonAlarm', 'alarm'],
    [spec.scheduledTask, 'TaskReasonSchedule', 'scheduledTask'],
  ] as const) {
    if (ref) {
      checks.push((info) => {
        const reason: DataObject = info.reason;
        const named = reason[reasonField];
        return reason._type === reasonType && named instanceof ManagedObjectReference && ref.equals(named);
      });
    }
  }
  return (info) => checks.every((check) => check(info));
}
