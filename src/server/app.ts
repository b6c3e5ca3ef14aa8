// Builds the HTTP(S) server: the SOAP endpoint plus the documents clients fetch around it.

import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { EmulatorControl } from '../control/control.js';
import { createControlPlane } from '../control/control-plane.js';
import { Injector } from '../control/injection.js';
import { JsonValueError, toJson } from '../control/json-values.js';
import { controlApi } from '../control/routes.js';
import { type EmulatorState, stateBodyLimit } from '../control/state.js';
import { WireTrace } from '../control/trace.js';
import { Decoder } from '../soap/decoder.js';
import { Encoders } from '../soap/encoder.js';
import { operationTable } from '../soap/operations.js';
import { loadManagedTypes } from '../soap/managed-types.js';
import { loadCompiledSchema, wsdlDirectory, type VimSchema } from '../soap/schema.js';
import { DEFAULT_XML_LIMITS, XmlReader } from '../soap/xml-reader.js';
import { createInventory, type Inventory } from '../vim/inventory.js';
import { DEFAULT_INVENTORY } from '../vim/inventory-tree.js';
import { UserDirectory } from '../vim/users.js';
import type { Config } from './config.js';
import { parseUsersFile, readDocument } from './documents.js';
import { loggerOptions } from './logging.js';
import { sdkRoute } from './sdk-route.js';
import { SoapEndpoint } from './soap-endpoint.js';
import { StateFile } from './state-file.js';
import { LazyApp } from './lazy-app.js';
import { tlsMaterial } from './tls.js';
import { startTunnel, type Tunnel } from './tunnel.js';
import { recentTasksOptions, recentTasksPage } from './ui.js';

/** The vim25 versions vCenter 8.0.3 lists in vimServiceVersions.xml, newest first. */
const VIM25_VERSIONS = [
  '8.0.2.0',
  '8.0.1.0',
  '8.0.0.2',
  '8.0.0.1',
  '8.0.0.0',
  '7.0.3.2',
  '7.0.3.1',
  '7.0.3.0',
  '7.0.2.1',
  '7.0.2.0',
  '7.0.1.1',
  '7.0.1.0',
  '7.0.0.2',
  '7.0.0.0',
  '6.9.1',
  '6.8.7',
  '6.7.3',
  '6.7.2',
  '6.7.1',
  '6.7',
  '6.5',
  '6.0',
  '5.5',
  '5.1',
  '5.0',
  '4.1',
  '4.0',
];

/**
 * vimServiceVersions.xml for the emulated API version. At the newest, vCenter 8.0.3 names an
 * internal build token as <version>, which no client knows, so each picks the newest
 * priorVersion it supports (pyVmomi 8: 8.0.2.0; pyVmomi 6.7.1: 6.7.1). An older --api-version
 * is the <version>, with only the versions before it listed.
 */
export function serviceVersions(apiVersion: string, build: string): string {
  const at = VIM25_VERSIONS.indexOf(apiVersion);
  const version = at === 0 ? `internal-${build}` : apiVersion;
  const prior = at === -1 ? VIM25_VERSIONS : VIM25_VERSIONS.slice(at === 0 ? 0 : at + 1);
  return `<?xml version="1.0" encoding="UTF-8"?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>${version}</version>
  <priorVersions>
${prior.map((v) => `   <version>${v}</version>`).join('\n')}
  </priorVersions>
 </namespace>
</namespaces>
`;
}

