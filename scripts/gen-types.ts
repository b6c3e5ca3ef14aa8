// Writes src/vim/vim-types.ts from wsdl/vim.wsdl, read with the server's own loader:
//
//   npx tsx scripts/gen-types.ts           (npm run gen:types) rewrite the file
//   npx tsx scripts/gen-types.ts --check   exit 1 when the committed file is not current

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema } from '../src/soap/schema.js';
import { GENERATED_PATH, generateTypes } from './gen-types-lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.filter((a) => a !== '--check');
if (unknown.length) {
  console.error(`gen-types: unknown argument ${unknown.join(' ')}; usage: gen-types.ts [--check]`);
  process.exit(2);
}

const target = path.join(ROOT, GENERATED_PATH);
const wanted = generateTypes(loadSchema(path.join(ROOT, 'wsdl/vim.wsdl')));
if (check) {
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== wanted) {
    const why = current === undefined ? 'is missing' : 'differs from what the generator writes from wsdl/vim.wsdl';
    console.error(`gen-types: ${GENERATED_PATH} ${why}; run npm run gen:types and commit the result`);
    process.exit(1);
  }
  console.log(`gen-types: ${GENERATED_PATH} is current`);
} else {
  writeFileSync(target, wanted);
  console.log(`gen-types: wrote ${GENERATED_PATH} (${Buffer.byteLength(wanted)} bytes)`);
}
