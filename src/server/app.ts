// Builds the HTTP(S) server: the SOAP endpoint plus the documents clients fetch around it.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Decoder } from '../soap/decoder.js';
import { Encoder } from '../soap/encoder.js';
import { loadSchema, wsdlDirectory, type VimSchema } from '../soap/schema.js';
import { DEFAULT_XML_LIMITS } from '../soap/xml-reader.js';
import type { OperationInfo } from '../vim/dispatcher.js';
import { createInventory, type Inventory } from '../vim/inventory.js';
import type { Json } from '../vim/json-values.js';
import { UserDirectory } from '../vim/users.js';
import { parseUsersFile, readDocument } from './documents.js';
import { controlApi } from './control-api.js';
import type { Config } from './config.js';
import { loggerOptions } from './logging.js';
import { sdkRequestListener, type SdkLog } from './sdk-http.js';
import { SoapEndpoint } from './soap-endpoint.js';
import { tlsMaterial } from './tls.js';
import { recentTasksOptions, recentTasksPage } from './ui.js';

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
  readonly schema: VimSchema;
  readonly config: Config;
  /** Base URL once listening, e.g. https://127.0.0.1:8989 */
  url(): string;
  close(): Promise<void>;
}

let cachedSchema: VimSchema | undefined;

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/** The WSDL is parsed once per process; every server instance shares the read-only result. */
export function vimSchema(): VimSchema {
  cachedSchema ??= loadSchema(path.join(wsdlDirectory(), 'vim.wsdl'));
  return cachedSchema;
}

/**
 * The privilege table: the WSDL's (VMODL's) privileges, with the choices contract.md makes
 * (CancelTask needs only a session unless --cancel-privilege says otherwise), then the
 * --privileges file's overrides ("" means none).
 */
export function operationTable(schema: VimSchema, config: Pick<Config, 'cancelTaskPrivilege'>, overrides: Readonly<Record<string, string>> = {}): Map<string, OperationInfo> {
  const table = new Map<string, OperationInfo>();
  for (const op of schema.operations.values()) table.set(op.name, { managedType: op.managedType, privilege: op.privilege });
  table.set('CancelTask', { managedType: 'Task', privilege: config.cancelTaskPrivilege || undefined });
  for (const [method, privilege] of Object.entries(overrides)) {
    const op = table.get(method);
    if (!op) throw new Error(`privileges: '${method}' is not an operation the server routes`);
    table.set(method, { managedType: op.managedType, privilege: privilege || undefined });
  }
  return table;
}

function readPrivileges(file: string | undefined): Record<string, string> {
  if (!file) return {};
  const parsed = readDocument(file);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`${file}: expected {"Method": "Privilege.Id" or ""}`);
  }
  return parsed as Record<string, string>;
}

export async function createEmulator(config: Config): Promise<Emulator> {
  const schema = vimSchema();
  const users = new UserDirectory(config.usersFile ? parseUsersFile(readFileSync(config.usersFile, 'utf8'), config.usersFile) : undefined);
  const inventory = createInventory({
    types: schema,
    operations: operationTable(schema, config, readPrivileges(config.privilegesFile)),
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
  if (config.seedFile) {
    try {
      inventory.control.seed(readDocument(config.seedFile) as Json);
    } catch (error) {
      inventory.dispose();
      throw new Error(`seed ${config.seedFile}: ${(error as Error).message}`);
    }
  }

  const https = config.tls ? await tlsMaterial(config.certFile, config.keyFile, config.host) : undefined;
  const checkInterval = Math.max(100, Math.min(1000, Math.floor(config.requestTimeoutMs / 2)));
  const endpoint = new SoapEndpoint({ schema, decoder: new Decoder(schema), encoder: new Encoder(schema), inventory, xmlLimits: DEFAULT_XML_LIMITS });
  const logCalls = ['trace', 'debug', 'info'].includes(config.logLevel);
  // Assigned below; the SOAP listener logs through fastify's logger once it exists.
  let app: FastifyInstance | undefined;
  const sdkLog: SdkLog = {
    call: logCalls
      ? (answer, reqId, ms) =>
          app?.log.info({ reqId, method: answer.method || undefined, this: answer.self?.toString(), user: answer.userName, fault: answer.faultType, ms }, 'soap call')
      : undefined,
    internalError: (err, method, reqId) => app?.log.error({ reqId, err, method: method || undefined }, 'internal error while serving a call'),
  };

  const serverFactory = (fastifyListener: RequestListener): Server => {
    const listener = sdkRequestListener({ endpoint, bodyLimit: config.bodyLimitBytes, secureCookie: config.tls, log: sdkLog }, fastifyListener);
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

  const fastifyOptions = {
    // 'silent' drops pino entirely: fastify otherwise still builds a child logger per request.
    logger: config.logLevel === 'silent' ? false : loggerOptions(config.logLevel),
    // One line per SOAP call is logged by the SOAP listener itself, with the vim25 method and fault.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    serverFactory,
    // The factory makes the server, so fastify ignores these; they only give the scheme of its
    // "Server listening at" line. (Passed as a variable: fastify's types pair https with an
    // https.Server factory, ours returns either kind.)
    https: https ?? null,
  };
  app = Fastify(fastifyOptions) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  // SOAP bodies never reach fastify (see sdk-http.ts); its routes take JSON or nothing.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, {});
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(httpError(400, `the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
  await app.register(controlApi, { prefix: '/_emulator', control: inventory.control, token: config.controlToken });
  await app.register(recentTasksPage, recentTasksOptions(inventory, config.controlToken));

  const wsdlDir = wsdlDirectory();
  const wsdl = {
    'vimService.wsdl': readFileSync(path.join(wsdlDir, 'vimService.wsdl'), 'utf8'),
    'vim.wsdl': readFileSync(path.join(wsdlDir, 'vim.wsdl'), 'utf8'),
  };
  const xml = 'text/xml; charset=utf-8';
  app.get('/sdk/vimServiceVersions.xml', (_req, reply) => reply.type(xml).send(SERVICE_VERSIONS));
  app.get('/sdk/vimService.wsdl', (_req, reply) => reply.type(xml).send(wsdl['vimService.wsdl']));
  app.get('/sdk/vim.wsdl', (_req, reply) => reply.type(xml).send(wsdl['vim.wsdl']));
  app.get('/healthz', () => ({ status: 'ok', sessions: inventory.sessionManager.count, objects: inventory.registry.size }));

  await app.listen({ host: config.host, port: config.port });

  return {
    app,
    inventory,
    schema,
    config,
    url() {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
      return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    },
    async close() {
      inventory.dispose();
      await app.close();
    },
  };
}
