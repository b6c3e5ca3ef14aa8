// Writes src/vim/vim-types.ts from wsdl/vim.wsdl, read with the server's own loader:
//
//   npx tsx scripts/gen-types.ts           (npm run gen:types) rewrite the file
//   npx tsx scripts/gen-types.ts --check   exit 1 when the committed file is not current

import path from 'node:path';
import { loadSchema } from '../src/soap/schema.js';
import { GENERATED_PATH, generateTypes } from './gen-types-lib.js';
import { checkOnly, ROOT, writeOrCheck } from './generated-file.js';

const check = checkOnly('gen-types');
writeOrCheck('gen-types', GENERATED_PATH, generateTypes(loadSchema(path.join(ROOT, 'wsdl/vim.wsdl'))), check, 'wsdl/vim.wsdl');
