// One vim25 call: decode (envelope, operation, _this and arguments against the WSDL, once) →
// dispatch (authenticate, authorize, the call hook, apply) → encode (result or fault). Routing
// is by the Body element's name through the one operation table. SOAPAction only names the API
// version the answer is written for (fields and types newer than it are left out); any value,
// or none, is accepted. Nothing here knows HTTP: the transport hands in the body, the
// SOAPAction value and the exchange, waits if the outcome is a promise (the only place that
// asks), and writes the answer it gets.

import type { Decoder } from '../soap/decoder.js';
import type { Encoder, Encoders } from '../soap/encoder.js';
import { readRequest } from '../soap/envelope.js';
import type { OperationTable } from '../soap/operations.js';
import type { OperationDef } from '../soap/schema.js';
import { XmlSyntaxError, type XmlElement, type XmlReader } from '../soap/xml-reader.js';
import { ManagedObjectReference, type VimValue } from '../vim/data.js';
import type { Dispatcher } from '../vim/dispatcher.js';
import type { ObjectRegistry } from '../vim/registry.js';
import { InvalidRequest, MethodFault, MethodNotFound, SystemError } from '../vim/faults.js';
import { checkStringSizes } from '../vim/limits.js';
import type { CallLifetime, ConnectionInfo, Outcome } from '../vim/managed-object.js';
import type { Session } from '../vim/session.js';
import type { SessionManager } from '../vim/SessionManager.js';

export const SESSION_COOKIE = 'vmware_soap_session';
const COOKIE_PREFIX = `${SESSION_COOKIE}=`;

/** Finds vmware_soap_session in a Cookie header however the client echoed it (pyVmomi sends back the whole Set-Cookie value). */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // One scan instead of splitting the header: it arrives on every call.
  let at = header.indexOf(COOKIE_PREFIX);
  while (at !== -1 && !startsCookiePair(header, at)) at = header.indexOf(COOKIE_PREFIX, at + 1);
  if (at === -1) return undefined;
  const end = header.indexOf(';', at);
  let value = header.slice(at + COOKIE_PREFIX.length, end === -1 ? header.length : end).trim();
  if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) value = value.slice(1, -1);
  return value || undefined;
}

/** Whether a name found at `at` begins a name=value pair: at the start, or after ';' and blanks. */
function startsCookiePair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (header.charCodeAt(i) === 0x20 || header.charCodeAt(i) === 0x09)) i--;
  return i < 0 || header.charCodeAt(i) === 0x3b;
}

/** What the transport supplies for one call: who is connected, and the call's lifetime. */
export interface SoapExchange extends ConnectionInfo, CallLifetime {}

/** The answer to write, and what a log line about the call says. */
export interface SoapAnswer {
  readonly status: 200 | 500;
  readonly payload: string;
  readonly faultType: string | undefined;
  /** A failure that is the server's, not the caller's (answered as SystemError); worth logging. */
  readonly internalError: unknown;
}

export interface SoapEndpointOptions {
  readonly operations: OperationTable;
  readonly decoder: Decoder;
  /** One encoder per API version; each call's answer uses the one its SOAPAction names. */
  readonly encoders: Encoders;
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionManager;
  readonly xmlReader: XmlReader;
  /** The longest string any argument may carry (UTF-8 bytes); longer: LimitExceeded. */
  readonly maxStringBytes: number;
  /** Where a `_this` without a type is looked up. */
  readonly registry: ObjectRegistry;
}

/**
 * One call in flight. `outcome` is what the method returned (a promise for the calls that wait);
 * the transport passes the settled value to `finish`, or the rejection to `fail`.
 */
export class SoapCall {
  method = '';
  self: ManagedObjectReference | undefined;
  outcome: Outcome<VimValue | undefined> = undefined;
  /** Set when the call failed before or inside the method's synchronous part. */
  private failure: SoapAnswer | undefined;

  constructor(
    private readonly endpoint: SoapEndpoint,
    /** The caller's session; undefined for anonymous calls. */
    readonly session: Session | undefined,
    /** Writes the answer for the API version the call's SOAPAction names. */
    readonly encoder: Encoder,
  ) {}

  finish(value: VimValue | undefined): SoapAnswer {
    return this.failure ?? this.endpoint.encodeResult(this, value);
  }

  fail(error: unknown): SoapAnswer {
    this.failure = this.endpoint.encodeFault(error, this.encoder);
    return this.failure;
  }
}

export class SoapEndpoint {
  constructor(private readonly options: SoapEndpointOptions) {}

  /**
   * Decodes and runs one request body; never throws (a fault is an answer too). `soapAction`:
   * the header's value, e.g. "urn:vim25/6.7.1" (the answer's API version; the newest without).
   */
  call(body: string, cookieHeader: string | undefined, exchange: SoapExchange, soapAction?: string): SoapCall {
    const { decoder, dispatcher, operations, sessions, xmlReader } = this.options;
    const call = new SoapCall(this, sessions.lookup(sessionCookie(cookieHeader)), this.options.encoders.forSoapAction(soapAction));
    try {
      if (!body.trim()) throw new InvalidRequest('The request body is empty; expected a SOAP 1.1 envelope.');
      let element: XmlElement;
      try {
        element = readRequest(body, xmlReader);
      } catch (error) {
        if (error instanceof XmlSyntaxError) throw new InvalidRequest(`The request is not well-formed XML: ${error.message}`);
        throw error;
      }
      call.method = element.name;
      let self = decoder.receiver(element);
      call.self = self;
      const operation = operations.get(element.name);
      if (!operation) throw new MethodNotFound(self, element.name);
      if (!self.type) call.self = self = this.typeUntypedReceiver(operation, self);
      const args = decoder.decodeArguments(element, operation);
      checkStringSizes(args, this.options.maxStringBytes);
      call.outcome = dispatcher.invoke({ operation, self, args, session: call.session, lifetime: exchange, connection: exchange });
    } catch (error) {
      call.fail(error);
    }
    return call;
  }

  /**
   * vCenter serves a `_this` without its `type` attribute (node-vsphere-soap sends
   * `<_this>ServiceInstance</_this>`): the type is the one that declares the operation when the
   * emulator has objects of exactly that type; otherwise (an operation of a supertype, such as
   * Fetch on ManagedObject) the one object with that value, if exactly one has it.
   */
  private typeUntypedReceiver(operation: OperationDef, self: ManagedObjectReference): ManagedObjectReference {
    const { registry } = this.options;
    if (registry.hasType(operation.managedType)) return new ManagedObjectReference(operation.managedType, self.value);
    const object = registry.findByValue(self.value);
    if (object) return object.ref;
    throw new InvalidRequest(`${operation.name}: _this '${self.value}' has no type attribute, and no single object has that value`);
  }

  encodeResult(call: SoapCall, value: VimValue | undefined): SoapAnswer {
    try {
      const payload = call.encoder.response(call.method, this.options.operations.get(call.method)?.result, value);
      return { status: 200, payload, faultType: undefined, internalError: undefined };
    } catch (error) {
      return this.encodeFault(error, call.encoder);
    }
  }

  encodeFault(error: unknown, encoder: Encoder): SoapAnswer {
    const known = error instanceof MethodFault;
    const fault = known ? error : new SystemError(error instanceof Error ? error.message : String(error));
    return {
      status: 500,
      payload: encoder.fault(fault.toDataObject(), fault.message),
      faultType: fault.faultType,
      internalError: known ? undefined : error,
    };
  }
}
