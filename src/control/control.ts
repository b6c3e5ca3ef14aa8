// What the control API and seed files can do to the emulator, as plain operations: create tasks
// in any state, seed extensions and users, inject faults and latency, script lifecycles, reset.
// Input is JSON (checked against the WSDL types); every change still goes through the task rules.

import { isDataObject, ManagedObjectReference, type TypeModel, type VimValue } from '../vim/data.js';
import { localizedMethodFault, MethodFault } from '../vim/faults.js';
import type { ExtensionManager } from '../vim/ExtensionManager.js';
import { simpleExtension } from '../vim/ExtensionManager.js';
import type { FaultRule, Injector, LatencyRule } from './injection.js';
import { isJsonObject, JsonValueError, jsonToFault, jsonToVim, type Json } from './json-values.js';
import { LifecycleRunner, type LifecycleSpec } from './lifecycle.js';
import type { Actor, Task } from '../vim/Task.js';
import type { TaskManager } from '../vim/TaskManager.js';
import { isTaskState, TASK_STATES, type TaskState } from '../vim/task-state.js';
import type { UserDirectory, UsersFile } from '../vim/users.js';
import type { LocalizableMessage, LocalizedMethodFault } from '../vim/vim-types.js';
import { parseUsersValue } from '../vim/users.js';

const ACTOR: Actor = { user: 'vtask-emulator', method: 'control API' };
const DEFAULT_TASK_TYPE = 'com.vmware.govmomi.simulator.test';

/**
 * Why a control request cannot be carried out as given: it is malformed or names unknown types
 * ('invalid'), names something that does not exist ('not-found'), or the task rules refuse it
 * ('conflict'). The routes turn each kind into its HTTP status.
 */
export type ControlErrorKind = 'invalid' | 'not-found' | 'conflict';

export class ControlError extends Error {
  constructor(
    message: string,
    readonly kind: ControlErrorKind = 'invalid',
  ) {
    super(message);
  }
}

function isLocalizableMessage(value: VimValue): value is LocalizableMessage {
  return isDataObject(value) && value._type === 'LocalizableMessage' && typeof value.key === 'string';
}

type JsonObject = { [key: string]: Json };

function optionalString(json: JsonObject, key: string, where: string): string | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ControlError(`${where}.${key} must be a string`);
  return value;
}

function optionalNumber(json: JsonObject, key: string, where: string, min: number, max: number): number | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new ControlError(`${where}.${key} must be a number from ${min} to ${max}`);
  return value;
}

export interface ControlDependencies {
  readonly types: TypeModel;
  readonly taskManager: TaskManager;
  readonly extensionManager: ExtensionManager;
  readonly users: UserDirectory;
  readonly injector: Injector;
}

export class EmulatorControl {
  readonly lifecycles: LifecycleRunner;

  constructor(private readonly deps: ControlDependencies) {
    this.lifecycles = new LifecycleRunner();
  }

