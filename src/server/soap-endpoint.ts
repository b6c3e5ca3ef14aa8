// One vim25 call: decode (envelope, operation, arguments against the WSDL) → dispatch
// (authenticate, authorize, validate, apply) → encode (result or fault). Routing is by the Body
// element's name; SOAPAction is ignored, as every vim25 call sends the same one. Nothing here
// knows HTTP: the caller hands in the body and the exchange, and writes the answer it gets.

import { ManagedObjectReference, type VimValue } from '../vim/data.js';
import { InvalidRequest, MethodFault, MethodNotFound, SystemError } from '../vim/faults.js';
import type { Inventory } from '../vim/inventory.js';
import type { CallLifetime, ConnectionInfo } from '../vim/managed-object.js';
import type { Decoder } from '../soap/decoder.js';
import type { Encoder } from '../soap/encoder.js';
import { faultEnvelope, operationResponse, readRequest } from '../soap/envelope.js';
import type { OperationDef, VimSchema } from '../soap/schema.js';
import { attribute, XmlSyntaxError, type XmlElement, type XmlLimits } from '../soap/xml-reader.js';

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
  readonly method: string;
  readonly self: ManagedObjectReference | undefined;
  readonly userName: string | undefined;
  readonly faultType: string | undefined;
  /** A failure that is the server's, not the caller's (answered as SystemError); worth logging. */
  readonly internalError: unknown;
}

export interface SoapEndpointOptions {
  readonly schema: VimSchema;
  readonly decoder: Decoder;
  readonly encoder: Encoder;
  readonly inventory: Inventory;
  readonly xmlLimits: XmlLimits;
}

function thisOf(operation: XmlElement): ManagedObjectReference | undefined {
  for (const child of operation.children) {
    if (child.name !== '_this') continue;
    const type = attribute(child, '', 'type');
    return type ? new ManagedObjectReference(type, child.text.trim()) : undefined;
  }
  return undefined;
}

/** What is known of a call while it runs, for its answer and its log line. */
class CallState {
  method = '';
  self: ManagedObjectReference | undefined;
  op: OperationDef | undefined;
  constructor(readonly userName: string | undefined) {}
}

export class SoapEndpoint {
  constructor(private readonly options: SoapEndpointOptions) {}

  /**
   * Serves one request body. Calls that finish at once (nearly all) are answered without a
   * promise; waiting calls (WaitForUpdatesEx, injected latency) return one.
   */
  serve(body: string, cookieHeader: string | undefined, exchange: SoapExchange): SoapAnswer | Promise<SoapAnswer> {
    const { inventory } = this.options;
    const session = inventory.sessionManager.lookup(sessionCookie(cookieHeader));
    const state = new CallState(session?.userName);
    let result: VimValue | undefined | Promise<VimValue | undefined>;
    let userName: string | undefined;
    try {
      const call = this.decode(body, state);
      if (state.method === 'Login') userName = String(call.args.userName);
      result = inventory.dispatcher.invoke({ method: state.method, self: call.self, args: call.args, session, lifetime: exchange, connection: exchange });
    } catch (error) {
      return this.fault(state, error);
    }
    if (result instanceof Promise) return result.then((value) => this.answer(state, value, userName), (error: unknown) => this.fault(state, error));
    return this.answer(state, result, userName);
  }

  private decode(body: string, state: CallState) {
    if (!body.trim()) throw new InvalidRequest('The request body is empty; expected a SOAP 1.1 envelope.');
    let operation: XmlElement;
    try {
      operation = readRequest(body, this.options.xmlLimits);
    } catch (error) {
      if (error instanceof XmlSyntaxError) throw new InvalidRequest(`The request is not well-formed XML: ${error.message}`);
      throw error;
    }
    state.method = operation.name;
    state.self = thisOf(operation);
    const op = this.options.schema.operations.get(state.method);
    if (!op) {
      if (!state.self) throw new InvalidRequest(`Unknown operation '${state.method}' without a _this argument.`);
      throw new MethodNotFound(state.self, state.method);
    }
    state.op = op;
    const call = this.options.decoder.decodeCall(operation, op);
    state.self = call.self;
    return call;
  }

  private answer(state: CallState, result: VimValue | undefined, loggedIn: string | undefined): SoapAnswer {
    const op = state.op!;
    try {
      const payload = operationResponse(state.method, op.result && result !== undefined ? this.options.encoder.field(op.result, result) : '');
      return { status: 200, payload, method: state.method, self: state.self, userName: loggedIn ?? state.userName, faultType: undefined, internalError: undefined };
    } catch (error) {
      return this.fault(state, error);
    }
  }

  private fault(state: CallState, error: unknown): SoapAnswer {
    const known = error instanceof MethodFault;
    const fault = known ? error : new SystemError((error as Error)?.message ?? String(error));
    return {
      status: 500,
      payload: faultEnvelope(this.options.encoder, fault.toDataObject(), fault.message),
      method: state.method,
      self: state.self,
      userName: state.userName,
      faultType: fault.faultType,
      internalError: known ? undefined : error,
    };
  }
}
