// What gen-schema.ts and gen-types.ts share: read `--check`, then write a generated file, or
// check the committed one is exactly what the generator writes (exit 1 and say how to fix it).

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Whether the command line asked for --check (exit 2 on anything else). */
export function checkOnly(tool: string): boolean {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) {
    console.error(`${tool}: unknown argument ${unknown.join(' ')}; usage: ${tool}.ts [--check]`);
    process.exit(2);
  }
  return args.includes('--check');
}

/** Writes `relative` (from the repository root) with `wanted`, or with `check` compares it. */
export function writeOrCheck(tool: string, relative: string, wanted: string, check: boolean, source: string): void {
  const target = path.join(ROOT, relative);
  if (!check) {
    writeFileSync(target, wanted);
    console.log(`${tool}: wrote ${relative} (${Buffer.byteLength(wanted)} bytes)`);
    return;
  }
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== wanted) {
    const why = current === undefined ? 'is missing' : `differs from what ${source} compiles to`;
    console.error(`${tool}: ${relative} ${why}; run npm run ${tool.replace('-', ':')} and commit the result`);
    process.exit(1);
  }
  console.log(`${tool}: ${relative} is current`);
}
