// The package as others consume it: built once by npm ci (prepare), started without compiling,
// and importable as 'vtask-emulator' with type declarations.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';

const pkg: { scripts: Record<string, string>; exports: Record<string, unknown>; types: string; main: string; files: string[] } = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
);
const tsconfig: { compilerOptions: { declaration: boolean; outDir: string } } = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));

test('npm ci builds (prepare); npm start runs the built CLI and compiles nothing', () => {
  expect(pkg.scripts.prepare).toMatch(/npm run build/);
  // The server, the Recent Tasks page (ui/), then the CLI bundled into one file: all built once, by npm ci.
  expect(pkg.scripts.build).toBe('tsc -p tsconfig.json && npm run build:ui --silent && npm run bundle --silent');
  expect(pkg.scripts.bundle).toBe('tsx scripts/bundle.ts');
  expect(pkg.scripts['build:ui']).toMatch(/^tsc -p ui\/tsconfig\.json && cp /);
  expect(pkg.scripts.start).toBe('node dist/src/cli.js');
});

test("exports '.' (types first) and the types field name the built entry point and its declarations", () => {
  expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', import: './dist/src/index.js', default: './dist/src/index.js' });
  expect(Object.keys(pkg.exports['.'] as object)[0]).toBe('types');
  expect(pkg.types).toBe('./dist/src/index.d.ts');
  expect(pkg.main).toBe('./dist/src/index.js');
  expect(tsconfig.compilerOptions.declaration).toBe(true);
  expect(tsconfig.compilerOptions.outDir).toBe('dist');
  expect(pkg.files).toContain('dist/src');
  expect(pkg.files).toContain('wsdl');
});
