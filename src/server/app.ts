// Builds the HTTP(S) server: the SOAP endpoint plus the documents clients fetch around it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { EmulatorControl } from '../control/control.js';
import { Injector } from '../control/injection.js';
import { toJson } from '../control/json-values.js';
import { controlApi } from '../control/routes.js';
import { ControlSchemas } from '../control/schemas.js';
import { Decoder } from '../soap/decoder.js';
import { Encoder } from '../soap/encoder.js';
import { operationTable } from '../soap/operations.js';
import { loadCompiledSchema, wsdlDirectory, type VimSchema } from '../soap/schema.js';
import { DEFAULT_XML_LIMITS } from '../soap/xml-reader.js';
import { createInventory, type Inventory } from '../vim/inventory.js';
import { UserDirectory } from '../vim/users.js';
import type { Config } from './config.js';
import { parseUsersFile, readDocument } from './documents.js';
import { loggerOptions } from './logging.js';
import { sdkRoute } from './sdk-route.js';
import { SoapEndpoint } from './soap-endpoint.js';
import { tlsMaterial } from './tls.js';

/** vimServiceVersions.xml lists versions pyVmomi 6.7.1 knows, so SmartConnect negotiates 6.7.1. */
const SERVICE_VERSIONS = `<?xml version="1.0" encoding="UTF-8"?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>7.0.3.0</version>
  <priorVersions>
   <version>7.0</version>
   <version>6.7.3</version>
   <version>6.7.2</version>
   <version>6.7.1</version>
   <version>6.7</version>
   <version>6.5</version>
   <version>6.0</version>
   <version>5.5</version>
  </priorVersions>
 </namespace>
</namespaces>
`;

export interface Emulator {
  readonly app: FastifyInstance;
  readonly inventory: Inventory;
  readonly control: EmulatorControl;
  /** The SOAP pipeline /sdk serves (the memory bench calls it without a socket). */
  readonly endpoint: SoapEndpoint;
  readonly schema: VimSchema;
  readonly config: Config;
  /** The certificate HTTPS serves (PEM), self-signed unless --cert was given; undefined over HTTP. */
  readonly certificatePem: string | undefined;
  /** Base URL once listening, e.g. https://127.0.0.1:8989 */
  url(): string;
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

export async function createEmulator(config: Config, host: EmulatorHost = {}): Promise<Emulator> {
  const schema = loadCompiledSchema();
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
  });
  const controlSchemas = new ControlSchemas();
  const control = new EmulatorControl({ types: schema, taskManager: inventory.taskManager, extensionManager: inventory.extensionManager, users, injector, schemas: controlSchemas });
  const dispose = () => {
    control.dispose();
    inventory.dispose();
  };
  if (config.seedFile) {
    try {
      control.seedDocument(toJson(readDocument(config.seedFile), 'seed'));
    } catch (error) {
      dispose();
      throw new Error(`seed ${config.seedFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const https = config.tls ? await tlsMaterial(config.certFile, config.keyFile, config.host) : undefined;
  const checkInterval = Math.max(100, Math.min(1000, Math.floor(config.requestTimeoutMs / 2)));
  const serverFactory = (listener: RequestListener): Server => {
    // Node checks request timeouts on this interval (30 s by default, too coarse for the limit).
    const server = https
      ? createHttpsServer({ ...https, connectionsCheckingInterval: checkInterval }, listener)
      : createHttpServer({ connectionsCheckingInterval: checkInterval }, listener);
    server.keepAliveTimeout = 65_000;
    // Time to receive a whole request (not to answer it: long polls are unaffected).
    server.requestTimeout = config.requestTimeoutMs;
    // Node ignores requestTimeout while headersTimeout (60 s by default) is longer.
    server.headersTimeout = Math.min(server.headersTimeout, config.requestTimeoutMs);
    return server;
  };

  const app = Fastify({
    // 'silent' drops pino entirely: fastify otherwise still builds a child logger per request.
    logger: config.logLevel === 'silent' ? false : loggerOptions(config.logLevel, host.logStream),
    // One line per SOAP call is logged by the /sdk route itself, with the vim25 method and fault.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    serverFactory,
    schemaController: { compilersFactory: lazyCompilers },
  });

  app.removeAllContentTypeParsers();
  // The control API takes JSON or nothing; /sdk registers its own XML parser (sdk-route.ts).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, {});
    try {
      done(null, JSON.parse(String(body)));
    } catch (error) {
      done(httpError(400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`), undefined);
    }
  });
  const endpoint = new SoapEndpoint({
    operations,
    decoder: new Decoder(schema),
    encoder: new Encoder(schema),
    dispatcher: inventory.dispatcher,
    sessions: inventory.sessionManager,
    xmlLimits: DEFAULT_XML_LIMITS,
  });
  await app.register(sdkRoute, { endpoint, secureCookie: config.tls, logCalls: ['trace', 'debug', 'info'].includes(config.logLevel) });
  await app.register(controlApi, { prefix: '/_emulator', control, token: config.controlToken, schemas: controlSchemas });

  // Read when first asked for (few clients fetch them), then kept by this emulator.
  const wsdlDir = wsdlDirectory();
  const wsdlTexts = new Map<string, string>();
  const wsdlText = (name: string) => {
    let text = wsdlTexts.get(name);
    if (text === undefined) {
      text = readFileSync(path.join(wsdlDir, name), 'utf8');
      wsdlTexts.set(name, text);
    }
    return text;
  };
  const xml = 'text/xml; charset=utf-8';
  app.get('/sdk/vimServiceVersions.xml', (_req, reply) => reply.type(xml).send(SERVICE_VERSIONS));
  app.get('/sdk/vimService.wsdl', (_req, reply) => reply.type(xml).send(wsdlText('vimService.wsdl')));
  app.get('/sdk/vim.wsdl', (_req, reply) => reply.type(xml).send(wsdlText('vim.wsdl')));
  app.get('/healthz', () => ({ status: 'ok', sessions: inventory.sessionManager.count, objects: inventory.registry.size }));

  // The factory makes the server, so fastify's "Server listening at" line is told the scheme.
  const scheme = config.tls ? 'https' : 'http';
  await app.listen({ host: config.host, port: config.port, listenTextResolver: (address) => `Server listening at ${address.replace(/^https?:/, `${scheme}:`)}` });

  return {
    app,
    inventory,
    control,
    endpoint,
    schema,
    config,
    certificatePem: https?.cert,
    url() {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
      return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    },
    async close() {
      dispose();
      await app.close();
    },
  };
}
