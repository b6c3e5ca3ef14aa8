// Compiles wsdl/vim.wsdl into wsdl/vim-schema.json, the tables the server builds its type
// system from at start (parsing the WSDL took a few hundred ms of every start):
//
//   npx tsx scripts/gen-schema.ts           (npm run gen:schema) rewrite the file
//   npx tsx scripts/gen-schema.ts --check   exit 1 when the committed file is not current

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTables, readWsdlTables, SCHEMA_TABLES_FILE } from '../src/soap/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.filter((a) => a !== '--check');
if (unknown.length) {
  console.error(`gen-schema: unknown argument ${unknown.join(' ')}; usage: gen-schema.ts [--check]`);
  process.exit(2);
}

const wsdl = path.join(ROOT, 'wsdl/vim.wsdl');
const target = path.join(ROOT, 'wsdl', SCHEMA_TABLES_FILE);
const wanted = formatTables(readWsdlTables(readFileSync(wsdl, 'utf8'), wsdl));
const relative = path.relative(ROOT, target);
if (check) {
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== wanted) {
    console.error(`gen-schema: ${relative} is not what wsdl/vim.wsdl compiles to; run npm run gen:schema`);
    process.exit(1);
  }
  console.log(`${relative} is current`);
} else {
  writeFileSync(target, wanted);
  console.log(`wrote ${relative}`);
}
