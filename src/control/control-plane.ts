// The test-author side of one emulator over its inventory: the controls (seeds, rules, scripted
// lifecycles) and the state document, wired one way for the server and for the unit tests.

import type { TypeModel } from '../vim/data.js';
import type { Inventory } from '../vim/inventory.js';
import type { InventorySpec } from '../vim/inventory-tree.js';
import type { UserDirectory } from '../vim/users.js';
import { EmulatorControl } from './control.js';
import type { Injector } from './injection.js';
import { ControlSchemas } from './schemas.js';
import { EmulatorState } from './state.js';

export interface ControlPlaneOptions {
  readonly types: TypeModel;
  readonly inventory: Inventory;
  readonly users: UserDirectory;
  /** The fault and latency rules' home, the one the inventory's dispatcher calls. */
  readonly injector: Injector;
  /** How long a *_Task method's task runs when its rule gives no duration. */
  readonly taskDurationMs: number;
  /** The inventory declared at start, which a reset returns to. */
  readonly startInventory: InventorySpec;
}

export interface ControlPlane {
  readonly schemas: ControlSchemas;
  readonly control: EmulatorControl;
  readonly state: EmulatorState;
}

export function createControlPlane({ types, inventory, users, injector, taskDurationMs, startInventory }: ControlPlaneOptions): ControlPlane {
  const schemas = new ControlSchemas();
  const control = new EmulatorControl({
    types,
    taskManager: inventory.taskManager,
    extensionManager: inventory.extensionManager,
    users,
    sessions: inventory.sessionManager,
    injector,
    schemas,
    tree: inventory.tree,
    methodTasks: inventory.methodTasks,
    taskDurationMs,
    inventory: startInventory,
  });
  const state = new EmulatorState({
    types,
    taskManager: inventory.taskManager,
    extensionManager: inventory.extensionManager,
    users,
    injector,
    lifecycles: control.lifecycles,
    schemas,
    registry: inventory.registry,
    sessions: inventory.sessionManager,
    tree: inventory.tree,
    methodTasks: inventory.methodTasks,
    control,
  });
  return { schemas, control, state };
}
