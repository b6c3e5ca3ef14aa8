// Runs the bundled CLI (dist/src/cli.bundle.cjs, made by scripts/bundle.ts) with V8's code cache
// for it, made at build time by one start that answered a first request. With the cache, V8
// skips parsing and compiling every function that start ran: about 30 ms of a 230 ms start
// (docs/performance.md, "Start-up"). Without a cache, or with one V8 refuses (another node
// version, or V8 flags), the bundle compiles as usual.
//
// The cache is trusted only beside the bundle it was made from: V8 itself checks the source's
// length, not its text, so the cache file starts with the bundle's build id (its first line).

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The bundle's first line: `/* vtask-build <id> *\/`, written by scripts/bundle.ts. */
const BUILD_ID = /^\/\* vtask-build (\S+) \*\//;

/** How the cache file begins: the build id, then a newline, then V8's data. */
function cacheHeader(buildId: string): Buffer {
  return Buffer.from(`vtask-code-cache ${buildId}\n`, 'latin1');
}

export interface LoadedBundle {
  /** Whether V8 took the cache: false when there was none, it was for another build, or V8 refused it. */
  readonly cacheUsed: boolean;
  /** Runs the bundle's top level, as node would run a CommonJS module. */
  run(): void;
  /** V8's code cache for everything compiled so far, with this build's header. */
  cacheData(): Buffer;
}

/** Compiles `bundleFile` with `cacheFile` when that cache belongs to this build. */
export function loadBundle(bundleFile: string, cacheFile: string): LoadedBundle {
  // esbuild writes ASCII only, so latin1 is exact, and faster to decode than UTF-8.
  const source = readFileSync(bundleFile, 'latin1');
  const buildId = BUILD_ID.exec(source)?.[1] ?? '';
  const header = cacheHeader(buildId);
  const cachedData = buildId ? readCache(cacheFile, header) : undefined;
  // The wrapper node itself puts around a CommonJS module.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundleFile,
    cachedData,
  });
  return {
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    run() {
      const module = { exports: {} };
      const main = script.runInThisContext() as (...args: unknown[]) => void;
      main(module.exports, createRequire(bundleFile), module, bundleFile, path.dirname(bundleFile));
    },
    cacheData: () => Buffer.concat([header, script.createCachedData()]),
  };
}

function readCache(cacheFile: string, header: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
}

/** Where the CLI's loader finds the bundle and its cache: beside itself, in dist/src/. */
export function bundleFiles(loaderUrl: string): { bundle: string; cache: string } {
  const dir = path.dirname(fileURLToPath(loaderUrl));
  return { bundle: path.join(dir, 'cli.bundle.cjs'), cache: path.join(dir, 'cli.bundle.cache') };
}

/** Writes the cache when this process exits: scripts/bundle.ts asks for it, through the environment, after one warm-up start. */
export function writeCacheAtExit(bundle: LoadedBundle, cacheFile: string): void {
  process.once('exit', () => writeFileSync(cacheFile, bundle.cacheData()));
}
