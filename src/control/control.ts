// What the control API and seed files can do to the emulator, as plain operations: create tasks
// in any state, seed extensions and users, inject faults and latency, script lifecycles, reset.
// Input arrives checked against the control schemas (schemas.ts); the vim25 values in it are
// checked against the WSDL types here, and every change still goes through the task rules.

import { isDataObject, ManagedObjectReference, type TypeModel, type VimValue } from '../vim/data.js';
import type { ExtensionManager } from '../vim/ExtensionManager.js';
import { simpleExtension } from '../vim/ExtensionManager.js';
import { localizedMethodFault, MethodFault } from '../vim/faults.js';
import type { Actor, Task } from '../vim/Task.js';
import type { SessionManager } from '../vim/SessionManager.js';
import type { TaskManager } from '../vim/TaskManager.js';
import type { TaskState } from '../vim/task-state.js';
import type { UserDirectory } from '../vim/users.js';
import type { LocalizableMessage, LocalizedMethodFault, UserSession } from '../vim/vim-types.js';
import { ControlError } from './errors.js';
import type { FaultRule, Injector, LatencyRule } from './injection.js';
import { JsonValueError, jsonToFault, jsonToVim, type Json } from './json-values.js';
import { LifecycleRunner, type LifecycleSpec } from './lifecycle.js';
import type { ManagedEntity } from '../vim/entity.js';
import { InventoryError, type InventorySpec, type InventoryTree } from '../vim/inventory-tree.js';
import type { MethodTaskPlan, MethodTaskRunner } from '../vim/method-tasks.js';
import { taskMethod } from '../vim/task-methods.js';
import { MethodRules, type MethodRule, type MethodRuleSpec } from './method-rules.js';
import type {
  ControlSchemas,
  FaultJson,
  FaultRuleJson,
  FinishJson,
  InventoryJson,
  LatencyRuleJson,
  LifecycleJson,
  MethodRuleJson,
  SeedJson,
  TaskJson,
} from './schemas.js';

export { ControlError, type ControlErrorKind } from './errors.js';

const ACTOR: Actor = { user: 'vtask-emulator', method: 'control API' };
const DEFAULT_TASK_TYPE = 'com.vmware.govmomi.simulator.test';
const ROOT_FOLDER = new ManagedObjectReference('Folder', 'group-d1');

function isLocalizableMessage(value: VimValue): value is LocalizableMessage {
  return isDataObject(value) && value._type === 'LocalizableMessage' && typeof value.key === 'string';
}

export interface ControlDependencies {
  readonly types: TypeModel;
  readonly taskManager: TaskManager;
  readonly extensionManager: ExtensionManager;
  readonly users: UserDirectory;
  readonly sessions: SessionManager;
  readonly injector: Injector;
  readonly schemas: ControlSchemas;
  readonly tree: InventoryTree;
  readonly methodTasks: MethodTaskRunner;
  /** How long a *_Task method's task runs when its rule gives no duration. */
  readonly taskDurationMs: number;
  /** The inventory declared at start (reset returns to it, or to what a start-up seed declared). */
  readonly inventory: InventorySpec;
}

/** The entity types a method rule's entityType may name. */
const ENTITY_TYPES = new Set([
  'ManagedEntity',
  'Folder',
  'Datacenter',
  'ComputeResource',
  'ClusterComputeResource',
  'HostSystem',
  'ResourcePool',
  'Datastore',
  'Network',
  'VirtualMachine',
  'VirtualMachineSnapshot',
]);

/** One entity of the inventory as the control API lists it. */
export interface EntityListing {
  readonly path: string;
  readonly type: string;
  readonly ref: string;
}

export interface SeedOutcome {
  readonly tasks: string[];
  readonly faults: number;
  readonly latency: number;
  readonly methods: number;
}

export class EmulatorControl {
  readonly lifecycles: LifecycleRunner;
  readonly methodRules: MethodRules;
  /** The inventory reset goes back to, and the one declared last. */
  private baseline: InventorySpec;
  private declared: InventorySpec;

  constructor(private readonly deps: ControlDependencies) {
    this.lifecycles = new LifecycleRunner();
    this.methodRules = new MethodRules((entity) => deps.tree.pathOf(entity));
    deps.methodTasks.usePlans(this.methodRules);
    this.baseline = this.declared = deps.inventory;
  }

  /** The inventory reset returns to (a state document of format version 1 restores it too). */
  get baselineInventory(): InventorySpec {
    return this.baseline;
  }

  /** Start-up is over: what was declared so far (a --seed file's inventory) is what reset returns to. */
  started(): void {
    this.baseline = this.declared;
  }

  /** Replaces the inventory under the root folder. */
  loadInventory(json: InventoryJson): { entities: number } {
    try {
      this.deps.tree.load(json);
    } catch (error) {
      if (error instanceof InventoryError) throw new ControlError(`inventory: ${error.message}`);
      throw error;
    }
    this.declared = json;
    return { entities: this.deps.tree.size };
  }

