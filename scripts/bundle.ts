// The last build step. It makes three files in dist/src:
//
// - cli.bundle.cjs: the CLI, the server and the npm packages it loads at start (fastify and its
//   dependencies) in one CommonJS file. A start reads one file instead of resolving and compiling
//   some 250 modules: about a third of the CPU a start took (docs/performance.md, "Start-up").
// - cli.js (replacing tsc's output; the package's `bin` and `npm start`): a small loader, from
//   src/cli-loader.ts, that runs the bundle with V8's code cache (src/server/code-cache.ts).
// - cli.bundle.cache: that code cache, written by one warm-up start of the new cli.js that
//   answers one request, so it holds every function a start and a first answer run.
//
// The rest of dist/src stays as tsc wrote it, for code that imports the package ('vtask-emulator'
// is dist/src/index.js) and for the health check.
//
// CommonJS rather than an ES module, because node:vm takes a code cache only for a script.
//
// pino is in the bundle: loaded from node_modules, resolving and compiling its modules took 25
// to 45 ms of every start with logging on (the default). Its pretty-printing transport starts a
// worker from a file inside the pino package, so src/server/logging.ts makes that transport with
// the installed pino. Left out, and loaded from node_modules when needed: pino-pretty (a dev
// dependency), and what fastify requires only on paths the CLI never takes (its default schema
// compilers, which app.ts replaces, and light-my-request for inject()): bundled, those were 600 kB
// of source kept in memory for nothing. Anything loaded through createRequire (Ajv for the
// control API, YAML) is resolved at run time anyway.
//
// Whitespace and syntax are minified (names are kept, so stack traces still name functions):
// the source V8 holds shrinks from 1.6 MB to 0.6 MB, about 3 MB less RSS. For file and line
// numbers in a stack trace, run `node --enable-source-maps dist/src/cli.js` (cli.bundle.cjs.map).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

// Self-contained (no import from scripts/), so the Dockerfile copies this one file.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST_SRC = path.join(ROOT, 'dist/src');
const BUNDLE = path.join(DIST_SRC, 'cli.bundle.cjs');
const CACHE = path.join(DIST_SRC, 'cli.bundle.cache');
const LOADER = path.join(DIST_SRC, 'cli.js');

/** The bundle's first line, filled in with a hash of the bundle once written (same length, so the source map still fits). */
const BUILD_ID_PLACEHOLDER = '0'.repeat(16);
const BUILD_ID_LINE = (id: string) => `/* vtask-build ${id} */`;

/**
 * fastify requires node:http2 as it loads, though only an HTTP/2 server (never ours) uses it;
 * loading it took 4 ms of every start (docs/performance.md, "Start-up"). In the bundle that
 * require gives an object that loads node:http2 on first use.
 */
const lazyHttp2: Plugin = {
  name: 'lazy-http2',
  setup(builder) {
    builder.onResolve({ filter: /^node:http2$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}fastify${path.sep}`) ? { path: 'http2', namespace: 'lazy-http2' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-http2' }, () => ({
      contents: "let http2; module.exports = new Proxy({}, { get: (_, key) => (http2 ??= require('node:http2'))[key] });",
      loader: 'js',
    }));
  },
};

const MINIFY = { minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning' } as const;

// A cache from an earlier build must never sit beside a new bundle, even if this build fails.
rmSync(CACHE, { force: true });

// import.meta.url, which a CommonJS file lacks, becomes the URL of dist/src/cli.js, so the
// modules find the WSDL and the page exactly as they do unbundled. (A banner cannot declare it:
// the bundle's "use strict" must come first.)
const injectDir = mkdtempSync(path.join(os.tmpdir(), 'vtask-bundle-'));
const importMetaUrlModule = path.join(injectDir, 'import-meta-url.js');
writeFileSync(importMetaUrlModule, "export const importMetaUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'cli.js')).href;\n");
try {
  await build({
    entryPoints: [path.join(ROOT, 'src/cli.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['pino-pretty', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'],
    define: { 'import.meta.url': 'importMetaUrl' },
    inject: [importMetaUrlModule],
    plugins: [lazyHttp2],
    banner: { js: BUILD_ID_LINE(BUILD_ID_PLACEHOLDER) },
    sourcemap: 'linked',
    ...MINIFY,
  });
} finally {
  rmSync(injectDir, { recursive: true, force: true });
}
const bundled = readFileSync(BUNDLE, 'latin1');
const buildId = createHash('sha256').update(bundled).digest('hex').slice(0, BUILD_ID_PLACEHOLDER.length);
writeFileSync(BUNDLE, bundled.replace(BUILD_ID_LINE(BUILD_ID_PLACEHOLDER), BUILD_ID_LINE(buildId)), 'latin1');

await build({
  entryPoints: [path.join(ROOT, 'src/cli-loader.ts')],
  outfile: LOADER,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  ...MINIFY,
});

await writeCodeCache();

/** Starts the new CLI once, asks it for the service content, and stops it: it writes the cache as it exits. */
async function writeCodeCache(): Promise<void> {
  // The builder's own settings stay out: VTASK_* (a state or trace file the warm-up must not
  // touch, a config that may not start), and NODE_OPTIONS (V8 flags, which would make a cache
  // that a start without them refuses, or --enable-source-maps, under which the loader skips it).
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VTASK_') && name !== 'NODE_OPTIONS'));
  // At the default log level, so the cache holds pino's code too; the log (on stderr, as with
  // --port 0) is shown only if the warm-up fails.
  const child = spawn(process.execPath, [LOADER, '--port', '0'], {
    cwd: ROOT,
    env: { ...env, VTASK_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (log.length < 64 * 1024) log += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const giveUp = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    // With --port 0 the first stdout line is the SDK URL.
    const firstLine = once(createInterface({ input: child.stdout }), 'line') as Promise<[string]>;
    const [url] = await Promise.race([
      firstLine,
      exited.then((code) => Promise.reject(new Error(`the warm-up start of ${LOADER} exited (${code}) before printing its URL`))),
    ]);
    await retrieveServiceContent(url);
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the warm-up start of ${LOADER} exited with ${code} on SIGTERM`);
    if (statSync(CACHE, { throwIfNoEntry: false }) === undefined) throw new Error(`the warm-up start wrote no ${CACHE}`);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(CACHE, { force: true });
    process.stderr.write(log);
    throw error;
  } finally {
    clearTimeout(giveUp);
  }
}

function retrieveServiceContent(url: string): Promise<void> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>';
  return new Promise((resolve, reject) => {
    // The warm-up start serves HTTPS (the default) with its own self-signed certificate.
    const send = url.startsWith('https:') ? https.request : http.request;
    const request = send(
      url,
      { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/8.0.2.0' } },
      (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`the warm-up request got HTTP ${response.statusCode}`))));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
