// The bookkeeping behind the state limits (src/vim/limits.ts): what a session holds is counted
// per session and given back, the waiting calls per server, and strings are measured in UTF-8
// wherever they sit in an argument.

import { describe, expect, test } from 'vitest';
import { ManagedObjectReference, TypedValue } from '../../src/vim/data.js';
import { LimitExceeded } from '../../src/vim/faults.js';
import { checkStringSizes, CollectorUsage, DEFAULT_STATE_LIMITS } from '../../src/vim/limits.js';
import type { Session } from '../../src/vim/session.js';
import { testSession } from '../helpers/sessions.js';

const session = (key: string): Session => testSession(key);

function limitOf(run: () => void): { property: unknown; limit: unknown } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LimitExceeded);
    const fields = (error as LimitExceeded).fields;
    return { property: fields.property, limit: fields.limit };
  }
  throw new Error('no LimitExceeded');
}

describe('CollectorUsage', () => {
  test('filters, collectors and tokens are counted per session and given back', () => {
    const usage = new CollectorUsage({ ...DEFAULT_STATE_LIMITS, maxFiltersPerSession: 2, maxCollectorsPerSession: 1, maxRetrieveTokens: 1 });
    const a = session('a');
    const b = session('b');
    usage.addFilter(a);
    usage.addFilter(a);
    expect(limitOf(() => usage.addFilter(a))).toEqual({ property: 'maxFiltersPerSession', limit: 2 });
    usage.addFilter(b);
    usage.removeFilter(a);
    usage.addFilter(a);
    usage.addCollector(a);
    expect(limitOf(() => usage.addCollector(a))).toEqual({ property: 'maxCollectorsPerSession', limit: 1 });
    usage.addToken(a);
    expect(limitOf(() => usage.addToken(a))).toEqual({ property: 'maxRetrieveTokens', limit: 1 });
    usage.removeToken(a);
    usage.addToken(a);
    // Giving back more than was taken never makes room beyond the limit.
    usage.removeCollector(b);
    usage.removeCollector(b);
    usage.addCollector(b);
    expect(() => usage.addCollector(b)).toThrow(LimitExceeded);
  });

  test('waiting calls are counted for the whole server', () => {
    const usage = new CollectorUsage({ ...DEFAULT_STATE_LIMITS, maxWaiters: 2 });
    usage.beginWait();
    usage.beginWait();
    expect(limitOf(() => usage.beginWait())).toEqual({ property: 'maxWaiters', limit: 2 });
    usage.endWait();
    usage.beginWait();
    expect(usage.waiters).toBe(2);
  });
});

describe('checkStringSizes', () => {
  test('measures UTF-8 bytes in strings, data objects, arrays, typed values and references, and names where', () => {
    expect(() => checkStringSizes({ s: 'é'.repeat(5) }, 10)).not.toThrow();
    expect(() => checkStringSizes({ s: `${'é'.repeat(5)}a` }, 10)).toThrow(/The string s is longer/);
    expect(() => checkStringSizes({ d: { _type: 'LocalizableMessage', key: 'k', message: 'x'.repeat(11) } }, 10)).toThrow(/d\.message/);
    expect(() => checkStringSizes({ a: ['ok', 'x'.repeat(11)] }, 10)).toThrow(/a\[1\]/);
    expect(() => checkStringSizes({ t: new TypedValue('xsd:string', 'x'.repeat(11)) }, 10)).toThrow(LimitExceeded);
    expect(() => checkStringSizes({ r: new ManagedObjectReference('Task', 'x'.repeat(11)) }, 10)).toThrow(/r\.value/);
    expect(() => checkStringSizes({ n: 12345678901, b: true, u: undefined }, 1)).not.toThrow();
  });
});
