// The state document: everything a restart should keep (tasks with their histories,
// extensions, users and roles, fault, latency and method rules, scripted lifecycles and *_Task
// methods' tasks still running, the inventory tree, and the counters new task keys, event chains
// and inventory references continue from) as one JSON document, and its restore. Sessions, property filters, collectors and waiting calls are not in it: after a
// restore clients log in again, as after a vCenter restart.
//
// A document is checked whole (format, version, schema, then every vim25 value against the
// WSDL) before anything is replaced, so a refused document changes nothing.

import { isDataObject, ManagedObjectReference, type TypeModel, type VimValue } from '../vim/data.js';
import type { ExtensionManager } from '../vim/ExtensionManager.js';
import type { ObjectRegistry } from '../vim/registry.js';
import { MAX_HISTORY, type TaskHistoryEntry, type TaskInfoChange, type TaskSnapshot } from '../vim/Task.js';
import type { TaskManager, TaskManagerSnapshot } from '../vim/TaskManager.js';
import { taskNumber } from '../vim/task-history-index.js';
import { isTaskState, isTerminal } from '../vim/task-state.js';
import type { UserDirectory, UsersSnapshot } from '../vim/users.js';
import type { Extension, LocalizedMethodFault, TaskInfo } from '../vim/vim-types.js';
import type { InventoryTree } from '../vim/inventory-tree.js';
import { InventoryStateError, type EntityState, type InventoryState, type SnapshotState } from '../vim/inventory-state.js';
import type { MethodTaskOutcome, MethodTaskRunner, MethodTaskSnapshot } from '../vim/method-tasks.js';
import type { TaskStep } from '../vim/task-timetable.js';
import { taskMethod } from '../vim/task-methods.js';
import type { EmulatorControl } from './control.js';
import type { MethodRule } from './method-rules.js';
import { constants } from 'node:buffer';
import type { ValidateFunction } from 'ajv';
import { ControlError } from './errors.js';
import type { FaultRule, Injector, LatencyRule } from './injection.js';
import { JsonValueError, jsonToFault, jsonToVim, vimToJson, type Json } from './json-values.js';
import type { LifecycleRunner, LifecycleSnapshot } from './lifecycle.js';
import { describeErrors, faultRuleSchema, latencyRuleSchema, methodRuleSchema, type ControlSchemas, type FaultJson, type MethodRuleJson } from './schemas.js';

const { MAX_STRING_LENGTH } = constants;

export const STATE_FORMAT = 'vtask-emulator-state';
/**
 * The format version this build writes and the newest it reads. Version 2 added the inventory,
 * method rules and *_Task methods' tasks; a version 1 document restores the inventory the
 * emulator started with and no method rules.
 */
export const STATE_FORMAT_VERSION = 2;

type JsonObject = { readonly [key: string]: Json };

export interface HistoryEntryJson {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  /** The TaskInfo fields the change set; null: set to unset. */
  readonly fields: JsonObject;
}

export interface TaskStateJson {
  /** The TaskInfo, as the control API shows it. */
  readonly info: JsonObject;
  /** Who created the task, while the creation entry is still in its history. */
  readonly creator?: { readonly user: string; readonly method: string };
  /** The changes after creation, oldest first. */
  readonly history: readonly HistoryEntryJson[];
}

export interface FaultRuleStateJson {
  readonly id: string;
  readonly method?: string;
  readonly task?: string;
  readonly taskTypeId?: string;
  readonly fault: FaultJson;
  readonly count?: number;
  readonly probability?: number;
  readonly hits: number;
}

export interface LatencyRuleStateJson {
  readonly id: string;
  readonly method?: string;
  readonly delayMs: number;
  readonly jitterMs?: number;
}

export interface LifecycleStateJson {
  readonly task: string;
  readonly outcome: 'success' | 'error';
  readonly result?: Json;
  /** A LocalizedMethodFault. */
  readonly fault?: JsonObject;
  /** The steps still to come; `at` is when each is due (epoch ms). */
  readonly steps: readonly TaskStep[];
}

