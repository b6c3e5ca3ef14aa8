// Issue 14, row 1: attributes are bounded per element and per document, and every check on them
// is linear, so no document makes the reader do more than one pass over it.

import { describe, expect, test } from 'vitest';
import { DEFAULT_XML_LIMITS, parseXml, XmlSyntaxError } from '../../src/soap/xml-reader.js';

const NO_ATTRIBUTE_LIMITS = { maxDepth: 64, maxElements: 100_000 };

function attributes(count: number, from = 0): string {
  let out = '';
  for (let i = from; i < from + count; i++) out += ` a${i}="${i}"`;
  return out;
}

/** Runs parse and returns how long it took, so a test can bound it (10x what this machine needs). */
function timed(parse: () => unknown): number {
  const started = performance.now();
  parse();
  return performance.now() - started;
}

describe('attribute limits', () => {
  test('the defaults are 256 per element and 200,000 per document', () => {
    expect(DEFAULT_XML_LIMITS).toMatchObject({ maxAttributesPerElement: 256, maxAttributes: 200_000 });
  });

  test('an element may have 256 attributes, not 257', () => {
    const root = parseXml(`<a${attributes(256)}/>`);
    expect(root.attrs).toHaveLength(256);
    expect(root.attrs[255]).toEqual({ ns: '', name: 'a255', value: '255' });
    expect(() => parseXml(`<a${attributes(257)}/>`)).toThrow(/more than 256 attributes on one element/);
  });

  test('namespace declarations count as attributes', () => {
    let declarations = '';
    for (let i = 0; i < 257; i++) declarations += ` xmlns:p${i}="urn:p${i}"`;
    expect(() => parseXml(`<a${declarations}/>`)).toThrow(/more than 256 attributes on one element/);
  });

  test('a document may have 200,000 attributes, not 200,001, and the largest is read in well under 2 s', () => {
    const children = (total: number) => {
      let out = '';
      for (let done = 0; done < total; done += 250) out += `<b${attributes(Math.min(250, total - done))}/>`;
      return out;
    };
    const largest = `<a>${children(200_000)}</a>`;
    let root: ReturnType<typeof parseXml> | undefined;
    expect(timed(() => (root = parseXml(largest)))).toBeLessThan(2000);
    expect(root!.children).toHaveLength(800);
    expect(() => parseXml(`<a x="1">${children(200_000)}</a>`)).toThrow(/more than 200000 attributes/);
  });

  test('past a limit, the reader stops at once: 160,000 attributes on one element are refused in well under 2 s', () => {
    // The attack that froze the server for 47 s.
    const hostile = `<a${attributes(160_000)}/>`;
    expect(timed(() => expect(() => parseXml(hostile)).toThrow(XmlSyntaxError))).toBeLessThan(2000);
  });
});

describe('linear attribute checks, whatever the limits', () => {
  test('duplicates are found among many attributes: the check is linear (160,000 on one element in well under 2 s)', () => {
    const many = `<a${attributes(160_000)}/>`;
    let root: ReturnType<typeof parseXml> | undefined;
    expect(timed(() => (root = parseXml(many, NO_ATTRIBUTE_LIMITS)))).toBeLessThan(2000);
    expect(root!.attrs).toHaveLength(160_000);
    expect(() => parseXml(`<a${attributes(300)} a3="again"/>`, NO_ATTRIBUTE_LIMITS)).toThrow(/duplicate attribute a3/);
    expect(() => parseXml(`<a${attributes(8)} a7="again"/>`)).toThrow(/duplicate attribute a7/);
    expect(() => parseXml(`<a${attributes(9)} a0="again"/>`)).toThrow(/duplicate attribute a0/);
    expect(() => parseXml(`<a${attributes(7)} a6="again"/>`)).toThrow(/duplicate attribute a6/);
  });

  test('namespace lookups cost the same however many prefixes the ancestors declare', () => {
    // 63 nested elements each declaring 250 prefixes, then 50,000 elements that look up a prefix
    // declared at the top: each lookup used to pass all 15,750 declarations.
    let open = '';
    let close = '';
    for (let depth = 0; depth < 63; depth++) {
      let declarations = depth === 0 ? ' xmlns:top="urn:top"' : '';
      for (let i = 0; i < 250; i++) declarations += ` xmlns:d${depth}x${i}="urn:${depth}:${i}"`;
      open += `<e${declarations}>`;
      close = `</e>${close}`;
    }
    const xml = `${open}${'<top:leaf top:v="1"/>'.repeat(50_000)}${close}`;
    let root: ReturnType<typeof parseXml> | undefined;
    expect(timed(() => (root = parseXml(xml)))).toBeLessThan(2000);
    let deepest = root!;
    while (deepest.children[0]?.name === 'e') deepest = deepest.children[0];
    expect(deepest.children).toHaveLength(50_000);
    expect(deepest.children[49_999]).toMatchObject({ ns: 'urn:top', name: 'leaf', attrs: [{ ns: 'urn:top', name: 'v', value: '1' }] });
    // With many declarations on an element, the later of 'xmlns' and 'xmlns:' still wins.
    let declarations = '';
    for (let i = 0; i < 20; i++) declarations += ` xmlns:p${i}="urn:p${i}"`;
    expect(parseXml(`<a xmlns="urn:first"${declarations} xmlns:="urn:again"/>`).ns).toBe('urn:again');
    expect(parseXml(`<p3:a${declarations}/>`).scope.get('p19')).toBe('urn:p19');
  });
});
