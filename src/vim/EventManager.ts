// vim.EventManager: keeps events the way vCenter does for tasks. Every task created gets a
// TaskEvent whose key and chainId are the task's eventChainId; extensions add their own events
// with PostEvent (against their task's chain when they pass its TaskInfo); QueryEvents and the
// event history collectors read them back through an EventFilterSpec. Events live in a ring of
// `maxEvents` (event-log.ts).

import { randomUUID } from 'node:crypto';
import { isDataObject, ManagedObjectReference, type DataObject, type TypeModel, type VimValue } from './data.js';
import type { Containment } from './containment.js';
import { EventLog, type StoredEvent } from './event-log.js';
import { eventFilter } from './event-filter.js';
import { EventHistoryCollector, eventView } from './EventHistoryCollector.js';
import { InvalidArgument, MethodFault } from './faults.js';
import { SessionCollectors } from './history-pages.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { TaskEventSink } from './TaskManager.js';
import type { ElementDescription, Event, EventDescription, EventDescriptionEventDetail, EventFilterSpec, TaskEvent, TaskInfo } from './vim-types.js';

/** The most events one QueryEvents returns (its maxCount, when unset or larger). */
export const MAX_QUERY_EVENTS = 1000;

export interface EventManagerOptions {
  /** Events kept; past it the oldest are forgotten. */
  readonly maxEvents: number;
  /** Event history collectors per session (EventManager.maxCollector). */
  readonly maxCollector: number;
  /** An ISO timestamp that never goes backwards (the TaskManager's clock, so task and event times agree). */
  readonly clock: () => string;
}

/** Each Event argument slot and the field of its argument that holds the entity. */
const SLOT_FIELDS: ReadonlyArray<readonly [slot: string, field: string]> = [
  ['datacenter', 'datacenter'],
  ['computeResource', 'computeResource'],
  ['host', 'host'],
  ['vm', 'vm'],
  ['ds', 'datastore'],
  ['net', 'network'],
  ['dvs', 'dvs'],
];

/** The Event argument slots an entity fills. */
type EntityArguments = Pick<Event, 'datacenter' | 'computeResource' | 'host' | 'vm' | 'ds' | 'net' | 'dvs'>;
const NO_ARGUMENTS: EntityArguments = {};

/** The argument slot an entity of its managed type fills, if its type has one (a Folder has none). */
function ownArgument(entity: ManagedObjectReference, name: string): EntityArguments {
  switch (entity.type) {
    case 'VirtualMachine':
      return { vm: { _type: 'VmEventArgument', name, vm: entity } };
    case 'HostSystem':
      return { host: { _type: 'HostEventArgument', name, host: entity } };
    case 'ComputeResource':
    case 'ClusterComputeResource':
      return { computeResource: { _type: 'ComputeResourceEventArgument', name, computeResource: entity } };
    case 'Datacenter':
      return { datacenter: { _type: 'DatacenterEventArgument', name, datacenter: entity } };
    case 'Datastore':
      return { ds: { _type: 'DatastoreEventArgument', name, datastore: entity } };
    case 'Network':
    case 'DistributedVirtualPortgroup':
    case 'OpaqueNetwork':
      return { net: { _type: 'NetworkEventArgument', name, network: entity } };
    case 'DistributedVirtualSwitch':
    case 'VmwareDistributedVirtualSwitch':
      return { dvs: { _type: 'DvsEventArgument', name, dvs: entity } };
    default:
      return NO_ARGUMENTS;
  }
}

