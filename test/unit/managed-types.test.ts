// wsdl/ is generated (scripts/gen-wsdl.py from Debian's pyVmomi metadata) and committed: the
// committed files must be what the generator writes now, managed-types.json included; and the
// server's reader of managed-types.json refuses a document of the wrong shape.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadManagedTypes, parseManagedTypes } from '../../src/soap/managed-types.js';
import { wsdlDirectory } from '../../src/soap/schema.js';
import { ROOT } from '../helpers/emulator.js';

describe('wsdl/ and managed-types.json', () => {
  test('gen-wsdl.py writes exactly the committed wsdl/ files', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'vtask-wsdl-'));
    try {
      execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/gen-wsdl.py'), '--out-dir', out], { stdio: 'pipe' });
      for (const file of ['vim.wsdl', 'vimService.wsdl', 'managed-types.json']) {
        expect(readFileSync(path.join(out, file), 'utf8') === readFileSync(path.join(ROOT, 'wsdl', file), 'utf8'), `${file} is current`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  test('the committed table has the managers ServiceContent names, with their properties', () => {
    const types = loadManagedTypes(wsdlDirectory());
    expect(types.get('eventManager')).toEqual({
      type: 'EventManager',
      typeChain: ['EventManager', 'ManagedObject'],
      properties: [
        { name: 'description', type: 'EventDescription', optional: false },
        { name: 'latestEvent', type: 'Event', optional: true },
        { name: 'maxCollector', type: 'xsd:int', optional: false },
      ],
    });
    expect(types.get('rootFolder')?.typeChain).toEqual(['Folder', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject']);
    expect(types.get('viewManager')?.properties).toEqual([{ name: 'viewList', type: 'ArrayOfManagedObjectReference', optional: true }]);
  });

  test('a document of the wrong shape is refused, saying where', () => {
    expect(() => parseManagedTypes('{}', 'f.json')).toThrow('f.json: no serviceContent object');
    expect(() => parseManagedTypes('{"serviceContent": {"x": {"type": "T"}}}', 'f.json')).toThrow('serviceContent.x: expected {type, typeChain, properties}');
    expect(() => parseManagedTypes('{"serviceContent": {"x": {"type": "T", "typeChain": ["T"], "properties": [{"name": 1}]}}}', 'f.json')).toThrow(
      'serviceContent.x.properties[0]',
    );
  });
});