export interface Emulator {
  /** The fastify instance that listens and serves /sdk; every other route is in otherRoutes(). */
  readonly app: FastifyInstance;
  /**
   * The fastify instance that serves every route but /sdk (the control API, the Recent Tasks
   * page, the WSDL files, /healthz), built now if no request has built it yet: for inject().
   */
  otherRoutes(): Promise<FastifyInstance>;
  readonly inventory: Inventory;
  readonly control: EmulatorControl;
  /** The state document (GET/PUT /_emulator/state, --state-file). */
  readonly state: EmulatorState;
  /** The SOAP pipeline /sdk serves (the memory bench calls it without a socket). */
  readonly endpoint: SoapEndpoint;
  readonly schema: VimSchema;
  /** The settings in force (with the generated control token, if one was made). */
  readonly config: Config;
  /** Set when the control API token was generated at start (non-loopback address, none given): print it once. */
  readonly generatedControlToken: string | undefined;
  /** The certificate HTTPS serves (PEM), self-signed unless --cert was given; undefined over HTTP. */
  readonly certificatePem: string | undefined;
  /** The port of the SDK tunnel listener (--tunnel-port), once listening; undefined without one. */
  readonly tunnelPort: number | undefined;
  /** Base URL once listening, e.g. https://127.0.0.1:8989 */
  url(): string;
  /** Saves the --state-file now if the state changed (close() does too); nothing without one. */
  saveState(): Promise<void>;
  close(): Promise<void>;
}

/**
 * fastify's default schema compilers, loaded only if a route ever needs them. fastify requires
 * both (Ajv and fast-json-stringify, about a hundred modules) when it is created; our routes
 * bring their own validator (the control API) or no schema at all, so most runs never use them.
 */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type BuildValidator = NonNullable<Compilers['buildValidator']>;
type BuildSerializer = NonNullable<Compilers['buildSerializer']>;
const lazyCompilers: Compilers = {
  buildValidator: (externalSchemas, options) => {
    const selector: () => BuildValidator = fastifyRequire('@fastify/ajv-compiler');
    return selector()(externalSchemas, options);
  },
  buildSerializer: (externalSchemas, options) => {
    const selector: () => BuildSerializer = fastifyRequire('@fastify/fast-json-stringify-compiler');
    return selector()(externalSchemas, options);
  },
};

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

const STATE_PATH = '/_emulator/state';
/** How long close() lets answers in flight finish before it cuts the connections left. */
const CLOSE_GRACE_MS = 1_000;

/** The longest CONNECT request head the SDK tunnel reads (a real one is about a hundred bytes). */
const TUNNEL_MAX_HEADER_BYTES = 8 * 1024;

/** How long the rest of a refused (413) body is read and thrown away, so the client gets to read the 413. */
const MAX_DRAIN_MS = 5_000;

/** Whether a request is for the SOAP endpoint: a POST to /sdk or any path under it (sdk-route.ts). */
function isSoapCall(request: IncomingMessage): boolean {
  if (request.method !== 'POST') return false;
  const url = request.url ?? '';
  if (url === '/sdk') return true;
  const path = routedPath(url);
  return path === '/sdk' || path.startsWith('/sdk/');
}

/**
 * The path fastify's router matches a request URL by: without the scheme and host of the
 * absolute form (`POST http://host/sdk`, as clients send through a proxy), without the query,
 * with percent-escapes decoded.
 */
