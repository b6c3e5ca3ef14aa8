// The generated vim25 types: the committed file is what the generator writes from wsdl/ today,
// the generator maps each XML Schema construct as designed, and (checked by tsc, which
// type-checks this file) the generated types fit the runtime value model in data.ts.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { GENERATED_PATH, generateTypes, type TypeSource } from '../../scripts/gen-types-lib.js';
import { loadSchema, type ComplexTypeDef, type FieldDef, type OperationDef } from '../../src/soap/schema.js';
import type { DataObject, ManagedObjectReference, VimValue } from '../../src/vim/data.js';
import {
  OPERATION_MANAGED_TYPES,
  type ArrayOfLong,
  type CancelTaskArgs,
  type CreateTaskArgs,
  type DynamicProperty,
  type FileTooLarge,
  type InvalidState,
  type LocalizedMethodFault,
  type MethodFault,
  type OperationArgs,
  type OperationResults,
  type SetTaskStateArgs,
  type TaskInfo,
  type TaskInfoState,
  type TaskReason,
} from '../../src/vim/vim-types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the committed file', () => {
  const schema = loadSchema(path.join(ROOT, 'wsdl/vim.wsdl'));

  test('is what the generator writes from wsdl/vim.wsdl (run npm run gen:types when this fails)', () => {
    expect(readFileSync(path.join(ROOT, GENERATED_PATH), 'utf8')).toBe(generateTypes(schema));
  });

  test('OPERATION_MANAGED_TYPES is frozen and names the managed type of every operation', () => {
    expect(Object.isFrozen(OPERATION_MANAGED_TYPES)).toBe(true);
    const fromWsdl = Object.fromEntries([...schema.operations.values()].map((op) => [op.name, op.managedType]));
    expect({ ...OPERATION_MANAGED_TYPES }).toEqual(fromWsdl);
  });

  test('gen-types.ts --check accepts the committed file', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-types.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${GENERATED_PATH} is current`);
  });
});

// A hand-built schema, so that each mapping rule is seen on its own.
const field = (name: string, type: string, optional = false, array = false): FieldDef => ({ name, type, optional, array });

function source(
  types: readonly { name: string; base?: string; own?: readonly FieldDef[]; arrayItem?: FieldDef }[],
  enums: Record<string, readonly string[]> = {},
  operations: readonly OperationDef[] = [],
): TypeSource {
  const complexTypes = new Map<string, ComplexTypeDef>();
  const resolve = (name: string): readonly FieldDef[] => {
    const entry = types.find((t) => t.name === name)!;
    return [...(entry.base ? resolve(entry.base) : []), ...(entry.own ?? [])];
  };
  for (const t of types) {
    const fields = t.arrayItem ? [t.arrayItem] : resolve(t.name);
    complexTypes.set(t.name, {
      name: t.name,
      base: t.base,
      ownFields: t.own ?? [],
      fields,
      fieldByName: new Map(fields.map((f) => [f.name, f])),
      arrayItem: t.arrayItem,
    });
  }
  return {
    complexTypes,
    enums: new Map(Object.entries(enums).map(([name, values]) => [name, new Set(values)])),
    operations: new Map(operations.map((op) => [op.name, op])),
  };
}

const op = (name: string, params: readonly FieldDef[], result?: FieldDef, managedType = 'Thing'): OperationDef => ({
  name,
  managedType,
  privilege: undefined,
  params,
  result,
  faults: [],
});

/** The body of one generated `export type Name = ...;` declaration. */
function declaration(text: string, name: string): string {
  const match = new RegExp(`^export type ${name} = ([^;\\n]*|\\{\\n[\\s\\S]*?\\n\\});$`, 'm').exec(text);
  if (!match) throw new Error(`no declaration of ${name} in:\n${text}`);
  return match[1];
}

describe('generateTypes', () => {
  test('maps each XML Schema primitive, references, enums, arrays and optional fields', () => {
    const text = generateTypes(
      source(
        [
          { name: 'DynamicData' },
          { name: 'ManagedObjectReference' },
          {
            name: 'Sample',
            base: 'DynamicData',
            own: [
              field('s', 'xsd:string'),
              field('when', 'xsd:dateTime'),
              field('uri', 'xsd:anyURI'),
              field('bytes', 'xsd:base64Binary'),
              field('i', 'xsd:int'),
              field('sh', 'xsd:short'),
              field('b', 'xsd:byte'),
              field('f', 'xsd:float'),
              field('d', 'xsd:double'),
              field('l', 'xsd:long'),
              field('yes', 'xsd:boolean'),
              field('any', 'xsd:anyType'),
              field('ref', 'ManagedObjectReference'),
              field('state', 'Colour'),
              field('many', 'xsd:long', true, true),
              field('maybe', 'Sample', true),
              field('wrapped', 'ArrayOfString'),
            ],
          },
          { name: 'ArrayOfString', arrayItem: field('string', 'xsd:string', true, true) },
          { name: 'ArrayOfArrayOfString', arrayItem: field('ArrayOfString', 'ArrayOfString', true, true) },
        ],
        { Colour: ['red', "it's"] },
      ),
    );
    expect(declaration(text, 'Sample').split('\n')).toEqual([
      '{',
      '  readonly _type: string;',
      '  readonly s: string;',
      '  readonly when: string;',
      '  readonly uri: string;',
      '  readonly bytes: string;',
      '  readonly i: number;',
      '  readonly sh: number;',
      '  readonly b: number;',
      '  readonly f: number;',
      '  readonly d: number;',
      '  readonly l: number | string;',
      '  readonly yes: boolean;',
      '  readonly any: VimValue;',
      '  readonly ref: ManagedObjectReference;',
      '  readonly state: Colour;',
      '  readonly many?: readonly (number | string)[] | undefined;',
      '  readonly maybe?: Sample | undefined;',
      '  readonly wrapped: readonly string[];',
      '}',
    ]);
    expect(declaration(text, 'Colour')).toBe(`'red' | 'it\\'s'`);
    expect(declaration(text, 'ArrayOfString')).toBe('readonly string[]');
    expect(declaration(text, 'ArrayOfArrayOfString')).toBe('readonly (readonly string[])[]');
    expect(declaration(text, 'DynamicData')).toBe('{\n  readonly _type: string;\n}');
    expect(text).toContain(`import type { ManagedObjectReference, VimValue } from './data.js';`);
    expect(text).not.toMatch(/^export type ManagedObjectReference\b/m);
  });

  test('flattens inherited fields in, inherited first', () => {
    const text = generateTypes(
      source([
        { name: 'Base', own: [field('a', 'xsd:int')] },
        { name: 'Middle', base: 'Base', own: [field('b', 'xsd:int')] },
        { name: 'Leaf', base: 'Middle', own: [field('c', 'xsd:int')] },
      ]),
    );
    expect(declaration(text, 'Leaf')).toBe('{\n  readonly _type: string;\n  readonly a: number;\n  readonly b: number;\n  readonly c: number;\n}');
  });

  test('operations: arguments without _this, results (void when none), managed types; request types are not data objects', () => {
    const text = generateTypes(
      source(
        [
          { name: 'Info', own: [field('n', 'xsd:int')] },
          { name: 'PokeRequestType', own: [field('_this', 'ManagedObjectReference'), field('hard', 'xsd:boolean', true)] },
          { name: 'ListRequestType', own: [field('_this', 'ManagedObjectReference')] },
          { name: 'ManagedObjectReference' },
        ],
        {},
        [
          op('Poke', [field('_this', 'ManagedObjectReference'), field('hard', 'xsd:boolean', true)], undefined, 'Gadget'),
          op('List', [], field('returnval', 'Info', true, true)),
          op('Find', [field('key', 'xsd:string')], field('returnval', 'Info', true)),
        ],
      ),
    );
    expect(declaration(text, 'PokeArgs')).toBe('{\n  readonly hard?: boolean | undefined;\n}');
    expect(declaration(text, 'ListArgs')).toBe('{ readonly [param: string]: never }');
    expect(text).not.toContain('RequestType');
    expect(text).toContain('export interface OperationArgs {\n  Find: FindArgs;\n  List: ListArgs;\n  Poke: PokeArgs;\n}');
    expect(text).toContain('export interface OperationResults {\n  Find: Info | undefined;\n  List: readonly Info[] | undefined;\n  Poke: void;\n}');
    expect(text).toContain("export const OPERATION_MANAGED_TYPES = Object.freeze({\n  Find: 'Thing',\n  List: 'Thing',\n  Poke: 'Gadget',\n} as const);");
  });

  test('output is sorted, whatever order the schema lists things in', () => {
    const types = [{ name: 'Zeta' }, { name: 'Alpha' }, { name: 'Mid' }];
    const enums = { Zed: ['b', 'a'], Abc: ['x'] };
    const forward = generateTypes(source(types, enums, [op('Zap', []), op('Ask', [])]));
    const backward = generateTypes(source([...types].reverse(), { Abc: ['x'], Zed: ['b', 'a'] }, [op('Ask', []), op('Zap', [])]));
    expect(backward).toBe(forward);
    const order = [...forward.matchAll(/^export type (\w+)/gm)].map((m) => m[1]);
    expect(order).toEqual(['Abc', 'Zed', 'Alpha', 'Mid', 'Zeta', 'AskArgs', 'ZapArgs']);
    // Enum values keep the WSDL's order: it is the order of the reference documentation.
    expect(declaration(forward, 'Zed')).toBe(`'b' | 'a'`);
  });

  test('refuses unknown types and names it cannot declare once', () => {
    expect(() => generateTypes(source([{ name: 'A', own: [field('x', 'Nowhere')] }]))).toThrow(/unknown type Nowhere/);
    expect(() => generateTypes(source([{ name: 'PokeArgs' }], {}, [op('Poke', [])]))).toThrow(/PokeArgs is declared twice/);
    expect(() => generateTypes(source([{ name: 'Same' }], { Same: ['a'] }))).toThrow(/Same is declared twice/);
    expect(() => generateTypes(source([{ name: 'VimValue' }]))).toThrow(/VimValue is declared twice/);
    expect(() => generateTypes(source([{ name: 'A', own: [field('_type', 'xsd:string')] }]))).toThrow(/_type/);
  });
});