  /** Every entity under the root folder, depth first, with its inventory path. */
  inventory(): EntityListing[] {
    const out: EntityListing[] = [];
    const walk = (entity: ManagedEntity) => {
      out.push({ path: this.deps.tree.pathOf(entity), type: entity.typeChain[0], ref: entity.ref.value });
      for (const child of entity.children()) walk(child);
    };
    walk(this.deps.tree.root);
    return out;
  }

  addMethodRule(json: MethodRuleJson, where = 'rule'): MethodRule {
    return this.methodRules.add(this.methodRuleSpec(json, where));
  }

  /** A method rule checked and converted, or a ControlError naming what is wrong. */
  methodRuleSpec(json: MethodRuleJson, where = 'rule'): MethodRuleSpec {
    if (json.method !== undefined && !taskMethod(json.method)) {
      throw new ControlError(
        `${where}.method: unknown method '${json.method}'; method rules select the *_Task methods of the inventory (PowerOnVM_Task, CloneVM_Task, Destroy_Task, ...)`,
      );
    }
    if (json.entityType !== undefined && !ENTITY_TYPES.has(json.entityType)) {
      throw new ControlError(`${where}.entityType: unknown entity type '${json.entityType}'; one of ${[...ENTITY_TYPES].join(', ')}`);
    }
    const outcome = json.outcome ?? (json.fault ? 'error' : 'success');
    if (outcome === 'error' && !json.fault) throw new ControlError(`${where}.fault is required with outcome error`);
    if (json.fault && outcome !== 'error') throw new ControlError(`${where}.fault needs outcome error`);
    if (json.result !== undefined && outcome !== 'success') throw new ControlError(`${where}.result needs outcome success`);
    const plan: MethodTaskPlan = this.convert(() => ({
      queueMs: json.queueMs ?? 0,
      durationMs: json.durationMs ?? this.deps.taskDurationMs,
      progressSteps: json.progressSteps ?? 0,
      outcome,
      result: json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', this.deps.types, `${where}.result`),
      fault: json.fault === undefined ? undefined : this.taskFault(json.fault, `${where}.fault`),
      // A task that hangs until canceled must be one a client can cancel, unless the rule says otherwise.
      cancelable: json.cancelable ?? (outcome === 'hangUntilCancelled' ? true : undefined),
    }));
    const entity = json.entity !== undefined && json.entity.length > 1 ? json.entity.replace(/\/+$/, '') : json.entity;
    return { method: json.method, entity, entityType: json.entityType, call: json.call, count: json.count, plan, json };
  }

