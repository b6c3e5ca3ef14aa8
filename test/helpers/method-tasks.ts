// An inventory with its *_Task runner and method rules, without a server, for the unit and
// model-based tests of method tasks: calls go straight to the methods' handlers.

import { loadCompiledSchema, type VimSchema } from '../../src/soap/schema.js';
import { MethodRules } from '../../src/control/method-rules.js';
import type { ManagedObjectReference } from '../../src/vim/data.js';
import { createInventory, type Inventory } from '../../src/vim/inventory.js';
import type { InventorySpec } from '../../src/vim/inventory-tree.js';
import type { CallContext, ManagedObject } from '../../src/vim/managed-object.js';
import type { CancelMode, Task } from '../../src/vim/Task.js';
import { UserDirectory } from '../../src/vim/users.js';
import { testSession } from './sessions.js';

let schema: VimSchema | undefined;

export interface Harness {
  readonly inventory: Inventory;
  readonly rules: MethodRules;
  readonly types: VimSchema;
  /** Calls a method on an object as user "alice"; returns the task it started. */
  call(target: ManagedObject, method: string, args?: Record<string, unknown>): Task;
  entity(path: string): ManagedObject;
  dispose(): void;
}

export function harness(options: { cancelMode?: CancelMode; inventory?: InventorySpec; defaultDurationMs?: number } = {}): Harness {
  schema ??= loadCompiledSchema();
  const types = schema;
  const inventory = createInventory({
    types,
    users: new UserDirectory(undefined),
    sessionIdleTimeoutMs: 60_000,
    tasks: { cancelMode: options.cancelMode ?? 'immediate', cancelTimeoutMs: 0, recentTaskRetentionMs: 60_000, maxTasks: 100_000, maxCollector: 4 },
    about: { apiVersion: '8.0.2.0', version: '8.0.3', build: '1' },
    inventory: options.inventory,
    methodTasks: { defaultDurationMs: options.defaultDurationMs ?? 100 },
  });
  const rules = new MethodRules((entity) => inventory.tree.pathOf(entity));
  inventory.methodTasks.usePlans(rules);
  const session = testSession('s1', { userName: 'alice' });
  const ctx: CallContext = {
    session,
    types,
    connection: { ipAddress: '127.0.0.1', userAgent: 'test', clientCertificate: undefined, sessionChanged: () => undefined },
    lifetime: { whenClientGone: () => () => undefined },
  };
  return {
    inventory,
    rules,
    types,
    call(target, method, args = {}) {
      const handler = target.method(method);
      if (!handler) throw new Error(`${target.ref.toString()} has no ${method}`);
      const ref = handler.call(target, ctx, args as never) as ManagedObjectReference;
      const task = inventory.taskManager.task(ref.value);
      if (!task) throw new Error(`no task ${ref.value}`);
      return task;
    },
    entity(path) {
      const found = inventory.tree.find(path);
      if (!found) throw new Error(`nothing at ${path}`);
      return found;
    },
    dispose() {
      inventory.dispose();
    },
  };
}