export interface MethodRuleStateJson extends MethodRuleJson {
  readonly id: string;
  /** Calls the rule's selectors matched (what `call` counts). */
  readonly seen: number;
  /** Tasks the rule decided (what `count` uses up). */
  readonly hits: number;
}

export interface MethodTaskStateJson {
  readonly task: string;
  readonly method: string;
  /** `_this`: an entity or a snapshot. */
  readonly target: { readonly type: string; readonly value: string };
  /** The call's arguments (what the effect reads on success), as vim25 JSON. */
  readonly args: JsonObject;
  readonly outcome: MethodTaskOutcome;
  readonly result?: Json;
  /** A LocalizedMethodFault. */
  readonly fault?: JsonObject;
  /** The steps still to come; `at` is when each is due (epoch ms). */
  readonly steps: readonly TaskStep[];
}

/** The inventory as the document holds it: a snapshot's configuration is vim25 JSON. */
export type InventoryJson = InventoryState<JsonObject>;

export interface StateDocument {
  readonly format: typeof STATE_FORMAT;
  readonly version: number;
  readonly counters: {
    /** The next task is task-<nextTaskNumber>. */
    readonly nextTaskNumber: number;
    readonly nextEventChainId: number;
    /** The latest timestamp handed out (epoch ms): times after a restore do not go backwards. */
    readonly lastTimestamp: number;
  };
  readonly tasks: readonly TaskStateJson[];
  readonly extensions: readonly JsonObject[];
  readonly users: {
    /** No users file or seeded users: anyone logs in as Admin. */
    readonly open: boolean;
    readonly users: ReadonlyArray<{ readonly userName: string; readonly password: string; readonly role: string; readonly fullName?: string }>;
    readonly roles: { readonly [role: string]: readonly string[] | 'all' };
  };
  readonly faults: readonly FaultRuleStateJson[];
  readonly latency: readonly LatencyRuleStateJson[];
  readonly lifecycles: readonly LifecycleStateJson[];
  /** Since version 2 (required there). */
  readonly inventory?: InventoryJson;
  readonly methods?: readonly MethodRuleStateJson[];
  readonly methodTasks?: readonly MethodTaskStateJson[];
}

/**
 * Bytes a task with a full history takes in a state document, with some room: 256 entries of
 * progress updates by a 64-character user name, with a long description, take 42 KB
 * (test/unit/state.test.ts); tasks with a few changes take 1 to 2 KB.
 */
export const STATE_BYTES_PER_TASK = 48 * 1024;
/**
 * Room for everything besides tasks: extensions, users, rules, scripts, and an inventory of up
 * to 10,000 entities (about 300 bytes each, a snapshot with its configuration about 1 KB).
 */
export const STATE_BYTES_BASE = 32 * 1024 * 1024;

/**
 * The body limit of PUT /_emulator/state: `maxTasks` tasks with full histories and the rest,
 * but no more than the longest string Node can hold, which the body is read into.
 */
export function stateBodyLimit(maxTasks: number): number {
  return Math.min(STATE_BYTES_BASE + maxTasks * STATE_BYTES_PER_TASK, MAX_STRING_LENGTH);
}

const text = { type: 'string', maxLength: 65_536 } as const;
const anyJson = {} as const;
const vimObject = { type: 'object' } as const;
const SAFE_INTEGER = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const CHANGE_FIELDS = ['state', 'cancelled', 'description', 'progress', 'result', 'error', 'startTime', 'completeTime'] as const;

const historyEntrySchema = {
  type: 'object',
  required: ['time', 'user', 'method', 'fields'],
  additionalProperties: false,
  properties: {
    time: text,
    user: text,
    method: text,
    fields: { type: 'object', additionalProperties: false, properties: Object.fromEntries(CHANGE_FIELDS.map((field) => [field, anyJson])) },
  },
} as const;

const ref = { type: 'string', minLength: 1, maxLength: 256 } as const;
const refs = { type: 'array', items: ref } as const;
const POWER_STATES = ['poweredOn', 'poweredOff', 'suspended'] as const;
const stepsSchema = {
  type: 'array',
  maxItems: 102,
  items: {
    type: 'object',
    required: ['at', 'kind'],
    additionalProperties: false,
    properties: {
      at: { type: 'number', minimum: 0 },
      kind: { type: 'string', enum: ['start', 'progress', 'outcome'] },
      percent: { type: 'integer', minimum: 0, maximum: 100 },
    },
  },
} as const;

