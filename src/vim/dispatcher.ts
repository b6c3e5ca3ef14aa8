// Runs one decoded call through the same steps every time: authenticate → resolve _this →
// authorize → the call hook (test authors' fault and latency rules) → apply (the method
// validates its own arguments and state). Privilege checks come before any state check, so a
// caller without rights learns nothing about the task.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObjectNotFound, MethodNotFound, NoPermission, NotAuthenticated } from './faults.js';
import type { Arguments, CallContext, CallLifetime, ConnectionInfo, ManagedObject, Outcome } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import { hasPrivilege, type Session } from './session.js';
import type { TypeModel } from './data.js';

export const ANONYMOUS_PRIVILEGE = 'System.Anonymous';

/** One row of the operation table, as far as the domain needs it. */
export interface OperationInfo {
  readonly name: string;
  readonly managedType: string;
  /** The privilege the method requires; undefined: a valid session is enough. */
  readonly privilege: string | undefined;
}

export interface Call {
  readonly operation: OperationInfo;
  readonly self: ManagedObjectReference;
  readonly args: Arguments;
  readonly session: Session | undefined;
  readonly connection: ConnectionInfo;
  readonly lifetime: CallLifetime;
}

/**
 * Runs after authorization and before the method, for every call. It may throw a fault, or
 * return a promise to delay the call (undefined: go on at once, so a call pays nothing when no
 * rule applies). The pipeline defines it; the server wires the test authors' rules into it.
 */
export interface CallHook {
  before(method: string, target: ManagedObject, args: Arguments): Promise<void> | undefined;
}

export class Dispatcher {
  constructor(
    private readonly registry: ObjectRegistry,
    private readonly types: TypeModel,
    private readonly hook: CallHook | undefined,
  ) {}

  /**
   * Faults before the method runs are thrown; the method's own outcome (a promise for waiting
   * methods and delayed calls) is returned as it is, so a call that finishes at once costs no
   * promise.
   */
  invoke(call: Call): Outcome<VimValue | undefined> {
    const { operation, session } = call;
    if (!session && operation.privilege !== ANONYMOUS_PRIVILEGE) throw new NotAuthenticated(call.self);
    const target = this.registry.get(call.self);
    if (!target?.visibleTo(session)) throw new ManagedObjectNotFound(call.self);
    const handler = target.isA(operation.managedType) ? target.method(operation.name) : undefined;
    if (!handler) throw new MethodNotFound(call.self, operation.name);
    if (session && operation.privilege && operation.privilege !== ANONYMOUS_PRIVILEGE && !hasPrivilege(session, operation.privilege)) {
      throw new NoPermission(call.self, operation.privilege);
    }
    const ctx: CallContext = { session, types: this.types, connection: call.connection, lifetime: call.lifetime };
    const delayed = this.hook?.before(operation.name, target, call.args);
    if (delayed) return delayed.then(() => handler.call(target, ctx, call.args));
    return handler.call(target, ctx, call.args);
  }
}
