#!/usr/bin/env node
// The installed `vtask-emulator` (dist/src/cli.js, `npm start`): scripts/bundle.ts builds this file
// there. It runs the CLI (src/cli.ts) from one bundled file with V8's code cache for it, which
// starts faster than node loading a few hundred modules (docs/performance.md, "Start-up").

import { createRequire } from 'node:module';
import { bundleFiles, loadBundle, writeCacheAtExit } from './server/code-cache.js';

const files = bundleFiles(import.meta.url);
if (process.sourceMapsEnabled) {
  // node --enable-source-maps: node maps stack traces (cli.bundle.cjs.map) only for modules it
  // loads itself, so the bundle is required as a plain module, without the code cache.
  createRequire(import.meta.url)(files.bundle);
} else {
  const bundle = loadBundle(files.bundle, files.cache);
  // Only scripts/bundle.ts sets this, for the one warm-up start that makes the cache.
  if (process.env.VTASK_WRITE_CODE_CACHE === '1') writeCacheAtExit(bundle, files.cache);
  bundle.run();
}
