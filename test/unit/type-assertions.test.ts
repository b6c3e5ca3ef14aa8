// Issue 11's line: type assertions (`x as T`, not `as const`) in src/ stay under 40, so methods
// take the WSDL's types instead of casting raw argument bags. The count is read from the
// TypeScript syntax tree, so a comment or string containing " as " is not counted.

import path from 'node:path';
import { expect, test } from 'vitest';
import { typeAssertions } from '../../scripts/count-assertions.js';
import { ROOT } from '../helpers/emulator.js';

test('src/ has fewer than 40 type assertions', () => {
  const found = typeAssertions(path.join(ROOT, 'src'));
  expect(found.length, found.map((a) => `${a.file}:${a.line} ${a.text}`).join('\n')).toBeLessThan(40);
});

test('the counter sees assertions and skips `as const`', () => {
  const found = typeAssertions(path.join(ROOT, 'test/unit/fixtures/assertions'));
  expect(found.map((a) => a.text)).toEqual(['value as string', '<number>other']);
});
