// vim.ManagedEntity: what every inventory object shares (name, parent, recentTask, status,
// alarms) and how it reaches the generic *_Task implementation. The containment properties are
// the subclasses' own, named as vim25 names them (Folder.childEntity, Datacenter.vmFolder, ...),
// so the PropertyCollector, views and SearchIndex walk the tree through them.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Task } from './Task.js';

/** A method as the dispatcher calls it (arguments already checked against the WSDL). */
export type TaskMethodHandler = NonNullable<ReturnType<ManagedObject['method']>>;

/** What entities need from the inventory that holds them. */
export interface EntityHost {
  readonly registry: ObjectRegistry;
  /** The generic implementation of a *_Task method; undefined for any other name. */
  taskMethod(name: string): TaskMethodHandler | undefined;
  /** Whether a task still belongs in a recentTask list (running, or completed within the retention). */
  isRecentTask(task: Task): boolean;
}

/** An entity's recentTask holds at most this many tasks, as TaskManager.recentTask does. */
const RECENT_TASK_LIMIT = 200;

export const ENTITY_PROPERTY_TYPES = {
  name: 'xsd:string',
  parent: 'ManagedObjectReference',
  recentTask: 'ArrayOfManagedObjectReference',
  overallStatus: 'ManagedEntityStatus',
  configStatus: 'ManagedEntityStatus',
  declaredAlarmState: 'ArrayOfAlarmState',
  triggeredAlarmState: 'ArrayOfAlarmState',
  disabledMethod: 'ArrayOfString',
  alarmActionsEnabled: 'xsd:boolean',
  effectiveRole: 'ArrayOfInt',
  availableField: 'ArrayOfCustomFieldDef',
  value: 'ArrayOfCustomFieldValue',
  customValue: 'ArrayOfCustomFieldValue',
} as const;

/** The type chain of an entity type: itself, then the entity supertypes. */
export function entityChain(...types: string[]): readonly string[] {
  return [...types, 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'];
}

export abstract class ManagedEntity extends ManagedObject {
  /** The containing entity; undefined for the root folder (and for a removed entity). */
  parent: ManagedEntity | undefined;
  /** Tasks started on this entity, oldest first, at most RECENT_TASK_LIMIT. */
  private tasks: Task[] = [];
  private currentName: string;

  constructor(
    readonly ref: ManagedObjectReference,
    protected readonly inventory: EntityHost,
    name: string,
  ) {
    super();
    this.currentName = name;
  }

  get name(): string {
    return this.currentName;
  }

  /** Renames the entity (subclasses that mirror the name elsewhere announce those too). */
  rename(name: string): void {
    this.currentName = name;
    this.changed(this.nameProperties());
  }

  protected nameProperties(): readonly string[] {
    return ['name'];
  }

  /** The entities this one contains (what Destroy_Task removes with it and inventory paths walk). */
  abstract children(): readonly ManagedEntity[];

  /** Forgets a contained entity that is being removed. */
  abstract detach(child: ManagedEntity): void;

  /** Drops links other entities hold to this one, when it is removed. */
  unlink(): void {}

  /** A task was started on this entity. */
  addTask(task: Task): void {
    this.tasks.push(task);
    if (this.tasks.length > RECENT_TASK_LIMIT) this.tasks = this.tasks.filter((t) => this.inventory.isRecentTask(t)).slice(-RECENT_TASK_LIMIT);
    this.changed(['recentTask']);
  }

  /** The tasks started on this entity, oldest first (for the state document). */
  startedTasks(): readonly Task[] {
    return this.tasks;
  }

  /** Replaces the tasks started on this entity (a state restore). */
  restoreTasks(tasks: readonly Task[]): void {
    this.tasks = tasks.slice(-RECENT_TASK_LIMIT);
    this.changed(['recentTask']);
  }

  /** A task of this entity completed: recentTask readers see its new state. */
  taskEnded(): void {
    this.changed(['recentTask']);
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'name':
        return this.currentName;
      case 'parent':
        return this.parent?.ref;
      case 'recentTask':
        return this.tasks.filter((t) => this.inventory.isRecentTask(t)).map((t) => t.ref);
      case 'overallStatus':
      case 'configStatus':
        return 'green';
      case 'alarmActionsEnabled':
        return true;
      case 'declaredAlarmState':
      case 'triggeredAlarmState':
      case 'disabledMethod':
      case 'effectiveRole':
      case 'availableField':
      case 'value':
      case 'customValue':
        return [];
      default:
        return this.ownProperty(name);
    }
  }

  protected abstract ownProperty(name: string): VimValue | undefined;

  /** Its own methods first, then the generic *_Task implementation (the dispatcher checked the type). */
  override method(name: string): TaskMethodHandler | undefined {
    return super.method(name) ?? this.inventory.taskMethod(name);
  }

  /** Announces changed properties, while the entity is in the inventory. */
  changed(properties: readonly string[]): void {
    if (this.inventory.registry.get(this.ref) === this) this.inventory.registry.changed(this, properties);
  }
}

/** The references of some entities, in order. */
export function refs(entities: Iterable<{ readonly ref: ManagedObjectReference }>): ManagedObjectReference[] {
  const out: ManagedObjectReference[] = [];
  for (const entity of entities) out.push(entity.ref);
  return out;
}
