// The state document: everything a restart should keep (tasks with their histories,
// extensions, users and roles, fault and latency rules, scripted lifecycles still running, and
// the counters new task keys and event chains continue from) as one JSON document, and its
// restore. Sessions, property filters, collectors and waiting calls are not in it: after a
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
import { constants } from 'node:buffer';
import type { ValidateFunction } from 'ajv';
import { ControlError } from './errors.js';
import type { FaultRule, Injector, LatencyRule } from './injection.js';
import { JsonValueError, jsonToFault, jsonToVim, vimToJson, type Json } from './json-values.js';
import type { LifecycleRunner, LifecycleSnapshot, LifecycleStep } from './lifecycle.js';
import { describeErrors, faultRuleSchema, latencyRuleSchema, type ControlSchemas, type FaultJson } from './schemas.js';

const { MAX_STRING_LENGTH } = constants;

export const STATE_FORMAT = 'vtask-emulator-state';
/** The format version this build writes and the newest it reads. */
export const STATE_FORMAT_VERSION = 1;

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
  readonly steps: readonly LifecycleStep[];
}

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
}

/**
 * Bytes a task with a full history takes in a state document, with some room: 256 entries of
 * progress updates by a 64-character user name, with a long description, take 42 KB
 * (test/unit/state.test.ts); tasks with a few changes take 1 to 2 KB.
 */
export const STATE_BYTES_PER_TASK = 48 * 1024;
/** Room for everything besides tasks: extensions, users, rules, scripts. */
export const STATE_BYTES_BASE = 16 * 1024 * 1024;

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
          steps: {
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
          },
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
}

/** Everything a checked document restores, converted; applying it cannot fail. */
interface Restorable {
  readonly tasks: TaskManagerSnapshot;
  readonly extensions: Extension[];
  readonly users: UsersSnapshot;
  readonly faults: FaultRule[];
  readonly latency: LatencyRule[];
  readonly lifecycles: Array<Omit<LifecycleSnapshot, 'task'> & { readonly task: string }>;
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
    const { users, injector, lifecycles } = this.deps;
    return this.registryChanges + users.changes + injector.changes + lifecycles.changes;
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
    };
  }

  /**
   * Replaces the whole state with a document's, or throws a ControlError saying where the
   * document is wrong (and changes nothing). Every session ends: clients log in again.
   */
  restore(json: Json, where = 'state'): void {
    const restorable = this.check(json, where);
    const { taskManager, extensionManager, users, injector, lifecycles, sessions } = this.deps;
    sessions.endSessions();
    lifecycles.clear();
    injector.restore(restorable.faults, restorable.latency);
    users.restore(restorable.users);
    extensionManager.restore(restorable.extensions);
    taskManager.restore(restorable.tasks);
    for (const script of restorable.lifecycles) {
      const task = taskManager.task(script.task);
      if (task) lifecycles.run({ ...script, task });
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
    return {
      tasks: { ...counters, tasks },
      extensions,
      users: { open: users.open, users: users.users, roles: users.roles },
      faults,
      latency: [...document.latency],
      lifecycles,
    };
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
