// EventFilterSpec as a predicate over kept events, for QueryEvents and the event history
// collectors. Every criterion given must hold. Entities follow the inventory's containment
// (containment.ts); times are inclusive and compared in milliseconds.

import { ManagedObjectReference, isDataObject, type DataObject, type TypeModel } from './data.js';
import type { Containment } from './containment.js';
import type { StoredEvent } from './event-log.js';
import { toMillis } from './task-filter.js';
import type { EventFilterSpec } from './vim-types.js';

export type EventPredicate = (event: StoredEvent) => boolean;

const RECURSION_DEPTH = { self: 0, children: 1, all: Number.POSITIVE_INFINITY } as const;

/** Whether a field of the event names `ref` (AlarmEvent.alarm.alarm, ScheduledTaskEvent.scheduledTask.scheduledTask). */
function namesObject(event: DataObject, field: string, ref: ManagedObjectReference): boolean {
  const argument = event[field];
  const named = isDataObject(argument) ? argument[field] : undefined;
  return named instanceof ManagedObjectReference && named.equals(ref);
}

export function eventFilter(spec: EventFilterSpec, containment: Containment, types: TypeModel): EventPredicate {
  const checks: EventPredicate[] = [];
  const byEntity = spec.entity;
  if (byEntity) {
    const depth = RECURSION_DEPTH[byEntity.recursion] ?? 0;
    const target = byEntity.entity;
    checks.push((e) => e.entities.some((entity) => containment.within(entity, target, depth)));
  }
  const byTime = spec.time;
  if (byTime) {
    const begin = byTime.beginTime === undefined ? Number.NEGATIVE_INFINITY : toMillis(byTime.beginTime, 'up');
    const end = byTime.endTime === undefined ? Number.POSITIVE_INFINITY : toMillis(byTime.endTime, 'down');
    checks.push((e) => e.time >= begin && e.time <= end);
  }
  const byUser = spec.userName;
  if (byUser) {
    // The same reading as TaskFilterSpec.userName: the listed users, plus the system's events
    // (posted with no user) when systemUser is set; no list and no systemUser: every user's.
    const users = byUser.userList ?? [];
    const systemUser = byUser.systemUser;
    checks.push((e) => {
      const user = e.event.userName;
      if (user === '') return systemUser;
      return users.length ? users.includes(user) : !systemUser;
    });
  }
  const { eventChainId, eventTypeId, type, category, tag, alarm, scheduledTask } = spec;
  if (eventChainId !== undefined) checks.push((e) => e.event.chainId === eventChainId);
  if (eventTypeId?.length) checks.push((e) => eventTypeId.includes(e.typeId));
  if (type?.length) checks.push((e) => type.some((t) => types.isSubtypeOf(e.event._type, t)));
  if (category?.length) checks.push((e) => category.includes(e.category));
  if (tag?.length) checks.push((e) => e.event.changeTag !== undefined && tag.includes(e.event.changeTag));
  if (alarm) checks.push((e) => namesObject(e.event, 'alarm', alarm));
  if (scheduledTask) checks.push((e) => namesObject(e.event, 'scheduledTask', scheduledTask));
  return (e) => checks.every((check) => check(e));
}