const snapshotSchema = {
  type: 'object',
  required: ['ref', 'name', 'description', 'id', 'createTime', 'quiesced', 'state'],
  additionalProperties: false,
  properties: {
    ref,
    parent: ref,
    name: text,
    description: text,
    id: SAFE_INTEGER,
    createTime: text,
    quiesced: { type: 'boolean' },
    state: { type: 'string', enum: POWER_STATES },
    config: vimObject,
  },
} as const;

/** Members by type are checked after the schema (inventory-state.ts), with messages naming the type. */
const entitySchema = {
  type: 'object',
  required: ['type', 'ref', 'name'],
  additionalProperties: false,
  properties: {
    type: {
      type: 'string',
      enum: ['Folder', 'Datacenter', 'ComputeResource', 'ClusterComputeResource', 'HostSystem', 'ResourcePool', 'Datastore', 'Network', 'VirtualMachine'],
    },
    ref,
    name: text,
    parent: ref,
    recentTask: { type: 'array', minItems: 1, maxItems: 200, items: text },
    kind: { type: 'string', enum: ['root', 'vm', 'host', 'datastore', 'network'] },
    datastores: refs,
    networks: refs,
    vms: refs,
    host: ref,
    resourcePool: ref,
    powerState: { type: 'string', enum: POWER_STATES },
    numCPU: { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
    memoryMB: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
    uuid: text,
    createTime: text,
    snapshots: { type: 'array', minItems: 1, items: snapshotSchema },
    currentSnapshot: ref,
  },
} as const;

export const stateSchema = {
  type: 'object',
  required: ['format', 'version', 'counters', 'tasks', 'extensions', 'users', 'faults', 'latency', 'lifecycles'],
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: [STATE_FORMAT] },
    version: { type: 'integer', minimum: 1, maximum: STATE_FORMAT_VERSION },
    counters: {
      type: 'object',
      required: ['nextTaskNumber', 'nextEventChainId', 'lastTimestamp'],
      additionalProperties: false,
      properties: { nextTaskNumber: { ...SAFE_INTEGER, minimum: 1 }, nextEventChainId: { ...SAFE_INTEGER, minimum: 1 }, lastTimestamp: SAFE_INTEGER },
    },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['info', 'history'],
        additionalProperties: false,
        properties: {
          info: vimObject,
          creator: { type: 'object', required: ['user', 'method'], additionalProperties: false, properties: { user: text, method: text } },
          history: { type: 'array', maxItems: MAX_HISTORY, items: historyEntrySchema },
        },
      },
    },
    extensions: { type: 'array', items: vimObject },
    users: {
      type: 'object',
      required: ['open', 'users', 'roles'],
      additionalProperties: false,
      properties: {
        open: { type: 'boolean' },
        users: {
          type: 'array',
          items: {
            type: 'object',
            required: ['userName', 'password', 'role'],
            additionalProperties: false,
            properties: { userName: text, password: text, role: text, fullName: text },
          },
        },
        roles: {
          type: 'object',
          additionalProperties: {
            anyOf: [
              { type: 'string', enum: ['all'] },
              { type: 'array', items: text },
            ],
          },
        },
      },
    },
    faults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'fault', 'hits'],
        additionalProperties: false,
        properties: { ...faultRuleSchema.properties, id: text, hits: SAFE_INTEGER },
      },
    },
    latency: {
      type: 'array',
      items: { type: 'object', required: ['id', 'delayMs'], additionalProperties: false, properties: { ...latencyRuleSchema.properties, id: text } },
    },
    lifecycles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task', 'outcome', 'steps'],
        additionalProperties: false,
        properties: {
          task: text,
          outcome: { type: 'string', enum: ['success', 'error'] },
          result: anyJson,
          fault: vimObject,
          steps: stepsSchema,
        },
      },
    },
    inventory: {
      type: 'object',
      required: ['nextId', 'entities'],
      additionalProperties: false,
      properties: { nextId: { ...SAFE_INTEGER, minimum: 1 }, entities: { type: 'array', minItems: 1, items: entitySchema } },
    },
    methods: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'seen', 'hits'],
        additionalProperties: false,
        properties: { ...methodRuleSchema.properties, id: text, seen: SAFE_INTEGER, hits: SAFE_INTEGER },
      },
    },
    methodTasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task', 'method', 'target', 'args', 'outcome', 'steps'],
        additionalProperties: false,
        properties: {
          task: text,
          method: text,
          target: { type: 'object', required: ['type', 'value'], additionalProperties: false, properties: { type: text, value: ref } },
          args: { type: 'object' },
          outcome: { type: 'string', enum: ['success', 'error', 'hangUntilCancelled', 'hangUntilFinished'] },
          result: anyJson,
          fault: vimObject,
          steps: stepsSchema,
        },
      },
    },
  },
} as const;

