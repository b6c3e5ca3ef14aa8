#!/usr/bin/env node
// The installed `vtask-emulator` (dist/src/cli.js, `npm start`): scripts/bundle.ts builds this file
// there. It runs the CLI (src/cli.ts) from one bundled file with V8's code cache for it, which
// starts faster than node loading a few hundred modules (docs/performance.md, "Start-up").

import { bundleFiles, loadBundle, writeCacheAtExit } from './server/code-cache.js';

const files = bundleFiles(import.meta.url);
const bundle = loadBundle(files.bundle, files.cache, import.meta.url);
// Only scripts/bundle.ts sets this, for the one warm-up start that makes the cache.
if (process.env.VTASK_WRITE_CODE_CACHE === '1') writeCacheAtExit(bundle, files.cache);
bundle.run();
