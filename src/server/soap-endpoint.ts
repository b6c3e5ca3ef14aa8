// POST /sdk: one vim25 call per request. decode (envelope, operation, arguments against the
// WSDL) → dispatch (authenticate, authorize, validate, apply) → encode (result or fault).
// Routing is by the Body element's name; SOAPAction is ignored, as every vim25 call sends the
// same one.

import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallLifetime } from '../vim/managed-object.js';
import { ManagedObjectReference, type VimValue } from '../vim/data.js';
import { InvalidRequest, MethodFault, MethodNotFound, SystemError } from '../vim/faults.js';
import type { Inventory } from '../vim/inventory.js';
import type { Decoder } from '../soap/decoder.js';
import type { Encoder } from '../soap/encoder.js';
import { faultEnvelope, operationResponse, readRequest } from '../soap/envelope.js';
import type { VimSchema } from '../soap/schema.js';
import { attribute, XmlSyntaxError, type XmlElement, type XmlLimits } from '../soap/xml-reader.js';

export const SESSION_COOKIE = 'vmware_soap_session';

export interface SoapEndpointOptions {
  readonly schema: VimSchema;
  readonly decoder: Decoder;
  readonly encoder: Encoder;
  readonly inventory: Inventory;
  readonly xmlLimits: XmlLimits;
  readonly secureCookie: boolean;
  /** Whether the per-call info line is wanted at all (it is not built otherwise). */
  readonly logCalls: boolean;
}

/** Finds vmware_soap_session in a Cookie header however the client echoed it (pyVmomi sends back the whole Set-Cookie value). */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const item = part.trim();
    if (!item.startsWith(`${SESSION_COOKIE}=`)) continue;
    let value = item.slice(SESSION_COOKIE.length + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value || undefined;
  }
  return undefined;
}

/**
 * Ties a call to its HTTP response: the AbortSignal (and the 'close' listener behind it) is only
 * made when a method asks for it, so the common, non-waiting call pays nothing for it.
 */
class RequestLifetime implements CallLifetime {
  private controller: AbortController | undefined;

  constructor(private readonly response: ServerResponse) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      if (this.clientGone) controller.abort();
      else this.response.once('close', () => {
        if (!this.response.writableFinished) controller.abort();
      });
    }
    return this.controller.signal;
  }

  /** The client closed the connection before the answer was written. */
  get clientGone(): boolean {
    return this.response.destroyed && !this.response.writableFinished;
  }
}

function thisOf(operation: XmlElement): ManagedObjectReference | undefined {
  const self = operation.children.find((c) => c.name === '_this');
  const type = self && attribute(self, '', 'type');
  return self && type ? new ManagedObjectReference(type, self.text.trim()) : undefined;
}

export function registerSoapEndpoint(app: FastifyInstance, options: SoapEndpointOptions): void {
  const { schema, decoder, encoder, inventory } = options;

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const started = process.hrtime.bigint();
    const body = typeof request.body === 'string' ? request.body : '';
    let method = '';
    let self: ManagedObjectReference | undefined;
    const session = inventory.sessionManager.lookup(sessionCookie(request.headers.cookie));
    let userName = session?.userName;
    const lifetime = new RequestLifetime(reply.raw);

    let status = 200;
    let payload: string;
    let faultType: string | undefined;
    try {
      if (!body.trim()) throw new InvalidRequest('The request body is empty; expected a SOAP 1.1 envelope.');
      let operation: XmlElement;
      try {
        operation = readRequest(body, options.xmlLimits);
      } catch (error) {
        if (error instanceof XmlSyntaxError) throw new InvalidRequest(`The request is not well-formed XML: ${error.message}`);
        throw error;
      }
      method = operation.name;
      self = thisOf(operation);
      const op = schema.operations.get(method);
      if (!op) {
        if (!self) throw new InvalidRequest(`Unknown operation '${method}' without a _this argument.`);
        throw new MethodNotFound(self, method);
      }
      const call = decoder.decodeCall(operation, op);
      self = call.self;
      const result: VimValue | undefined = await inventory.dispatcher.invoke({
        method,
        self: call.self,
        args: call.args,
        session,
        lifetime,
        connection: {
          ipAddress: request.ip,
          userAgent: String(request.headers['user-agent'] ?? ''),
          setSessionCookie: (cookie) => {
            const secure = options.secureCookie ? '; Secure' : '';
            reply.header(
              'set-cookie',
              cookie === undefined
                ? `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0${secure}`
                : `${SESSION_COOKIE}=${cookie}; Path=/; HttpOnly${secure}`,
            );
          },
        },
      });
      if (method === 'Login') userName = String(call.args.userName);
      payload = operationResponse(method, op.result && result !== undefined ? encoder.field(op.result, result) : '');
    } catch (error) {
      const fault = error instanceof MethodFault ? error : new SystemError((error as Error).message ?? String(error));
      if (!(error instanceof MethodFault)) request.log.error({ err: error, method }, 'internal error while serving a call');
      status = 500;
      faultType = fault.faultType;
      payload = faultEnvelope(encoder, fault.toDataObject(), fault.message);
    }
    if (options.logCalls) request.log.info(
      {
        method: method || undefined,
        this: self?.toString(),
        user: userName,
        fault: faultType,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      },
      'soap call',
    );
    if (lifetime.clientGone) return reply;
    return reply.code(status).header('content-type', 'text/xml; charset=utf-8').send(payload);
  };

  app.post('/sdk', handle);
  app.post('/sdk/vimService', handle);
}
