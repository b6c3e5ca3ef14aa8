// What every managed object is to the rest of the server: a reference, typed properties the
// PropertyCollector can read, and methods the dispatcher can call. No XML here.

import type { ManagedObjectReference, TypeModel, VimValue } from './data.js';
import type { OperationArgs, OperationResults } from './vim-types.js';
import { fetchProperty } from './fetch.js';
import type { Session } from './session.js';

export type Arguments = Readonly<Record<string, VimValue | undefined>>;

/** What a method returns: its value, or a promise of it for the calls that wait. */
export type Outcome<T> = T | Promise<T>;

/** What a method needs to know about the call it serves. */
export interface CallContext {
  readonly session: Session | undefined;
  readonly types: TypeModel;
  readonly connection: ConnectionInfo;
  readonly lifetime: CallLifetime;
}

/** The call's link to its client; only waiting methods use it. */
export interface CallLifetime {
  /**
   * Calls `listener` once if the client goes away before the answer is written (at once if it
   * already has), and returns the function that cancels the registration. A plain callback, not
   * an AbortSignal: a thousand waiting clients woken together each pay for one.
   */
  whenClientGone(listener: () => void): () => void;
}

export interface ConnectionInfo {
  readonly ipAddress: string;
  readonly userAgent: string;
  /**
   * The SHA-256 fingerprint (colon-separated upper-case hex, as X509Certificate.fingerprint256
   * writes it) of the TLS client certificate the connection presented; undefined without one.
   */
  readonly clientCertificate: string | undefined;
  /** Called by Login / Logout: the transport answers with the session's cookie (or clears it). */
  sessionChanged(session: Session | undefined): void;
}

export type OperationName = keyof OperationArgs;

/**
 * One vim25 method, typed by the WSDL (src/vim/vim-types.ts is generated from it). Called with
 * `this` bound to the target object, so a class can share one table across its instances.
 */
export type Method<Op extends OperationName, Self> = (this: Self, ctx: CallContext, args: OperationArgs[Op]) => Outcome<OperationResults[Op]>;

/** The methods a managed object type implements, by operation name. */
export type Methods<Ops extends OperationName, Self> = { readonly [Op in Ops]: Method<Op, Self> };

/** Any object's table, as the dispatcher sees it before it knows the type (`this: never` accepts every Self). */
type MethodTable = { readonly [Op in OperationName]?: Method<Op, never> };

/** A method called with arguments the decoder has already checked against its WSDL parameters. */
type CheckedMethod = (this: ManagedObject, ctx: CallContext, args: Arguments) => Outcome<VimValue | undefined>;

export abstract class ManagedObject {
  abstract readonly ref: ManagedObjectReference;
  /** The type and its managed supertypes, most derived first (for PropertySpec.type matching). */
  abstract readonly typeChain: readonly string[];
  /** Property name → declared WSDL type ("TaskInfo", "ArrayOfManagedObjectReference", "xsd:int"). */
  abstract readonly propertyTypes: Readonly<Record<string, string>>;
  abstract readonly methods: MethodTable;

  /** The current value of a top-level property; undefined when unset. */
  abstract getProperty(name: string, session: Session | undefined): VimValue | undefined;

  /**
   * The method for an operation, ready to be called with decoded arguments. The decoder checked
   * the arguments against the operation's WSDL parameters, which OperationArgs mirrors, so the
   * typed method can take them as they are: this is the one place that says so. Fetch is
   * declared on ManagedObject itself, so every object answers it unless its type says otherwise.
   */
  method(name: string): CheckedMethod | undefined {
    const byName: Readonly<Record<string, CheckedMethod | undefined>> = Object.hasOwn(this.methods, name)
      ? (this.methods as Readonly<Record<string, CheckedMethod>>)
      : {};
    return byName[name] ?? (name === 'Fetch' ? (fetchProperty as CheckedMethod) : undefined);
  }

  isA(type: string): boolean {
    return this.typeChain.includes(type);
  }

  /** Objects a session owns (filters, collectors) do not exist for other sessions. */
  visibleTo(_session: Session | undefined): boolean {
    return true;
  }
}
