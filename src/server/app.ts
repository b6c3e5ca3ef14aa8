// Builds the HTTP(S) server: the SOAP endpoint plus the documents clients fetch around it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Decoder } from '../soap/decoder.js';
import { Encoder } from '../soap/encoder.js';
import { loadSchema, wsdlDirectory, type VimSchema } from '../soap/schema.js';
import { DEFAULT_XML_LIMITS } from '../soap/xml-reader.js';
import type { OperationInfo } from '../vim/dispatcher.js';
import { createInventory, type Inventory } from '../vim/inventory.js';
import { parseUsersFile, UserDirectory } from '../vim/users.js';
import type { Config } from './config.js';
import { loggerOptions } from './logging.js';
import { registerSoapEndpoint } from './soap-endpoint.js';
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
  readonly schema: VimSchema;
  readonly config: Config;
  /** Base URL once listening, e.g. https://127.0.0.1:8989 */
  url(): string;
  close(): Promise<void>;
}

let cachedSchema: VimSchema | undefined;

/** The WSDL is parsed once per process; every server instance shares the read-only result. */
export function vimSchema(): VimSchema {
  cachedSchema ??= loadSchema(path.join(wsdlDirectory(), 'vim.wsdl'));
  return cachedSchema;
}

/** The privilege table: the WSDL's (VMODL's) privileges with the choices contract.md makes. */
export function operationTable(schema: VimSchema, config: Pick<Config, 'cancelTaskPrivilege'>): Map<string, OperationInfo> {
  const table = new Map<string, OperationInfo>();
  for (const op of schema.operations.values()) table.set(op.name, { managedType: op.managedType, privilege: op.privilege });
  table.set('CancelTask', { managedType: 'Task', privilege: config.cancelTaskPrivilege || undefined });
  return table;
}

export async function createEmulator(config: Config): Promise<Emulator> {
  const schema = vimSchema();
  const users = new UserDirectory(config.usersFile ? parseUsersFile(readFileSync(config.usersFile, 'utf8'), config.usersFile) : undefined);
  const inventory = createInventory({
    types: schema,
    operations: operationTable(schema, config),
    users,
    sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
    tasks: {
      cancelMode: config.cancelMode,
      cancelTimeoutMs: config.cancelTimeoutMs,
      recentTaskRetentionMs: config.recentTaskRetentionMs,
      maxTasks: config.maxTasks,
      maxCollector: config.maxCollector,
    },
    about: { apiVersion: config.apiVersion, version: '7.0.3', build: '20150588' },
  });

  const https = config.tls ? await tlsMaterial(config.certFile, config.keyFile, config.host) : undefined;
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    // One line per SOAP call is logged by the endpoint itself, with the vim25 method and fault.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    keepAliveTimeout: 65_000,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  registerSoapEndpoint(app, {
    schema,
    decoder: new Decoder(schema),
    encoder: new Encoder(schema),
    inventory,
    xmlLimits: DEFAULT_XML_LIMITS,
    secureCookie: config.tls,
  });

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