  /** Ends a *_Task method's task that has not completed (a hung one, typically), running its effect on success. */
  finishTask(key: string, json: FinishJson): Task {
    const task = this.task(key);
    if (!this.deps.methodTasks.isMethodTask(task)) throw new ControlError(`task '${key}' is not an unfinished *_Task method's task`, 'conflict');
    if (json.fault && json.outcome !== 'error') throw new ControlError('finish.fault needs outcome error');
    if (json.result !== undefined && json.outcome !== 'success') throw new ControlError('finish.result needs outcome success');
    if (json.outcome === 'error' && !json.fault) throw new ControlError('finish.fault is required with outcome error');
    this.convert(() => {
      if (json.outcome === 'success') {
        const result = json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', this.deps.types, 'finish.result');
        this.deps.methodTasks.finish(task, { success: true, result });
      } else {
        this.deps.methodTasks.finish(task, { success: false, fault: json.fault && this.taskFault(json.fault, 'finish.fault') });
      }
    });
    return task;
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

  /** Creates a task, then drives it to the requested state through the task rules. */
  createTask(json: TaskJson, where = 'task'): Task {
    return this.convert(() => {
      const { types, taskManager } = this.deps;
      const entity = json.entity === undefined ? ROOT_FOLDER : jsonToVim(json.entity, 'ManagedObjectReference', types, `${where}.entity`);
      if (!(entity instanceof ManagedObjectReference)) throw new ControlError(`${where}.entity must be a managed object reference`);
      const state = json.state ?? 'queued';
      const description = json.description === undefined ? undefined : jsonToVim(json.description, 'LocalizableMessage', types, `${where}.description`);
      if (description !== undefined && !isLocalizableMessage(description))
        throw new ControlError(`${where}.description must be a LocalizableMessage with a key`);
      const result = json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', types, `${where}.result`);
      const fault = json.fault === undefined ? undefined : this.taskFault(json.fault, `${where}.fault`);
      const lifecycle = json.lifecycle === undefined ? undefined : this.lifecycleSpec(json.lifecycle, `${where}.lifecycle`);
      if (json.progress !== undefined && state !== 'running' && !lifecycle) throw new ControlError(`${where}.progress needs state running`);

      const task = taskManager.create(
        {
          obj: entity,
          taskTypeId: json.taskTypeId ?? DEFAULT_TASK_TYPE,
          initiatedBy: json.initiatedBy,
          cancelable: json.cancelable ?? true,
          parentTaskKey: json.parentTaskKey,
          activationId: json.activationId,
        },
        ACTOR,
      );
      if (description) task.setDescription(description, ACTOR);
      // Seeded finished tasks pass through running, so they carry a startTime like real ones.
      if (state !== 'queued') task.setState({ state: 'running' }, ACTOR);
      if (json.progress !== undefined && state === 'running') task.updateProgress(json.progress, ACTOR);
      if (state === 'success' || state === 'error') task.setState({ state, result, fault }, ACTOR);
      if (lifecycle) this.lifecycles.start(task, lifecycle);
      return task;
    });
  }

  /** {"type": "NotFound", "message": "...", "fields": {...}} as the LocalizedMethodFault a task stores. */
  private taskFault(json: FaultJson, where: string): LocalizedMethodFault {
    const fault = jsonToFault(json, this.deps.types, where);
    return localizedMethodFault(fault.toDataObject(), fault.message);
  }

  private lifecycleSpec(json: LifecycleJson, where: string): LifecycleSpec {
    return {
      startAfterMs: json.startAfterMs ?? 0,
      durationMs: json.durationMs ?? 1000,
      progressSteps: json.progressSteps ?? 4,
      outcome: json.outcome ?? 'success',
      result: json.result === undefined ? undefined : jsonToVim(json.result, 'xsd:anyType', this.deps.types, `${where}.result`),
      fault: json.fault === undefined ? undefined : this.taskFault(json.fault, `${where}.fault`),
    };
  }

  /** A task a lifecycle can be scripted on: one that exists and has not completed. */
  scriptable(key: string): Task {
    const task = this.task(key);
    if (task.state === 'success' || task.state === 'error') throw new ControlError(`task '${key}' has already completed`, 'conflict');
    return task;
  }

  /** Runs a scripted lifecycle on an existing queued or running task. */
  scriptTask(key: string, json: LifecycleJson): Task {
    const task = this.scriptable(key);
    this.lifecycles.start(
      task,
      this.convert(() => this.lifecycleSpec(json, 'lifecycle')),
    );
    return task;
  }

  addFaultRule(json: FaultRuleJson): FaultRule {
    return this.convert(() =>
      this.deps.injector.addFault({
        method: json.method,
        task: json.task,
        taskTypeId: json.taskTypeId,
        fault: jsonToFault(json.fault, this.deps.types, 'rule.fault'),
        faultJson: json.fault,
        count: json.count,
        probability: json.probability,
      }),
    );
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

  addLatencyRule(json: LatencyRuleJson): LatencyRule {
    return this.deps.injector.addLatency({ method: json.method, delayMs: json.delayMs, jitterMs: json.jitterMs });
  }

  /** A seed document from a file or a body, checked against the seed schema first. */
  seedDocument(json: Json, where = 'seed'): SeedOutcome {
    return this.seed(this.deps.schemas.seed(json, where));
  }

  /**
   * Loads a seed: extensions, users and roles first, then tasks in order, then the rules. The
   * users are checked whole before any is added.
   */
  seed(json: SeedJson): SeedOutcome {
    if (json.inventory) this.loadInventory(json.inventory);
    for (const e of json.extensions ?? []) this.deps.extensionManager.put(simpleExtension(e.key, e.taskTypes, e.label ?? e.key));
    if (json.users !== undefined || json.roles !== undefined) {
      try {
        this.deps.users.load({ users: json.users ?? [], roles: json.roles });
      } catch (error) {
        throw new ControlError(error instanceof Error ? error.message : String(error));
      }
    }
    const tasks = (json.tasks ?? []).map((t, i) => this.createTask(t, `seed.tasks[${i}]`).key);
    const faults = (json.faults ?? []).map((f) => this.addFaultRule(f));
    const latency = (json.latency ?? []).map((l) => this.addLatencyRule(l));
    const methods = (json.methods ?? []).map((m, i) => this.addMethodRule(m, `seed.methods[${i}]`));
    return { tasks, faults: faults.length, latency: latency.length, methods: methods.length };
  }

  /** Stops scripted lifecycles' timers (the emulator is closing). */
  dispose(): void {
    this.lifecycles.clear();
    this.deps.methodTasks.clear();
  }

  /** Every live session, as SessionManager.sessionList shows them to an Admin. */
  sessions(): UserSession[] {
    return this.deps.sessions.list();
  }

  /** Ends a session as TerminateSession does: its client's next call is NotAuthenticated. */
  endSession(key: string): void {
    if (!this.deps.sessions.terminateByKey(key)) throw new ControlError(`no session '${key}'`, 'not-found');
  }

  /** Back to the state at start: no tasks, the configured extensions and users, no rules or scripts. Sessions stay. */
  reset(): void {
    this.lifecycles.clear();
    this.deps.methodTasks.clear();
    this.methodRules.clear();
    this.deps.tree.load(this.baseline);
    this.declared = this.baseline;
    this.deps.injector.clear();
    this.deps.taskManager.reset();
    this.deps.extensionManager.reset();
    this.deps.users.reset();
  }
}