function routedPath(url: string): string {
  let path = url.startsWith('/') ? url : url.replace(/^https?:\/\/[^/?#]*/i, '');
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    // Malformed escapes: either instance answers 400.
    return path;
  }
}

/** Whether only this machine can reach an address the server listens on. */
export function isLoopback(host: string): boolean {
  return /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.test(host);
}

/**
 * After a 413 with Connection: close, shuts only our side (FIN) instead of closing the socket, and
 * reads and drops what the client still sends, so its unsent bytes cannot reset the connection
 * before it reads the 413; closed when the client stops or after MAX_DRAIN_MS at most.
 */
function drainThenClose(request: IncomingMessage, requestTimeoutMs: number): void {
  const socket = request.socket;
  socket.destroySoon = () => socket.end();
  const timer = setTimeout(() => socket.destroy(), Math.min(MAX_DRAIN_MS, requestTimeoutMs));
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  request.resume();
}

function readPrivileges(file: string | undefined): Record<string, string> {
  if (!file) return {};
  const parsed = readDocument(file);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected {"Method": "Privilege.Id" or ""}`);
  const privileges: Record<string, string> = {};
  for (const [method, privilege] of Object.entries(parsed)) {
    if (typeof privilege !== 'string') throw new Error(`${file}: expected {"Method": "Privilege.Id" or ""}`);
    privileges[method] = privilege;
  }
  return privileges;
}

/** How the process around the emulator wants it wired; not settings (those are Config). */
export interface EmulatorHost {
  /** Where log lines go instead of stdout. */
  readonly logStream?: NodeJS.WritableStream;
}

export async function createEmulator(given: Config, host: EmulatorHost = {}): Promise<Emulator> {
  // Secure by default: a control API others can reach needs a token; none given, one is made.
  const generatedControlToken = !given.controlToken && !isLoopback(given.host) ? randomBytes(24).toString('base64url') : undefined;
  const config: Config = generatedControlToken ? { ...given, controlToken: generatedControlToken } : given;
  if (config.tunnelPort !== undefined && !config.tls) throw new Error('tunnelPort needs TLS: the tunnel carries TLS to the SDK');
  const wsdlDir = wsdlDirectory();
  const schema = loadCompiledSchema(wsdlDir);
  const operations = operationTable(schema, { cancelTaskPrivilege: config.cancelTaskPrivilege, overrides: readPrivileges(config.privilegesFile) });
  const users = new UserDirectory(config.usersFile ? parseUsersFile(readFileSync(config.usersFile, 'utf8'), config.usersFile) : undefined);
  const injector = new Injector();
  const inventory = createInventory({
    types: schema,
    callHook: injector,
    users,
    sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
    tasks: {
      cancelMode: config.cancelMode,
      cancelTimeoutMs: config.cancelTimeoutMs,
      recentTaskRetentionMs: config.recentTaskRetentionMs,
      maxTasks: config.maxTasks,
      maxCollector: config.maxCollector,
    },
    about: { apiVersion: config.apiVersion, version: config.productVersion, build: config.productBuild },
    limits: config,
    managers: loadManagedTypes(wsdlDir),
    operationPrivileges: [...new Set([...operations.values()].flatMap((op) => (op.privilege ? [op.privilege] : [])))],
    methodTasks: { defaultDurationMs: config.taskDurationMs },
  });
  const {
    schemas: controlSchemas,
    control,
    state,
  } = createControlPlane({
    types: schema,
    inventory,
    users,
    injector,
    taskDurationMs: config.taskDurationMs,
    startInventory: DEFAULT_INVENTORY,
  });
  // Made only when asked for: without it the /sdk route records nothing and builds nothing.
  let trace: WireTrace | undefined;
  const dispose = () => {
    control.dispose();
    inventory.dispose();
    return trace?.close();
  };
  if (config.seedFile) {
    try {
      control.seedDocument(toJson(readDocument(config.seedFile), 'seed', config.maxStringBytes));
    } catch (error) {
      dispose();
      throw new Error(`seed ${config.seedFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  control.started();
  // After the seed: a state file that exists replaces what the seed made.
  let stateFile: StateFile | undefined;
  if (config.stateFile) {
    try {
      stateFile = await StateFile.open(config.stateFile, state, config.maxStringBytes);
    } catch (error) {
      dispose();
      throw error;
    }
  }

  const stateLimit = stateBodyLimit(config.maxTasks);
  const https = config.tls ? await tlsMaterial(config.certFile, config.keyFile, config.host) : undefined;
  const checkInterval = Math.max(100, Math.min(1000, Math.floor(config.requestTimeoutMs / 2)));
  // Every route but /sdk, built on the first request for one of them (lazy-app.ts).
  const otherRoutes = new LazyApp(
    () => buildOtherRoutes(),
    (error) => app.log.error({ err: error }, 'building the control API failed'),
  );
  const serverFactory = (soapListener: RequestListener): Server => {
    const listener: RequestListener = (request, response) => {
      if (isSoapCall(request)) soapListener(request, response);
      else otherRoutes.handle(request, response);
    };
    // Node checks request timeouts on this interval (30 s by default, too coarse for the limit).
    const server = https
      ? // A client certificate is asked for, never required: extensions log in with one
        // (LoginExtensionByCertificate), everyone else presents none. It is matched by its
        // fingerprint, as vCenter does, never checked against a CA, so the server trusts no CA:
        // `ca: []` also spares node building its store of some 140 root certificates, which
        // took 25 to 40 ms of every HTTPS start (docs/performance.md, "Start-up").
        createHttpsServer({ ...https, ca: [], requestCert: true, rejectUnauthorized: false, connectionsCheckingInterval: checkInterval }, listener)
      : createHttpServer({ connectionsCheckingInterval: checkInterval }, listener);
    server.keepAliveTimeout = 65_000;
    // Time to receive a whole request (not to answer it: long polls are unaffected).
    server.requestTimeout = config.requestTimeoutMs;
    // Node ignores requestTimeout while headersTimeout (60 s by default) is longer.
    server.headersTimeout = Math.min(server.headersTimeout, config.requestTimeoutMs);
    // Expect: 100-continue with a Content-Length already over the limit: refused before the
    // client sends the body (node would otherwise send 100 Continue first). The connection then
    // closes, as the client has not sent the body it announced.
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      const length = Number(request.headers['content-length']);
      const limit = request.url?.startsWith(STATE_PATH) ? stateLimit : config.bodyLimitBytes;
      if (Number.isFinite(length) && length > limit) {
        // A client that sends the body anyway (curl does after a second) still reads the 413.
        drainThenClose(request, config.requestTimeoutMs);
        response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        response.end(JSON.stringify({ statusCode: 413, error: 'Payload Too Large', message: `the body is larger than ${limit} bytes` }));
        return;
      }
      response.writeContinue();
      listener(request, response);
    });
    return server;
  };

  // One sequence of request ids for both fastify instances, as they log to one stream.
  let requests = 0;
  const fastifyOptions = {
    genReqId: () => `req-${(++requests).toString(36)}`,
    // One line per SOAP call is logged by the /sdk route itself, with the vim25 method and fault.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    schemaController: { compilersFactory: lazyCompilers },
  };
  const app = Fastify({
    ...fastifyOptions,
    // 'silent' drops pino entirely: fastify otherwise still builds a child logger per request.
    logger: config.logLevel === 'silent' ? false : loggerOptions(config.logLevel, host.logStream),
    serverFactory,
  });
  // Every socket the server holds, TLS handshakes not yet done included, so close() can cut them.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  if (config.traceFile !== undefined || config.traceRing > 0) {
    try {
      trace = new WireTrace({ file: config.traceFile, ringEntries: config.traceRing, ringBytes: config.traceRingBytes }, (message) => app.log.warn(message));
    } catch (error) {
      dispose();
      throw new Error(`trace file ${config.traceFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // A body refused as too large (413) while the client is still sending it: fastify answers with
  // Connection: close and node then closes the socket at once; the bytes the client is still
  // sending then reset the connection, and a reset discards the 413 the client has not read yet.
  // So after the 413 only our side is shut (FIN): the rest of the body is read and dropped until
  // the client stops, for at most MAX_DRAIN_MS (or the request timeout), then the socket closes.
  const drainRefusedBody = (request: FastifyRequest, _reply: FastifyReply, error: FastifyError, done: () => void) => {
    const raw = request.raw;
    if (error.statusCode === 413 && !raw.complete) drainThenClose(raw, config.requestTimeoutMs);
    done();
  };
  app.addHook('onError', drainRefusedBody);
  // /sdk registers its own XML parser (sdk-route.ts); nothing else here reads a body.
  app.removeAllContentTypeParsers();
  const endpoint = new SoapEndpoint({
    operations,
    decoder: new Decoder(schema),
    encoders: new Encoders(schema),
    dispatcher: inventory.dispatcher,
    sessions: inventory.sessionManager,
    xmlReader: new XmlReader(DEFAULT_XML_LIMITS),
    maxStringBytes: config.maxStringBytes,
    registry: inventory.registry,
  });
  await app.register(sdkRoute, { endpoint, secureCookie: config.tls, logCalls: ['trace', 'debug', 'info'].includes(config.logLevel), trace });

  const buildOtherRoutes = async (): Promise<FastifyInstance> => {
    // Never listens: the server above hands it its requests (fastify's routing()).
    const other = Fastify({ ...fastifyOptions, loggerInstance: app.log, serverFactory: (handler) => createHttpServer(handler) });
    other.addHook('onError', drainRefusedBody);
    other.removeAllContentTypeParsers();
    // The control API takes JSON or nothing.
    other.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, {});
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(body));
      } catch (error) {
        return done(httpError(400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`), undefined);
      }
      // The same depth and string limits as SOAP input, so nothing stored here can break a later read.
      try {
        done(null, toJson(parsed, 'body', config.maxStringBytes));
      } catch (error) {
        if (error instanceof JsonValueError) return done(httpError(400, error.message), undefined);
        throw error;
      }
    });
    await other.register(controlApi, {
      prefix: '/_emulator',
      control,
      token: config.controlToken,
      schemas: controlSchemas,
      state: { state, bodyLimit: stateLimit },
      trace,
    });
    await other.register(recentTasksPage, recentTasksOptions(inventory, config.controlToken));
    // Read when first asked for (few clients fetch them), then kept by this emulator.
    const wsdlTexts = new Map<string, string>();
    const wsdlText = (name: string) => {
      let text = wsdlTexts.get(name);
      if (text === undefined) {
        text = readFileSync(path.join(wsdlDir, name), 'utf8');
        wsdlTexts.set(name, text);
      }
      return text;
    };
    const versions = serviceVersions(config.apiVersion, config.productBuild);
    const xml = 'text/xml; charset=utf-8';
    other.get('/sdk/vimServiceVersions.xml', (_req, reply) => reply.type(xml).send(versions));
    other.get('/sdk/vimService.wsdl', (_req, reply) => reply.type(xml).send(wsdlText('vimService.wsdl')));
    other.get('/sdk/vim.wsdl', (_req, reply) => reply.type(xml).send(wsdlText('vim.wsdl')));
    other.get('/healthz', () => ({
      status: 'ok',
      sessions: inventory.sessionManager.count,
      objects: inventory.registry.size,
      waiters: inventory.collectorUsage.waiters,
    }));
    await other.ready();
    return other;
  };
  // The factory makes the server, so fastify's "Server listening at" line is told the scheme.
  const scheme = config.tls ? 'https' : 'http';
  await app.listen({
    host: config.host,
    port: config.port,
    listenTextResolver: (address) => `Server listening at ${address.replace(/^https?:/, `${scheme}:`)}`,
  });
  stateFile?.start(config.stateSaveIntervalMs, app.log);

  let tunnel: Tunnel | undefined;
  if (config.tunnelPort !== undefined) {
    try {
      tunnel = await startTunnel({
        host: config.host,
        port: config.tunnelPort,
        server: app.server,
        maxHeaderBytes: TUNNEL_MAX_HEADER_BYTES,
        idleTimeoutMs: config.requestTimeoutMs,
      });
    } catch (error) {
      dispose();
      await app.close();
      throw error;
    }
  }

  return {
    app,
    inventory,
    control,
    state,
    endpoint,
    schema,
    config,
    generatedControlToken,
    certificatePem: https?.cert,
    tunnelPort: tunnel?.port,
    otherRoutes: () => otherRoutes.instance(),
    url() {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
      return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    },
    async saveState() {
      await stateFile?.save();
    },
    async close() {
      try {
        await stateFile?.close();
      } finally {
        const flushed = dispose();
        await tunnel?.close();
        // A client that opened a connection and never sent a request (or never finished its TLS
        // handshake) holds server.close() open for ever: Node counts it neither idle nor busy.
        // After a grace period for answers in flight, every socket left is cut.
        const cut = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, CLOSE_GRACE_MS);
        try {
          // First: the Recent Tasks page's event streams end, so the server has no busy socket left.
          try {
            await otherRoutes.close();
          } finally {
            await app.close();
          }
        } finally {
          clearTimeout(cut);
        }
        await flushed;
      }
    },
  };
}
