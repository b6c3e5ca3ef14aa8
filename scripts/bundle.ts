// The last build step: replaces dist/src/cli.js (tsc's output) with one file holding the CLI,
// the server and the npm packages it loads at start (fastify and its dependencies). A start then
// reads one file instead of resolving and compiling some 250 modules: about a third of the CPU
// a start took (docs/performance.md, "Start-up"). The rest of dist/src stays as tsc wrote it,
// for code that imports the package ('vtask-emulator' is dist/src/index.js) and for the
// health check.
//
// Left out of the bundle, and loaded from node_modules when needed: pino (only with logging on,
// and its pretty-printing transport starts a worker from a file inside the pino package), and
// pino-pretty (a dev dependency). Anything loaded through createRequire (Ajv for the control
// API, YAML, fastify's schema compilers) is resolved at run time anyway.

import { rmSync } from 'node:fs';
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
  external: ['pino', 'pino-pretty'],
  // The packages are CommonJS, and require node's built-ins: an ES module has no `require`.
  banner: { js: "import { createRequire as vtaskCreateRequire } from 'node:module';\nconst require = vtaskCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
// tsc's map describes the file this replaced.
rmSync(`${outfile}.map`, { force: true });