// Type-level checks: vitest runs these as no-ops, `npx tsc -p tsconfig.check.json` checks them.
test('the generated types fit the runtime value model and keep the WSDL mapping', () => {
  // Every data object, fault and result is a VimValue; every argument bag holds VimValues.
  expectTypeOf<TaskInfo>().toExtend<DataObject>();
  expectTypeOf<InvalidState>().toExtend<DataObject>();
  expectTypeOf<LocalizedMethodFault>().toExtend<DataObject>();
  // biome-ignore lint/suspicious/noConfusingVoidType: OperationResults says void for operations that return nothing
  expectTypeOf<Exclude<OperationResults[keyof OperationResults], void | undefined>>().toExtend<VimValue>();
  expectTypeOf<OperationArgs[keyof OperationArgs]>().toExtend<Readonly<Record<string, VimValue | undefined>>>();

  // Enums are string literal unions; arguments are typed and carry no _this.
  expectTypeOf<TaskInfoState>().toEqualTypeOf<'queued' | 'running' | 'success' | 'error'>();
  expectTypeOf<SetTaskStateArgs['state']>().toEqualTypeOf<TaskInfoState>();
  expectTypeOf<SetTaskStateArgs['result']>().toEqualTypeOf<VimValue | undefined>();
  expectTypeOf<CreateTaskArgs>().not.toHaveProperty('_this');
  expectTypeOf<CreateTaskArgs['obj']>().toEqualTypeOf<ManagedObjectReference>();
  expectTypeOf<OperationArgs['CreateTask']>().toEqualTypeOf<CreateTaskArgs>();
  expectTypeOf<CancelTaskArgs>().toExtend<Readonly<Record<string, never>>>();

  // Fields: required, optional, readonly, arrays, primitives, anyType; inherited fields flattened.
  expectTypeOf<Pick<TaskInfo, 'key' | 'name' | 'locked'>>().toEqualTypeOf<{
    readonly key: string;
    readonly name?: string | undefined;
    readonly locked?: readonly ManagedObjectReference[] | undefined;
  }>();
  expectTypeOf<TaskInfo['queueTime']>().toEqualTypeOf<string>();
  expectTypeOf<TaskInfo['eventChainId']>().toEqualTypeOf<number>();
  expectTypeOf<TaskInfo['cancelable']>().toEqualTypeOf<boolean>();
  expectTypeOf<TaskInfo['reason']>().toEqualTypeOf<TaskReason>();
  expectTypeOf<FileTooLarge['fileSize']>().toEqualTypeOf<number | string>();
  expectTypeOf<ArrayOfLong>().toEqualTypeOf<readonly (number | string)[]>();
  expectTypeOf<DynamicProperty['val']>().toEqualTypeOf<VimValue>();
  expectTypeOf<InvalidState['faultCause']>().toEqualTypeOf<MethodFault['faultCause']>();
  expectTypeOf<LocalizedMethodFault['fault']>().toEqualTypeOf<MethodFault>();
  // A subtype's value fits a field of its base type (_type is a plain string).
  expectTypeOf<InvalidState>().toExtend<MethodFault>();

  // Results: void when the response is empty; optional results may be undefined.
  expectTypeOf<OperationResults['SetTaskState']>().toEqualTypeOf<void>();
  expectTypeOf<OperationResults['CreateTask']>().toEqualTypeOf<TaskInfo>();
  expectTypeOf<OperationResults['ReadNextTasks']>().toEqualTypeOf<readonly TaskInfo[] | undefined>();
  expectTypeOf<OperationResults['CurrentTime']>().toEqualTypeOf<string>();
  expectTypeOf(OPERATION_MANAGED_TYPES.CreateTask).toEqualTypeOf<'TaskManager'>();
  expectTypeOf<keyof typeof OPERATION_MANAGED_TYPES>().toEqualTypeOf<keyof OperationArgs>();
  expectTypeOf<keyof OperationResults>().toEqualTypeOf<keyof OperationArgs>();
});
