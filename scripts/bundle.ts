// The last build step: replaces dist/src/cli.js (tsc's output) with one file holding the CLI,
// the server and the npm packages it loads at start (fastify and its dependencies). A start then
// reads one file instead of resolving and compiling some 250 modules: about a third of the CPU
// a start took (docs/performance.md, "Start-up"). The rest of dist/src stays as tsc wrote it,
// for code that imports the package ('vtask-emulator' is dist/src/index.js) and for the
// health check.
//
// Left out of the bundle, and loaded from node_modules when needed: pino (only with logging on,
// and its pretty-printing transport starts a worker from a file inside the pino package),
// pino-pretty (a dev dependency), and what fastify requires only on paths the CLI never takes
// (its default schema compilers, which app.ts replaces, and light-my-request for inject()):
// bundled, those were 600 kB of source kept in memory for nothing. Anything loaded through
// createRequire (Ajv for the control API, YAML) is resolved at run time anyway.
//
// Whitespace and syntax are minified (names are kept, so stack traces still name functions):
// the source V8 holds shrinks from 1.6 MB to 0.6 MB, about 3 MB less RSS. For file and line
// numbers in a stack trace, run `node --enable-source-maps dist/src/cli.js` (cli.js.map).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Self-contained (no import from scripts/), so the Dockerfile copies this one file.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const outfile = path.join(ROOT, 'dist/src/cli.js');

await build({
  entryPoints: [path.join(ROOT, 'src/cli.ts')],
  outfile,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['pino', 'pino-pretty', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'],
  // The packages are CommonJS, and require node's built-ins: an ES module has no `require`.
  banner: { js: "import { createRequire as vtaskCreateRequire } from 'node:module';\nconst require = vtaskCreateRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