export class EventManager extends ManagedObject implements TaskEventSink {
  readonly ref = new ManagedObjectReference('EventManager', 'EventManager');
  readonly typeChain = ['EventManager', 'ManagedObject'];
  readonly propertyTypes = { description: 'EventDescription', latestEvent: 'Event', maxCollector: 'xsd:int' };
  private readonly log: EventLog;
  private readonly collectors: SessionCollectors<EventHistoryCollector>;
  /** What an event naming no entity is about. */
  private readonly rootEntities: readonly ManagedObjectReference[];
  private lastCreatedTime = '';
  private lastTime = Number.NaN;

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly containment: Containment,
    private readonly types: TypeModel,
    private readonly options: EventManagerOptions,
  ) {
    super();
    this.log = new EventLog(options.maxEvents);
    this.collectors = new SessionCollectors(options.maxCollector, 'event history collectors');
    this.rootEntities = [containment.rootFolder];
  }

  readonly methods: Methods<'PostEvent' | 'QueryEvents' | 'CreateCollectorForEvents', EventManager> = {
    PostEvent: (ctx, args) => {
      this.post(args.eventToPost, args.taskInfo, ctx.session?.userName ?? '');
    },
    QueryEvents: (_ctx, args) => this.query(args.filter),
    CreateCollectorForEvents: (ctx, args) => this.createCollector(ctx, args.filter),
  };

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'description':
        return EVENT_DESCRIPTION;
      case 'latestEvent':
        return this.log.newest()?.event;
      case 'maxCollector':
        return this.options.maxCollector;
      default:
        return undefined;
    }
  }

  /** The key the next event gets: a new task's eventChainId, so its TaskEvent's key and chainId equal it. */
  nextEventChainId(): number {
    return this.log.nextKey;
  }

  /** Forgets every event and numbers new ones from `nextEventChainId` on (a state restore). */
  restart(nextEventChainId: number): void {
    this.log.restart(nextEventChainId);
    this.registry.changed(this, ['latestEvent']);
  }

  /** Posts the TaskEvent of a task just created; `info` is its TaskInfo at creation (queued). */
  taskCreated(info: TaskInfo): void {
    const reason: DataObject = info.reason;
    const userName = reason._type === 'TaskReasonUser' && typeof reason.userName === 'string' ? reason.userName : '';
    const entity = info.entity;
    const args = entity ? this.entityArguments(entity, info.entityName ?? entity.value) : NO_ARGUMENTS;
    // Every TaskEvent has this one shape (absent slots undefined, which the encoder leaves out).
    // Its key is the chain id the task was given (nextEventChainId): key = chainId = eventChainId.
    const event: TaskEvent = {
      _type: 'TaskEvent',
      key: this.log.nextKey,
      chainId: info.eventChainId,
      createdTime: info.queueTime,
      userName,
      datacenter: args.datacenter,
      computeResource: args.computeResource,
      host: args.host,
      vm: args.vm,
      ds: args.ds,
      net: args.net,
      dvs: args.dvs,
      fullFormattedMessage: taskEventMessage(info),
      changeTag: undefined,
      info,
    };
    this.keep(event, entity ? [entity] : []);
  }

  private post(posted: Event, taskInfo: TaskInfo | undefined, userName: string): void {
    const fields: DataObject = posted;
    if (this.types.isSubtypeOf(posted._type, 'TaskEvent')) {
      throw new MethodFault('InvalidEvent', 'TaskEvents are posted by the server when a task is created; an extension posts its own event types.');
    }
    const entities = postedEntities(posted);
    if (taskInfo?.entity) entities.push(taskInfo.entity);
    const key = this.log.nextKey;
    const message = typeof fields.message === 'string' ? fields.message : undefined;
    const event: Event = {
      ...posted,
      key,
      chainId: taskInfo ? taskInfo.eventChainId : key,
      createdTime: this.options.clock(),
      userName,
      fullFormattedMessage: posted.fullFormattedMessage ?? message,
    };
    this.keep(event, entities);
  }

  private keep(event: Event, entities: readonly ManagedObjectReference[]): void {
    // Events created in one millisecond share their time string: parse it once.
    if (event.createdTime !== this.lastCreatedTime) {
      this.lastCreatedTime = event.createdTime;
      this.lastTime = Date.parse(event.createdTime);
    }
    this.log.keep({
      key: event.key,
      event,
      time: this.lastTime,
      entities: entities.length ? entities : this.rootEntities,
      typeId: typeIdOf(event),
      category: this.categoryOf(event),
    });
    this.registry.changed(this, ['latestEvent']);
  }

  /** The argument slots an event about `entity` fills: its own, and the datacenter it is in. */
  private entityArguments(entity: ManagedObjectReference, name: string): EntityArguments {
    const own = ownArgument(entity, name);
    if (own.datacenter) return own;
    const datacenter = this.containment.nearest(entity, 'Datacenter');
    if (!datacenter) return own;
    const dcName = this.registry.get(datacenter)?.getProperty('name', undefined);
    return { ...own, datacenter: { _type: 'DatacenterEventArgument', name: typeof dcName === 'string' ? dcName : datacenter.value, datacenter } };
  }

  private categoryOf(event: Event): string {
    if (event._type === 'TaskEvent') return 'info';
    const fields: DataObject = event;
    const severity = fields.severity;
    if (event._type === 'EventEx' && typeof severity === 'string' && severity) return severity;
    return EVENT_DESCRIPTION.eventInfo.find((info) => info.key === event._type)?.category ?? 'info';
  }

  /** The newest matching events first, at most maxCount (capped at MAX_QUERY_EVENTS). */
  private query(spec: EventFilterSpec): Event[] {
    const requested = spec.maxCount;
    if (requested !== undefined && requested < 0) throw new InvalidArgument('maxCount', 'maxCount must not be negative.');
    const limit = requested ? Math.min(requested, MAX_QUERY_EVENTS) : MAX_QUERY_EVENTS;
    const matches = eventFilter(spec, this.containment, this.types);
    const found: Event[] = [];
    for (const stored of this.candidates(spec)) {
      if (found.length >= limit) break;
      if (matches(stored)) found.push(eventView(stored.event, spec.disableFullMessage));
    }
    return found;
  }

  /** The events a query must test, newest first: one chain's when the filter names it, else the ring. */
  private candidates(spec: EventFilterSpec): IterableIterator<StoredEvent> {
    return spec.eventChainId === undefined ? this.log.newestFirst() : this.log.chainNewestFirst(spec.eventChainId);
  }

  private createCollector(ctx: CallContext, spec: EventFilterSpec): ManagedObjectReference {
    const matches = eventFilter(spec, this.containment, this.types);
    const collector = this.collectors.add(ctx.session, this.ref, (session, release) => {
      const ref = new ManagedObjectReference('EventHistoryCollector', `session[${session.key}]${randomUUID()}`);
      return new EventHistoryCollector(ref, spec, matches, this.log, this.registry, session, release);
    });
    this.registry.add(collector);
    return collector.ref;
  }
}

