// wsdl/vim-schema.json: the server builds its type system from these tables instead of parsing
// the WSDL at every start, so they must be exactly what the WSDL compiles to, and build exactly
// the schema the WSDL parse builds.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  formatTables,
  loadCompiledSchema,
  loadSchema,
  readWsdlTables,
  SCHEMA_TABLES_FILE,
  schemaFromTables,
  schemaFromTablesText,
  wsdlDirectory,
} from '../../src/soap/schema.js';

const wsdl = path.join(wsdlDirectory(), 'vim.wsdl');

describe('the committed tables', () => {
  test('are what the generator writes from wsdl/vim.wsdl (run npm run gen:schema when this fails)', () => {
    const wanted = formatTables(readWsdlTables(readFileSync(wsdl, 'utf8'), wsdl));
    expect(readFileSync(path.join(wsdlDirectory(), SCHEMA_TABLES_FILE), 'utf8')).toBe(wanted);
  });

  test('build the same type system and operation table as parsing the WSDL', () => {
    const parsed = loadSchema(wsdl);
    const compiled = loadCompiledSchema();
    expect(compiled.complexTypes.size).toBeGreaterThan(100);
    expect([...compiled.complexTypes.keys()]).toEqual([...parsed.complexTypes.keys()]);
    expect(compiled.complexTypes).toEqual(parsed.complexTypes);
    expect(compiled.enums).toEqual(parsed.enums);
    expect(compiled.operations).toEqual(parsed.operations);
    expect(compiled.operations.get('CreateTask')).toMatchObject({ managedType: 'TaskManager', result: { name: 'returnval', type: 'TaskInfo' } });
    expect(compiled.arrayTypeOf('TaskInfo')).toBe('ArrayOfTaskInfo');
  });

  test('gen-schema.ts --check accepts the committed file', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-schema.ts', '--check'], {
      cwd: path.resolve(wsdlDirectory(), '..'),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${SCHEMA_TABLES_FILE} is current`);
  });
});

test('tables of an unknown format, or naming a missing request type, are refused', () => {
  const tables = readWsdlTables(readFileSync(wsdl, 'utf8'), wsdl);
  expect(() => schemaFromTables({ ...tables, format: 1 as unknown as 2 })).toThrow(/unknown format 1.*gen:schema/);
  expect(() => schemaFromTables({ ...tables, operations: [['Poke', 'Thing', null, 'NoSuchRequestType', null, []]] })).toThrow(
    /Poke has no request type NoSuchRequestType/,
  );
});

test('a tables file in another layout (one JSON line, CRLF) builds the same schema as the line-by-line reading', () => {
  const text = readFileSync(path.join(wsdlDirectory(), SCHEMA_TABLES_FILE), 'utf8');
  const lineByLine = schemaFromTablesText(text);
  for (const other of [JSON.stringify(JSON.parse(text)), text.replaceAll('\n', '\r\n')]) {
    const schema = schemaFromTablesText(other);
    expect([...schema.complexTypes.keys()]).toEqual([...lineByLine.complexTypes.keys()]);
    expect(schema.complexTypes).toEqual(lineByLine.complexTypes);
    expect(schema.enums).toEqual(lineByLine.enums);
    expect(schema.operations).toEqual(lineByLine.operations);
    expect(schema.arrayTypeOf('ManagedObjectReference')).toBe('ArrayOfManagedObjectReference');
  }
});

test('a type whose line is broken is refused by name when it is first used', () => {
  const text = readFileSync(path.join(wsdlDirectory(), SCHEMA_TABLES_FILE), 'utf8');
  const broken = text.replace(/^ {4}\["AboutInfo",.*$/m, '    ["AboutInfo",null,[["name"');
  const schema = schemaFromTablesText(broken);
  expect(schema.complexTypes.has('AboutInfo')).toBe(true);
  expect(() => schema.complexTypes.get('AboutInfo')).toThrow(/the line for AboutInfo is not valid JSON/);
});
