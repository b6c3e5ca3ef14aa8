// POST /sdk straight from node:http, ahead of fastify. Every vim25 call comes through here, so
// this path is kept to what the wire needs: check the content type and size, gather the body,
// check it is UTF-8, serve it, write one response. Fastify's routing, hooks, content-type parser
// and reply pipeline cost about 2 µs a call (measured with `npm run bench`); every other route
// (the WSDL documents, /healthz, the control API) still goes to fastify.

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { SESSION_COOKIE, type SoapAnswer, type SoapEndpoint, type SoapExchange } from './soap-endpoint.js';

const SDK_PATHS: ReadonlySet<string> = new Set(['/sdk', '/sdk/vimService']);

const XML_MEDIA_TYPES: ReadonlySet<string> = new Set(['text/xml', 'application/xml', 'application/soap+xml']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const UTF8_CHARSET = /^utf-?8$/i;

export interface SdkLog {
  /** Called after each call when per-call logging is on; undefined otherwise (nothing is built). */
  readonly call: ((answer: SoapAnswer, requestId: string, ms: number) => void) | undefined;
  readonly internalError: (error: unknown, method: string, requestId: string) => void;
}

export interface SdkHttpOptions {
  readonly endpoint: SoapEndpoint;
  readonly bodyLimit: number;
  readonly secureCookie: boolean;
  readonly log: SdkLog;
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The one object a call allocates for its transport: what the methods may ask of the connection
 * (its peer, a cookie to set) and of the call's lifetime (a 'close' listener, made only on demand).
 */
class SdkExchange implements SoapExchange {
  cookie: string | null = null;
  private goneListener: (() => void) | undefined;
  private watchingClose = false;

  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {}

  get ipAddress(): string {
    return this.request.socket.remoteAddress ?? '';
  }

  get userAgent(): string {
    return this.request.headers['user-agent'] ?? '';
  }

  setSessionCookie(key: string | undefined): void {
    this.cookie = key ?? '';
  }

  whenClientGone(listener: () => void): () => void {
    if (this.clientGone) {
      listener();
      return () => {};
    }
    // One 'close' listener per call however often a waiting method re-registers.
    if (!this.watchingClose) {
      this.watchingClose = true;
      this.response.once('close', () => {
        const gone = this.goneListener;
        this.goneListener = undefined;
        if (gone && !this.response.writableFinished) gone();
      });
    }
    this.goneListener = listener;
    return () => {
      if (this.goneListener === listener) this.goneListener = undefined;
    };
  }

  /** The client closed the connection before the answer was written. */
  get clientGone(): boolean {
    return this.response.destroyed && !this.response.writableFinished;
  }
}

function refuse(response: ServerResponse, status: number, error: string, message: string, close = false): void {
  const body = JSON.stringify({ statusCode: status, error, message });
  const headers: string[] = ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))];
  if (close) headers.push('connection', 'close');
  response.writeHead(status, headers);
  response.end(body);
}

/** Why a Content-Type is refused, or undefined when it is a SOAP-capable XML type in UTF-8. */
function contentTypeRefusal(contentType: string): string | undefined {
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  // SOAP 1.2 and plain XML types are read so that such a client gets a clear fault; anything else is not SOAP.
  if (!XML_MEDIA_TYPES.has(mediaType)) return `Content-Type '${contentType}' is not supported; send text/xml`;
  const charset = semicolon === -1 ? undefined : CHARSET.exec(contentType)?.[1];
  if (charset && !UTF8_CHARSET.test(charset)) return `charset ${charset} is not supported; send UTF-8`;
  return undefined;
}

/** Wraps fastify's request listener: /sdk calls are served here, everything else passes through. */
export function sdkRequestListener(options: SdkHttpOptions, fallback: RequestListener): RequestListener {
  const { endpoint, bodyLimit, log } = options;
  const secure = options.secureCookie ? '; Secure' : '';
  let requestCount = 0;
  let acceptedContentType: string | undefined;
  // Distinct from fastify's own ids (req-N), which the other routes' log lines carry.
  const nextRequestId = () => `soap-${(++requestCount).toString(36)}`;

  const write = (exchange: SdkExchange, response: ServerResponse, answer: SoapAnswer, requestId: string, started: number) => {
    if (answer.internalError !== undefined) log.internalError(answer.internalError, answer.method, requestId || nextRequestId());
    if (log.call) log.call(answer, requestId, performance.now() - started);
    if (exchange.clientGone) return;
    const headers: string[] = ['content-type', 'text/xml; charset=utf-8', 'content-length', String(Buffer.byteLength(answer.payload))];
    if (exchange.cookie !== null) {
      headers.push(
        'set-cookie',
        exchange.cookie === '' ? `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0${secure}` : `${SESSION_COOKIE}=${exchange.cookie}; Path=/; HttpOnly${secure}`,
      );
    }
    response.writeHead(answer.status, headers);
    response.end(answer.payload);
  };

  const serve = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    // isUtf8 then a plain decode: faster than a fatal TextDecoder, and as strict.
    if (!isUtf8(body)) return refuse(response, 400, 'Bad Request', 'the request body is not valid UTF-8');
    const started = log.call ? performance.now() : 0;
    const requestId = log.call ? nextRequestId() : '';
    const exchange = new SdkExchange(request, response);
    const answer = endpoint.serve(body.toString('utf8'), request.headers.cookie, exchange);
    if (answer instanceof Promise) {
      answer
        .then((settled) => write(exchange, response, settled, requestId, started))
        .catch((error: unknown) => {
          log.internalError(error, '', requestId || nextRequestId());
          if (!response.headersSent) refuse(response, 500, 'Internal Server Error', 'internal error', true);
        });
    } else {
      write(exchange, response, answer, requestId, started);
    }
  };

  return (request, response) => {
    const url = request.url;
    if (request.method !== 'POST' || (url !== '/sdk' && !SDK_PATHS.has(pathOf(url)))) return fallback(request, response);

    const contentType = request.headers['content-type'] ?? '';
    if (contentType !== acceptedContentType) {
      const refusal = contentTypeRefusal(contentType);
      if (refusal) return refuse(response, 415, 'Unsupported Media Type', refusal, true);
      // A client sends the same header on every call: the last good one is not parsed again.
      acceptedContentType = contentType;
    }
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > bodyLimit) {
      return refuse(response, 413, 'Payload Too Large', `the request body is larger than ${bodyLimit} bytes`, true);
    }

    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      received += chunk.length;
      if (received > bodyLimit) {
        refused = true;
        first = chunks = undefined;
        return refuse(response, 413, 'Payload Too Large', `the request body is larger than ${bodyLimit} bytes`, true);
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const body = chunks ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0));
      try {
        serve(request, response, body);
      } catch (error) {
        // The endpoint turns every failure into a fault; reaching here is a bug, but never a crash.
        log.internalError(error, '', 'sdk');
        if (!response.headersSent) refuse(response, 500, 'Internal Server Error', 'internal error', true);
      }
    });
    // A client that goes away mid-body: nothing to answer, and no unhandled 'error' event.
    request.on('error', () => {});
  };
}