/**
 * vCenter writes a TaskEvent as "Task: " and the task's name in the user's language (the label
 * the registering extension's resources give the task type). The emulator has no message
 * catalogue, so the name is the task's own name if it has one, else its descriptionId.
 */
export function taskEventMessage(info: TaskInfo): string {
  return `Task: ${info.name ?? info.descriptionId}`;
}

function typeIdOf(event: Event): string {
  const fields: DataObject = event;
  const id = fields.eventTypeId;
  return (event._type === 'ExtendedEvent' || event._type === 'EventEx') && typeof id === 'string' ? id : event._type;
}

/** Every entity a posted event names, in its argument slots and its own reference fields. */
function postedEntities(posted: Event): ManagedObjectReference[] {
  const event: DataObject = posted;
  const found: ManagedObjectReference[] = [];
  for (const [slot, field] of SLOT_FIELDS) {
    const argument = event[slot];
    const ref = isDataObject(argument) ? argument[field] : undefined;
    if (ref instanceof ManagedObjectReference && !found.some((r) => r.equals(ref))) found.push(ref);
  }
  if (event.managedObject instanceof ManagedObjectReference) found.push(event.managedObject);
  const entity = event.entity;
  if (isDataObject(entity) && entity.entity instanceof ManagedObjectReference) found.push(entity.entity);
  if (typeof event.objectType === 'string' && typeof event.objectId === 'string') found.push(new ManagedObjectReference(event.objectType, event.objectId));
  return found;
}

const label = (key: string, text: string): ElementDescription => ({ _type: 'ElementDescription', label: text, summary: text, key });

const detail = (key: string, category: string, description: string, fullFormat: string): EventDescriptionEventDetail => ({
  _type: 'EventDescriptionEventDetail',
  key,
  description,
  category,
  formatOnDatacenter: fullFormat,
  formatOnComputeResource: fullFormat,
  formatOnHost: fullFormat,
  formatOnVm: fullFormat,
  fullFormat,
});

/**
 * The event types the emulator posts or extensions commonly post, with their category; govc
 * reads the category of each event it prints from here. Kept small on purpose: a type missing
 * here reads as category "info".
 */
const EVENT_DESCRIPTION: EventDescription = {
  _type: 'EventDescription',
  category: [label('info', 'Information'), label('warning', 'Warning'), label('error', 'Error'), label('user', 'User')],
  eventInfo: [
    detail('TaskEvent', 'info', 'Task event', 'Task: {info.descriptionId}'),
    detail('ExtendedEvent', 'info', 'Extension event', '{message}'),
    detail('GeneralUserEvent', 'user', 'User logged event', 'User logged event: {message}'),
    detail('GeneralEvent', 'info', 'General event', '{message}'),
    detail('EventEx', 'info', 'Extended event', '{message}'),
  ],
};
