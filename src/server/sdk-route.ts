// POST /sdk as a fastify plugin: the XML body parser (content type, charset, UTF-8), the route,
// the session cookie and the one log line per call. Everything vim25 happens in SoapEndpoint;
// this file only moves bytes between it and HTTP, and is the one place that asks whether a
// call's outcome is a promise.

import { isUtf8 } from 'node:buffer';
import { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { WireTrace } from '../control/trace.js';
import type { Session } from '../vim/session.js';
import { SESSION_COOKIE, type SoapAnswer, type SoapCall, type SoapEndpoint, type SoapExchange } from './soap-endpoint.js';

/**
 * The paths vim25 clients post to: pyVmomi and govmomi use /sdk, older SDK samples
 * /sdk/vimService, and node-vsphere-soap posts to the WSDL's own URL, /sdk/vimService.wsdl.
 * vCenter serves SOAP on any path under /sdk, and so does this.
 */
const SDK_PATHS = ['/sdk', '/sdk/*'];
const XML_MEDIA_TYPES = ['text/xml', 'application/xml', 'application/soap+xml'];
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const UTF8_CHARSET = /^utf-?8$/i;

export interface SdkRouteOptions {
  readonly endpoint: SoapEndpoint;
  readonly secureCookie: boolean;
  /** Whether each call gets an info log line (nothing is built for it otherwise). */
  readonly logCalls: boolean;
  /** Where each exchange is recorded, with its bodies; undefined (tracing off): nothing is built for it. */
  readonly trace?: WireTrace | undefined;
}

function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}

/** What the methods may ask of the connection (its peer, the session cookie) and of the call's lifetime. */
class SdkExchange implements SoapExchange {
  /** undefined: the call did not change the session; null: it ended it. */
  session: Session | null | undefined;
  private goneListener: (() => void) | undefined;
  private watchingClose = false;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {}

  get ipAddress(): string {
    return this.request.ip;
  }

  get userAgent(): string {
    return this.request.headers['user-agent'] ?? '';
  }

  /** Read only by the certificate logins, so other calls never ask TLS for the peer certificate. */
  get clientCertificate(): string | undefined {
    const socket = this.request.raw.socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    // An empty object when the client sent no certificate (the server requests one, never requires it).
    return socket.getPeerCertificate().fingerprint256 || undefined;
  }

  sessionChanged(session: Session | undefined): void {
    this.session = session ?? null;
  }

  whenClientGone(listener: () => void): () => void {
    if (this.clientGone) {
      listener();
      return () => {};
    }
    // One 'close' listener per call however often a waiting method re-registers; a plain
    // callback, not an AbortSignal: a thousand waiting clients woken together each pay for one.
    const response = this.reply.raw;
    if (!this.watchingClose) {
      this.watchingClose = true;
      response.once('close', () => {
        const gone = this.goneListener;
        this.goneListener = undefined;
        if (gone && !response.writableFinished) gone();
      });
    }
    this.goneListener = listener;
    return () => {
      if (this.goneListener === listener) this.goneListener = undefined;
    };
  }

  /** The client closed the connection before the answer was written. */
  get clientGone(): boolean {
    const response = this.reply.raw;
    return response.destroyed && !response.writableFinished;
  }
}

export const sdkRoute: FastifyPluginCallback<SdkRouteOptions> = (app: FastifyInstance, options, done) => {
  const { endpoint, logCalls, trace } = options;
  const secure = options.secureCookie ? '; Secure' : '';

  // Encapsulated: only /sdk reads XML bodies. SOAP 1.2 and plain XML types are read so that
  // such a client gets a clear fault; fastify answers 415 for anything else.
  app.addContentTypeParser(XML_MEDIA_TYPES, { parseAs: 'buffer' }, (request, body, parsed) => {
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset && !UTF8_CHARSET.test(charset)) return parsed(httpError(415, `charset ${charset} is not supported; send UTF-8`), undefined);
    // isUtf8 then a plain decode: faster than a fatal TextDecoder, and as strict.
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (!isUtf8(bytes)) return parsed(httpError(400, 'the request body is not valid UTF-8'), undefined);
    parsed(null, bytes.toString('utf8'));
  });

  const write = (request: FastifyRequest, reply: FastifyReply, call: SoapCall, exchange: SdkExchange, answer: SoapAnswer) => {
    if (answer.internalError !== undefined)
      request.log.error({ err: answer.internalError, method: call.method || undefined }, 'internal error while serving a call');
    if (logCalls) {
      const user = exchange.session ? exchange.session.userName : call.session?.userName;
      request.log.info({ method: call.method || undefined, this: call.self?.toString(), user, fault: answer.faultType, ms: reply.elapsedTime }, 'soap call');
    }
    if (trace) {
      trace.record({
        user: exchange.session ? exchange.session.userName : call.session?.userName,
        method: call.method,
        self: call.self?.toString(),
        status: answer.status,
        fault: answer.faultType,
        ms: reply.elapsedTime,
        request: typeof request.body === 'string' ? request.body : '',
        response: answer.payload,
      });
    }
    if (exchange.clientGone) return;
    // The answer is written in one call, past fastify's reply pipeline (serializers and onSend
    // hooks, of which this route has none): UpdateProgress server CPU went from 48.0 to 44.9 µs a
    // call in npm run bench (docs/performance.md). Errors before this point (body limit, content
    // type, UTF-8) still get fastify's own answers.
    reply.hijack();
    const headers: string[] = ['content-type', 'text/xml; charset=utf-8', 'content-length', String(Buffer.byteLength(answer.payload))];
    if (exchange.session !== undefined) {
      // The value in double quotes, as vCenter writes it: code that takes the session id with
      // cookie.split('"')[1] (pyVmomi's SPBM samples, Ansible's storage-policy modules) needs them.
      headers.push(
        'set-cookie',
        exchange.session === null
          ? `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0${secure}`
          : `${SESSION_COOKIE}="${exchange.session.cookie}"; Path=/; HttpOnly${secure}`,
      );
    }
    reply.raw.writeHead(answer.status, headers);
    reply.raw.end(answer.payload);
  };

  const serve = (request: FastifyRequest<{ Body: string }>, reply: FastifyReply): void => {
    const exchange = new SdkExchange(request, reply);
    const action = request.headers.soapaction;
    const call = endpoint.call(
      typeof request.body === 'string' ? request.body : '',
      request.headers.cookie,
      exchange,
      typeof action === 'string' ? action : undefined,
    );
    const outcome = call.outcome;
    if (outcome instanceof Promise) {
      outcome.then(
        (value) => write(request, reply, call, exchange, call.finish(value)),
        (error: unknown) => write(request, reply, call, exchange, call.fail(error)),
      );
    } else {
      write(request, reply, call, exchange, call.finish(outcome));
    }
  };

  for (const url of SDK_PATHS) app.post(url, serve);
  done();
};