export interface StateDependencies {
  readonly types: TypeModel;
  readonly taskManager: TaskManager;
  readonly extensionManager: ExtensionManager;
  readonly users: UserDirectory;
  readonly injector: Injector;
  readonly lifecycles: LifecycleRunner;
  readonly schemas: ControlSchemas;
  /** Where tasks and extensions announce their changes. */
  readonly registry: ObjectRegistry;
  /** Ends every session (and with them filters, collectors and waiting calls). */
  readonly sessions: { endSessions(): void };
  readonly tree: InventoryTree;
  readonly methodTasks: MethodTaskRunner;
  /** Method rules, their conversion, and the inventory a version 1 document restores. */
  readonly control: Pick<EmulatorControl, 'methodRules' | 'methodRuleSpec' | 'baselineInventory'>;
}

interface RestorableMethodTask extends Omit<MethodTaskSnapshot, 'task' | 'target'> {
  readonly task: string;
  readonly target: ManagedObjectReference;
}

/** Everything a checked document restores, converted; applying it cannot fail. */
interface Restorable {
  readonly tasks: TaskManagerSnapshot;
  readonly extensions: Extension[];
  readonly users: UsersSnapshot;
  readonly faults: FaultRule[];
  readonly latency: LatencyRule[];
  readonly lifecycles: Array<Omit<LifecycleSnapshot, 'task'> & { readonly task: string }>;
  /** Undefined: a version 1 document, which restores the inventory the emulator started with. */
  readonly inventory: InventoryState | undefined;
  readonly methods: MethodRule[];
  readonly methodTasks: RestorableMethodTask[];
}

