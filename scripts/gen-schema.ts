// Compiles wsdl/vim.wsdl into wsdl/vim-schema.json, the tables the server builds its type
// system from at start (parsing the WSDL took a few hundred ms of every start):
//
//   npx tsx scripts/gen-schema.ts           (npm run gen:schema) rewrite the file
//   npx tsx scripts/gen-schema.ts --check   exit 1 when the committed file is not current

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatTables, readWsdlTables, SCHEMA_TABLES_FILE } from '../src/soap/schema.js';
import { checkOnly, ROOT, writeOrCheck } from './generated-file.js';

const check = checkOnly('gen-schema');
const wsdl = path.join(ROOT, 'wsdl/vim.wsdl');
writeOrCheck('gen-schema', `wsdl/${SCHEMA_TABLES_FILE}`, formatTables(readWsdlTables(readFileSync(wsdl, 'utf8'), wsdl)), check, 'wsdl/vim.wsdl');
