// Runs one decoded call through the same steps every time: authenticate → resolve _this →
// authorize → apply (the method validates its own arguments and state). Privilege checks come
// before any state check, so a caller without rights learns nothing about the task.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObjectNotFound, MethodNotFound, NoPermission, NotAuthenticated } from './faults.js';
import type { Arguments, CallContext, CallLifetime, ConnectionInfo } from './managed-object.js';
import type { Injector } from './injection.js';
import type { ObjectRegistry } from './registry.js';
import { hasPrivilege, type Session } from './session.js';
import type { TypeModel } from './data.js';

export const ANONYMOUS_PRIVILEGE = 'System.Anonymous';

export interface OperationInfo {
  readonly managedType: string;
  /** The privilege the method requires; undefined: a valid session is enough. */
  readonly privilege: string | undefined;
}

export interface Call {
  readonly method: string;
  readonly self: ManagedObjectReference;
  readonly args: Arguments;
  readonly session: Session | undefined;
  readonly connection: ConnectionInfo;
  readonly lifetime: CallLifetime;
}

export class Dispatcher {
  constructor(
    private readonly registry: ObjectRegistry,
    private readonly types: TypeModel,
    private readonly operations: ReadonlyMap<string, OperationInfo>,
    private readonly injector: Injector,
  ) {}

  operation(method: string): OperationInfo | undefined {
    return this.operations.get(method);
  }

  /**
   * Faults before the method runs are thrown; the method's own result (or promise, for waiting
   * methods and injected latency) is returned as it is, so a call that finishes at once costs no
   * promise.
   */
  invoke(call: Call): VimValue | undefined | Promise<VimValue | undefined> {
    const op = this.operations.get(call.method);
    if (!op) throw new MethodNotFound(call.self, call.method);
    const session = call.session;
    if (!session && op.privilege !== ANONYMOUS_PRIVILEGE) throw new NotAuthenticated(call.self);
    const target = this.registry.get(call.self);
    if (!target || !target.visibleTo(session)) throw new ManagedObjectNotFound(call.self);
    const handler = target.isA(op.managedType) ? target.methods[call.method] : undefined;
    if (!handler) throw new MethodNotFound(call.self, call.method);
    if (session && op.privilege && op.privilege !== ANONYMOUS_PRIVILEGE && !hasPrivilege(session, op.privilege)) {
      throw new NoPermission(call.self, op.privilege);
    }
    const ctx: CallContext = { session, types: this.types, connection: call.connection, lifetime: call.lifetime };
    if (this.injector.active) return this.injector.before(call.method, target, call.args).then(() => handler.call(target, ctx, call.args));
    return handler.call(target, ctx, call.args);
  }
}