function isObject(json: Json | undefined): json is { [key: string]: Json } {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

function isTaskInfo(value: VimValue): value is TaskInfo {
  return (
    isDataObject(value) &&
    value._type === 'TaskInfo' &&
    typeof value.key === 'string' &&
    value.task instanceof ManagedObjectReference &&
    isTaskState(value.state)
  );
}

function isExtension(value: VimValue): value is Extension {
  return isDataObject(value) && value._type === 'Extension' && typeof value.key === 'string';
}

function isLocalizedMethodFault(value: VimValue): value is LocalizedMethodFault {
  return isDataObject(value) && value._type === 'LocalizedMethodFault' && isDataObject(value.fault);
}

function isTaskInfoChange(fields: Record<string, VimValue | undefined>): fields is TaskInfoChange {
  return Object.keys(fields).every((field) => CHANGE_FIELDS.some((known) => known === field));
}

function fail(message: string): never {
  throw new ControlError(message);
}

/** The state document of one emulator, and its restore. */
export class EmulatorState {
  /** Compiled when first used, as the other control schemas are. */
  private validate: ValidateFunction<StateDocument> | undefined;

  private registryChanges = 0;

  constructor(private readonly deps: StateDependencies) {
    const count = () => void this.registryChanges++;
    deps.registry.onChange(count);
    deps.registry.onRemove(count);
  }

  taskCount(): number {
    let count = 0;
    for (const _ of this.deps.taskManager.allTasks()) count++;
    return count;
  }

  /**
   * A number that grows with every change a state document would show (tasks, extensions,
   * users, rules and their hits, scripts), so a state file is not rewritten when it is the same.
   */
  changes(): number {
    const { users, injector, lifecycles, control } = this.deps;
    return this.registryChanges + users.changes + injector.changes + lifecycles.changes + control.methodRules.changes;
  }

  /** What GET /_emulator/state returns and a state file holds. */
  document(): StateDocument {
    const { taskManager, extensionManager, users, injector, lifecycles } = this.deps;
    const tasks = taskManager.snapshot();
    return {
      format: STATE_FORMAT,
      version: STATE_FORMAT_VERSION,
      counters: { nextTaskNumber: tasks.nextTaskNumber, nextEventChainId: tasks.nextEventChainId, lastTimestamp: tasks.lastTimestamp },
      tasks: tasks.tasks.map(taskJson),
      extensions: extensionManager.list().map(objectJson),
      users: users.snapshot(),
      faults: injector.listFaults().map(faultRuleJson),
      latency: injector.listLatency().map(latencyRuleJson),
      lifecycles: lifecycles.snapshot().map(lifecycleJson),
      inventory: inventoryJson(this.deps.tree.snapshot()),
      methods: this.deps.control.methodRules.list().map(methodRuleJson),
      methodTasks: this.deps.methodTasks.snapshot().map(methodTaskJson),
    };
  }

  /**
   * Replaces the whole state with a document's, or throws a ControlError saying where the
   * document is wrong (and changes nothing). Every session ends: clients log in again.
   */
  restore(json: Json, where = 'state'): void {
    const restorable = this.check(json, where);
    const { taskManager, extensionManager, users, injector, lifecycles, sessions, tree, methodTasks, control, registry } = this.deps;
    sessions.endSessions();
    lifecycles.clear();
    methodTasks.clear();
    injector.restore(restorable.faults, restorable.latency);
    users.restore(restorable.users);
    extensionManager.restore(restorable.extensions);
    taskManager.restore(restorable.tasks);
    // After the tasks: entities' recentTask lists name the restored ones.
    if (restorable.inventory) tree.restore(restorable.inventory);
    else tree.load(control.baselineInventory);
    control.methodRules.restore(restorable.methods);
    for (const script of restorable.lifecycles) {
      const task = taskManager.task(script.task);
      if (task) lifecycles.run({ ...script, task });
    }
    for (const saved of restorable.methodTasks) {
      const task = taskManager.task(saved.task);
      const target = registry.get(saved.target);
      if (task && target) methodTasks.resume({ ...saved, task, target });
    }
  }

  /** The document checked and converted, or a ControlError naming the first thing wrong. */
  check(json: Json, where = 'state'): Restorable {
    if (!isObject(json)) fail(`${where} must be a JSON object`);
    if (json.format !== STATE_FORMAT) fail(`${where} is not a vtask-emulator state document ("format" must be "${STATE_FORMAT}")`);
    if (typeof json.version === 'number' && json.version > STATE_FORMAT_VERSION) {
      fail(`${where} has format version ${json.version}, newer than this build reads (${STATE_FORMAT_VERSION}); use a newer vtask-emulator`);
    }
    this.validate ??= this.deps.schemas.ajv.compile<StateDocument>(stateSchema);
    if (!this.validate(json)) return fail(describeErrors(this.validate.errors ?? [], where));
    try {
      return this.convert(json, where);
    } catch (error) {
      if (error instanceof JsonValueError) throw new ControlError(error.message);
      throw error;
    }
  }

  private convert(document: StateDocument, where: string): Restorable {
    const { types } = this.deps;
    const { counters } = document;
    const keys = new Set<string>();
    const tasks = document.tasks.map((saved, i): TaskSnapshot => {
      const at = `${where}.tasks[${i}]`;
      const info = jsonToVim(saved.info, 'TaskInfo', types, `${at}.info`, true);
      if (!isTaskInfo(info)) return fail(`${at}.info must be a TaskInfo with key, task and state`);
      const { key } = info;
      if (!/^task-[1-9][0-9]{0,15}$/.test(key)) fail(`${at}.info.key must be task-<number>, not '${key}'`);
      if (info.task.type !== 'Task' || info.task.value !== key) fail(`${at}.info.task must be the Task ${key}`);
      if (keys.has(key)) fail(`${at}: a second task ${key}`);
      keys.add(key);
      if (taskNumber(key) >= counters.nextTaskNumber) fail(`${at}: ${key} is not below counters.nextTaskNumber (${counters.nextTaskNumber})`);
      if (info.eventChainId >= counters.nextEventChainId) fail(`${at}.info.eventChainId is not below counters.nextEventChainId`);
      const completed = info.completeTime !== undefined && !Number.isNaN(Date.parse(info.completeTime));
      if (completed !== isTerminal(info.state)) fail(`${at}.info: a ${info.state} task ${completed ? 'cannot have a' : 'needs a'} completeTime`);
      const changes = saved.history.map((entry, j) => this.historyEntry(entry, `${at}.history[${j}]`));
      return { info, creator: saved.creator, changes };
    });
    const extensions = document.extensions.map((json, i) => {
      const extension = jsonToVim(json, 'Extension', types, `${where}.extensions[${i}]`, true);
      return isExtension(extension) ? extension : fail(`${where}.extensions[${i}] must be an Extension with a key`);
    });
    const { users } = document;
    users.users.forEach((user, i) => {
      if (users.roles[user.role] === undefined) fail(`${where}.users.users[${i}]: unknown role '${user.role}'`);
    });
    const faults = document.faults.map(
      (rule, i): FaultRule => ({ ...rule, fault: jsonToFault(rule.fault, types, `${where}.faults[${i}].fault`), faultJson: rule.fault }),
    );
    const lifecycles = document.lifecycles.map((script, i) => {
      const at = `${where}.lifecycles[${i}]`;
      const task = tasks.find((t) => t.info.key === script.task);
      if (!task || isTerminal(task.info.state)) fail(`${at}.task must be a task of this document that has not completed`);
      const fault = script.fault === undefined ? undefined : jsonToVim(script.fault, 'LocalizedMethodFault', types, `${at}.fault`, true);
      if (fault !== undefined && !isLocalizedMethodFault(fault)) fail(`${at}.fault must be a LocalizedMethodFault`);
      const result = script.result === undefined ? undefined : jsonToVim(script.result, 'xsd:anyType', types, `${at}.result`, true);
      for (const [j, step] of script.steps.entries())
        if ((step.kind === 'progress') !== 'percent' in step) fail(`${at}.steps[${j}]: percent goes with progress steps only`);
      return { task: script.task, outcome: script.outcome, result, fault, steps: script.steps };
    });
    const version2 = document.version >= 2;
    for (const member of ['inventory', 'methods', 'methodTasks'] as const) {
      if (version2 && document[member] === undefined) fail(`${where}.${member} is required (format version ${document.version})`);
      if (!version2 && document[member] !== undefined) fail(`${where}: ${member} needs format version 2 or later`);
    }
    const inventory = document.inventory && this.inventory(document.inventory, keys, `${where}.inventory`);
    const ids = new Set<string>();
    const methods = (document.methods ?? []).map((saved, i): MethodRule => {
      const at = `${where}.methods[${i}]`;
      const { id, seen, hits, ...json } = saved;
      if (ids.has(id)) fail(`${at}.id: a second rule '${id}'`);
      ids.add(id);
      return { ...this.deps.control.methodRuleSpec(json, at), id, seen, hits };
    });
    const scripted = new Set(lifecycles.map((l) => l.task));
    const running = new Set<string>();
    const methodTasks = (document.methodTasks ?? []).map((saved, i): RestorableMethodTask => {
      const at = `${where}.methodTasks[${i}]`;
      const task = tasks.find((t) => t.info.key === saved.task);
      if (!task || isTerminal(task.info.state)) fail(`${at}.task must be a task of this document that has not completed`);
      if (scripted.has(saved.task) || running.has(saved.task)) fail(`${at}.task: '${saved.task}' is already run by another script`);
      running.add(saved.task);
      const method = taskMethod(saved.method);
      if (!method) return fail(`${at}.method: '${saved.method}' is not a *_Task method of the inventory`);
      const target = new ManagedObjectReference(saved.target.type, saved.target.value);
      if (!inventoryHolds(inventory, target)) fail(`${at}.target: no ${target.type} '${target.value}' in this document's inventory`);
      const fault = saved.fault === undefined ? undefined : jsonToVim(saved.fault, 'LocalizedMethodFault', types, `${at}.fault`, true);
      if (fault !== undefined && !isLocalizedMethodFault(fault)) fail(`${at}.fault must be a LocalizedMethodFault`);
      const result = saved.result === undefined ? undefined : jsonToVim(saved.result, 'xsd:anyType', types, `${at}.result`, true);
      const ends = saved.outcome === 'success' || saved.outcome === 'error';
      for (const [j, step] of saved.steps.entries()) {
        if ((step.kind === 'progress') !== 'percent' in step) fail(`${at}.steps[${j}]: percent goes with progress steps only`);
        if (step.kind === 'outcome' && !ends) fail(`${at}.steps[${j}]: a ${saved.outcome} task has no outcome step`);
      }
      if (saved.outcome === 'error' && fault === undefined) fail(`${at}.fault is required with outcome error`);
      if (saved.outcome !== 'error' && fault !== undefined) fail(`${at}.fault needs outcome error`);
      if (saved.outcome !== 'success' && result !== undefined) fail(`${at}.result needs outcome success`);
      const args: Record<string, VimValue | undefined> = {};
      for (const [name, value] of Object.entries(saved.args)) args[name] = argument(value, types, `${at}.args.${name}`);
      return { task: saved.task, method: method.name, target, args, outcome: saved.outcome, result, fault, steps: saved.steps };
    });
    return {
      tasks: { ...counters, tasks },
      extensions,
      users: { open: users.open, users: users.users, roles: users.roles },
      faults,
      latency: [...document.latency],
      lifecycles,
      inventory,
      methods,
      methodTasks,
    };
  }

  /** The inventory checked (tree, references, counters, recentTask keys) and its snapshots' configurations converted. */
  private inventory(json: InventoryJson, taskKeys: ReadonlySet<string>, where: string): InventoryState {
    try {
      this.deps.tree.check(json, where);
    } catch (error) {
      if (error instanceof InventoryStateError) throw new ControlError(error.message);
      throw error;
    }
    const entities = json.entities.map((entity, i): EntityState => {
      const at = `${where}.entities[${i}]`;
      for (const [j, key] of (entity.recentTask ?? []).entries()) if (!taskKeys.has(key)) fail(`${at}.recentTask[${j}]: no task '${key}' in this document`);
      return mapSnapshots(entity, ({ config, ...snapshot }, j) =>
        config === undefined
          ? snapshot
          : { ...snapshot, config: jsonToVim(config, 'VirtualMachineConfigInfo', this.deps.types, `${at}.snapshots[${j}].config`, true) },
      );
    });
    return { nextId: json.nextId, entities };
  }

  private historyEntry(entry: HistoryEntryJson, where: string): TaskHistoryEntry {
    const fields: Record<string, VimValue | undefined> = {};
    for (const [field, value] of Object.entries(entry.fields)) {
      const declared = this.deps.types.fieldOf('TaskInfo', field);
      if (!declared) return fail(`${where}.fields: TaskInfo has no field '${field}'`);
      fields[field] = value === null ? undefined : jsonToVim(value, declared.type, this.deps.types, `${where}.fields.${field}`, true);
    }
    if (!isTaskInfoChange(fields)) return fail(`${where}.fields: only ${CHANGE_FIELDS.join(', ')} change after creation`);
    if (fields.state !== undefined && !isTaskState(fields.state)) fail(`${where}.fields.state is not a task state`);
    return { time: entry.time, user: entry.user, method: entry.method, fields };
  }
}

/** Whether the inventory (the document's, or for version 1 none) holds an entity or snapshot of this reference. */
function inventoryHolds(inventory: InventoryState | undefined, target: ManagedObjectReference): boolean {
  return (
    inventory?.entities.some(
      (e) =>
        (e.type === target.type && e.ref === target.value) ||
        (e.type === 'VirtualMachine' && target.type === 'VirtualMachineSnapshot' && e.snapshots?.some((s) => s.ref === target.value)),
    ) ?? false
  );
}

/** A saved call argument: plain strings, numbers and booleans stay plain, as the SOAP decoder gives them. */
function argument(json: Json, types: TypeModel, where: string): VimValue {
  if (typeof json === 'string' || typeof json === 'number' || typeof json === 'boolean') return json;
  if (Array.isArray(json)) return json.map((item, i) => argument(item, types, `${where}[${i}]`));
  if (json === null) return fail(`${where} must not be null`);
  return jsonToVim(json, 'xsd:anyType', types, where, true);
}

function inventoryJson(state: InventoryState): InventoryJson {
  const entities = state.entities.map((entity) =>
    mapSnapshots(entity, ({ config, ...snapshot }) => (config === undefined ? snapshot : { ...snapshot, config: objectJson(config) })),
  );
  return { nextId: state.nextId, entities };
}

/** An entity with its snapshots' configurations converted (between vim25 values and JSON). */
function mapSnapshots<A, B>(entity: EntityState<A>, map: (snapshot: SnapshotState<A>, i: number) => SnapshotState<B>): EntityState<B> {
  if (entity.type !== 'VirtualMachine') return entity;
  const { snapshots, ...rest } = entity;
  return snapshots ? { ...rest, snapshots: snapshots.map(map) } : rest;
}

function methodRuleJson(rule: MethodRule): MethodRuleStateJson {
  return { id: rule.id, ...rule.json, seen: rule.seen, hits: rule.hits };
}

function methodTaskJson(saved: MethodTaskSnapshot): MethodTaskStateJson {
  const args: { [name: string]: Json } = {};
  for (const [name, value] of Object.entries(saved.args)) if (value !== undefined) args[name] = vimToJson(value);
  return withoutUndefined({
    task: saved.task.key,
    method: saved.method,
    target: { type: saved.target.ref.type, value: saved.target.ref.value },
    args,
    outcome: saved.outcome,
    result: saved.result === undefined ? undefined : vimToJson(saved.result),
    fault: saved.fault === undefined ? undefined : objectJson(saved.fault),
    steps: saved.steps.map((step) => ({ ...step })),
  });
}

function objectJson(value: VimValue): JsonObject {
  const json = vimToJson(value);
  return isObject(json) ? json : {};
}

function taskJson(task: TaskSnapshot): TaskStateJson {
  const history = task.changes.map((entry): HistoryEntryJson => {
    const fields: { [field: string]: Json } = {};
    for (const [field, value] of Object.entries(entry.fields)) fields[field] = value === undefined ? null : vimToJson(value);
    return { time: entry.time, user: entry.user, method: entry.method, fields };
  });
  const info = objectJson(task.info);
  return task.creator ? { info, creator: { user: task.creator.user, method: task.creator.method }, history } : { info, history };
}

function faultRuleJson(rule: FaultRule): FaultRuleStateJson {
  const { id, method, task, taskTypeId, faultJson, count, probability, hits } = rule;
  return withoutUndefined({ id, method, task, taskTypeId, fault: faultJson, count, probability, hits });
}

function latencyRuleJson(rule: LatencyRule): LatencyRuleStateJson {
  const { id, method, delayMs, jitterMs } = rule;
  return withoutUndefined({ id, method, delayMs, jitterMs });
}

function lifecycleJson(script: LifecycleSnapshot): LifecycleStateJson {
  return withoutUndefined({
    task: script.task.key,
    outcome: script.outcome,
    result: script.result === undefined ? undefined : vimToJson(script.result),
    fault: script.fault === undefined ? undefined : objectJson(script.fault),
    steps: script.steps.map((step) => ({ ...step })),
  });
}

/** The object without its undefined members, so the document says only what is set. */
function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value)) if (Reflect.get(value, key) === undefined) Reflect.deleteProperty(value, key);
  return value;
}
