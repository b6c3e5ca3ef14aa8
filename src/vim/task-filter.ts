// TaskFilterSpec as a predicate over TaskInfo, for TaskManager.CreateCollectorForTasks.
// The emulator's inventory is flat: every entity other than the root folder counts as a child
// of the root folder, so recursion "children" and "all" from the root folder select them all.

import { ManagedObjectReference, type DataObject } from './data.js';

export type TaskPredicate = (info: DataObject) => boolean;

/** Specs longer than this as a key are not shared (the key would be a second copy of a big spec). */
const MAX_KEY_LENGTH = 4096;

/**
 * A key equal for two specs exactly when they are written the same, field by field and in
 * order, so that collectors with equal filters can share the list of tasks they select (specs
 * that differ only in order merely share nothing); undefined for a spec too long to be worth one.
 */
export function taskFilterKey(spec: DataObject): string | undefined {
  const key = JSON.stringify(spec, (_field, value: unknown) =>
    value instanceof ManagedObjectReference ? { moref: [value.type, value.value] } : value,
  );
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

function inList<T>(list: T[] | undefined, value: T | undefined): boolean {
  return list === undefined || list.length === 0 || (value !== undefined && list.includes(value));
}

/**
 * Task times have millisecond precision; a bound given more precisely (govmomi sends
 * nanoseconds) is rounded towards the inside of the range so the comparison stays exact.
 */
function toMillis(dateTime: string, round: 'up' | 'down'): number {
  const ms = Date.parse(dateTime);
  const fraction = /\.\d{3}(\d+)/.exec(dateTime)?.[1];
  return round === 'up' && fraction !== undefined && /[1-9]/.test(fraction) ? ms + 1 : ms;
}

export function taskFilter(spec: DataObject, rootFolder: ManagedObjectReference): TaskPredicate {
  const checks: TaskPredicate[] = [];
  const byEntity = spec.entity as DataObject | undefined;
  if (byEntity) {
    const entity = byEntity.entity as ManagedObjectReference;
    const recursion = byEntity.recursion as string;
    checks.push((info) => {
      const target = info.entity as ManagedObjectReference | undefined;
      if (!target) return false;
      if (target.equals(entity)) return true;
      return recursion !== 'self' && entity.equals(rootFolder);
    });
  }
  const byTime = spec.time as DataObject | undefined;
  if (byTime) {
    const field = { queuedTime: 'queueTime', startedTime: 'startTime', completedTime: 'completeTime' }[byTime.timeType as string] ?? 'queueTime';
    const begin = byTime.beginTime === undefined ? -Infinity : toMillis(byTime.beginTime as string, 'up');
    const end = byTime.endTime === undefined ? Infinity : toMillis(byTime.endTime as string, 'down');
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
  const byUser = spec.userName as DataObject | undefined;
  if (byUser) {
    const users = (byUser.userList as string[] | undefined) ?? [];
    const systemUser = byUser.systemUser === true;
    checks.push((info) => {
      const reason = info.reason as DataObject;
      if (reason._type === 'TaskReasonSystem') return systemUser;
      if (reason._type !== 'TaskReasonUser') return false;
      return users.length ? users.includes(reason.userName as string) : !systemUser;
    });
  }
  const lists: Array<[string, string]> = [
    ['activationId', 'activationId'],
    ['state', 'state'],
    ['eventChainId', 'eventChainId'],
    ['tag', 'changeTag'],
    ['parentTaskKey', 'parentTaskKey'],
    ['rootTaskKey', 'rootTaskKey'],
  ];
  for (const [specField, infoField] of lists) {
    const list = spec[specField] as Array<string | number> | undefined;
    if (list?.length) checks.push((info) => inList(list, info[infoField] as string | number | undefined));
  }
  for (const [specField, reasonType, reasonField] of [
    ['alarm', 'TaskReasonAlarm', 'alarm'],
    ['scheduledTask', 'TaskReasonSchedule', 'scheduledTask'],
  ] as const) {
    const ref = spec[specField] as ManagedObjectReference | undefined;
    if (ref) {
      checks.push((info) => {
        const reason = info.reason as DataObject;
        return reason._type === reasonType && ref.equals(reason[reasonField] as ManagedObjectReference | undefined);
      });
    }
  }
  return (info) => checks.every((check) => check(info));
}