  private convert<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof JsonValueError) throw new ControlError(error.message);
      if (error instanceof MethodFault) throw new ControlError(`${error.faultType}: ${error.message}`, 'conflict');
      throw error;
    }
  }

  tasks(state?: TaskState): Task[] {
    const all = [...this.deps.taskManager.allTasks()];
    return state ? all.filter((t) => t.state === state) : all;
  }

  task(key: string): Task {
    const task = this.deps.taskManager.task(key);
    if (!task) throw new ControlError(`no task '${key}'`, 'not-found');
    return task;
  }

  /**
   * Creates a task from JSON, then drives it to the requested state through the task rules:
   * {taskTypeId?, entity?, initiatedBy?, cancelable?, parentTaskKey?, activationId?, state?,
   *  progress?, description?, result?, fault?, lifecycle?}
   */
  createTask(json: Json, where = 'task'): Task {
    if (!isJsonObject(json)) throw new ControlError(`${where} must be a JSON object`);
    return this.convert(() => {
      const { types, taskManager } = this.deps;
      const entity = json.entity === undefined ? new ManagedObjectReference('Folder', 'group-d1') : jsonToVim(json.entity, 'ManagedObjectReference', types, `${where}.entity`);
      if (!(entity instanceof ManagedObjectReference)) throw new ControlError(`${where}.entity must be a managed object reference`);
      const cancelable = json.cancelable === undefined ? true : json.cancelable;
      if (typeof cancelable !== 'boolean') throw new ControlError(`${where}.cancelable must be true or false`);
      const state = optionalString(json, 'state', where) ?? 'queued';
      if (!isTaskState(state)) throw new ControlError(`${where}.state must be one of ${TASK_STATES.join(', ')}`);
      const progress = optionalNumber(json, 'progress', where, -(2 ** 31), 2 ** 31 - 1);
      const description = json.description === undefined ? undefined : jsonToVim(json.description, 'LocalizableMessage', types, `${where}.description`);
      if (description !== undefined && !isLocalizableMessage(description)) throw new ControlError(`${where}.description must be a LocalizableMessage with a key`);
      const result = json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', types, `${where}.result`);
      const fault = json.fault === undefined ? undefined : this.taskFault(json.fault, `${where}.fault`);
      const lifecycle = json.lifecycle === undefined ? undefined : this.lifecycleSpec(json.lifecycle, `${where}.lifecycle`);
      if (progress !== undefined && state !== 'running' && !lifecycle) throw new ControlError(`${where}.progress needs state running`);

      const task = taskManager.create(
        {
          obj: entity,
          taskTypeId: optionalString(json, 'taskTypeId', where) ?? DEFAULT_TASK_TYPE,
          initiatedBy: optionalString(json, 'initiatedBy', where),
          cancelable,
          parentTaskKey: optionalString(json, 'parentTaskKey', where),
          activationId: optionalString(json, 'activationId', where),
        },
        ACTOR,
      );
      if (description) task.setDescription(description, ACTOR);
      // Seeded finished tasks pass through running, so they carry a startTime like real ones.
      if (state !== 'queued') task.setState({ state: 'running' }, ACTOR);
      if (progress !== undefined && state === 'running') task.updateProgress(progress, ACTOR);
      if (state === 'success' || state === 'error') task.setState({ state, result, fault }, ACTOR);
      if (lifecycle) this.lifecycles.start(task, lifecycle);
      return task;
    });
  }

  /** {"type": "NotFound", "message": "...", "fields": {...}} as the LocalizedMethodFault a task stores. */
  private taskFault(json: Json, where: string): LocalizedMethodFault {
    const fault = jsonToFault(json, this.deps.types, where);
    return localizedMethodFault(fault.toDataObject(), fault.message);
  }

  private lifecycleSpec(json: Json, where: string): LifecycleSpec {
    if (!isJsonObject(json)) throw new ControlError(`${where} must be a JSON object`);
    const outcome = optionalString(json, 'outcome', where) ?? 'success';
    if (outcome !== 'success' && outcome !== 'error') throw new ControlError(`${where}.outcome must be success or error`);
    return {
      startAfterMs: optionalNumber(json, 'startAfterMs', where, 0, 86_400_000) ?? 0,
      durationMs: optionalNumber(json, 'durationMs', where, 0, 86_400_000) ?? 1000,
      progressSteps: Math.trunc(optionalNumber(json, 'progressSteps', where, 0, 100) ?? 4),
      outcome,
      result: json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', this.deps.types, `${where}.result`),
      fault: json.fault === undefined ? undefined : this.taskFault(json.fault, `${where}.fault`),
    };
  }

  /** Runs a scripted lifecycle on an existing queued or running task. */
  scriptTask(key: string, json: Json): Task {
    const task = this.task(key);
    if (task.state === 'success' || task.state === 'error') throw new ControlError(`task '${key}' has already completed`, 'conflict');
    this.lifecycles.start(task, this.convert(() => this.lifecycleSpec(json, 'lifecycle')));
    return task;
  }

  /** {method?, task?, taskTypeId?, fault: {type, message?, fields?}, count?, probability?} */
  addFaultRule(json: Json): FaultRule {
    if (!isJsonObject(json)) throw new ControlError('a fault rule must be a JSON object');
    return this.convert(() => {
      const fault = jsonToFault(json.fault ?? null, this.deps.types, 'rule.fault');
      const count = optionalNumber(json, 'count', 'rule', 1, Number.MAX_SAFE_INTEGER);
      return this.deps.injector.addFault({
        method: optionalString(json, 'method', 'rule'),
        task: optionalString(json, 'task', 'rule'),
        taskTypeId: optionalString(json, 'taskTypeId', 'rule'),
        fault,
        faultJson: json.fault,
        count: count === undefined ? undefined : Math.trunc(count),
        probability: optionalNumber(json, 'probability', 'rule', 0, 1),
      });
    });
  }

  faultRules(): readonly FaultRule[] {
    return this.deps.injector.listFaults();
  }

  removeFaultRule(id: string): boolean {
    return this.deps.injector.removeFault(id);
  }

  clearFaultRules(): void {
    this.deps.injector.clearFaults();
  }

  latencyRules(): readonly LatencyRule[] {
    return this.deps.injector.listLatency();
  }

  removeLatencyRule(id: string): boolean {
    return this.deps.injector.removeLatency(id);
  }

  clearLatencyRules(): void {
    this.deps.injector.clearLatency();
  }

  /** {method?, delayMs, jitterMs?} */
  addLatencyRule(json: Json): LatencyRule {
    if (!isJsonObject(json)) throw new ControlError('a latency rule must be a JSON object');
    const delayMs = optionalNumber(json, 'delayMs', 'rule', 0, 600_000);
    if (delayMs === undefined) throw new ControlError('rule.delayMs is required');
    return this.deps.injector.addLatency({
      method: optionalString(json, 'method', 'rule'),
      delayMs,
      jitterMs: optionalNumber(json, 'jitterMs', 'rule', 0, 600_000),
    });
  }

  /**
   * Loads a seed document: {extensions?: [{key, taskTypes, label?}], users?: [...], roles?: {...},
   * tasks?: [...], faults?: [...], latency?: [...]}. Checked whole before anything is applied
   * where it can be; tasks are created in order.
   */
  seed(json: Json): { tasks: string[]; faults: number; latency: number } {
    if (!isJsonObject(json)) throw new ControlError('a seed must be a JSON object');
    const known = new Set(['extensions', 'users', 'roles', 'tasks', 'faults', 'latency']);
    for (const key of Object.keys(json)) if (!known.has(key)) throw new ControlError(`seed: unknown key '${key}' (expected ${[...known].join(', ')})`);
    const list = (key: string): Json[] => {
      const value = json[key];
      if (value === undefined) return [];
      if (!Array.isArray(value)) throw new ControlError(`seed.${key} must be an array`);
      return value;
    };
    const extensions = list('extensions').map((e, i) => {
      if (!isJsonObject(e) || typeof e.key !== 'string' || !Array.isArray(e.taskTypes) || e.taskTypes.some((t) => typeof t !== 'string')) {
        throw new ControlError(`seed.extensions[${i}] must be {"key": "...", "taskTypes": ["..."]}`);
      }
      return simpleExtension(e.key, e.taskTypes.filter((t) => typeof t === 'string'), typeof e.label === 'string' ? e.label : e.key);
    });
    let users: UsersFile | undefined;
    if (json.users !== undefined || json.roles !== undefined) {
      try {
        users = parseUsersValue({ users: json.users ?? [], roles: json.roles }, 'seed');
      } catch (error) {
        throw new ControlError(error instanceof Error ? error.message : String(error));
      }
    }
    for (const extension of extensions) this.deps.extensionManager.put(extension);
    if (users) {
      try {
        this.deps.users.load(users);
      } catch (error) {
        throw new ControlError(error instanceof Error ? error.message : String(error));
      }
    }
    const tasks = list('tasks').map((t, i) => this.createTask(t, `seed.tasks[${i}]`).key);
    const faults = list('faults').map((f) => this.addFaultRule(f));
    const latency = list('latency').map((l) => this.addLatencyRule(l));
    return { tasks, faults: faults.length, latency: latency.length };
  }

  /** Stops scripted lifecycles' timers (the emulator is closing). */
  dispose(): void {
    this.lifecycles.clear();
  }

  /** Back to the state at start: no tasks, the configured extensions and users, no rules or scripts. Sessions stay. */
  reset(): void {
    this.lifecycles.clear();
    this.deps.injector.clear();
    this.deps.taskManager.reset();
    this.deps.extensionManager.reset();
    this.deps.users.reset();
  }
}
