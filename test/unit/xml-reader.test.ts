import { describe, expect, test } from 'vitest';
import { attribute, parseXml, XSI_NS, XmlSyntaxError } from '../../src/soap/xml-reader.js';

describe('xml-reader', () => {
  test('resolves namespaces whatever the prefix, including xsi:type under another prefix', () => {
    const root = parseXml('<a xmlns="urn:x" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><b i:type="xsd:int" type="Task">1</b></a>');
    expect(root.ns).toBe('urn:x');
    const b = root.children[0];
    expect(b.ns).toBe('urn:x');
    expect(attribute(b, XSI_NS, 'type')).toBe('xsd:int');
    expect(attribute(b, '', 'type')).toBe('Task');
  });

  test('decodes the predefined entities, character references and CDATA', () => {
    const root = parseXml('<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;<![CDATA[<raw>&amp;]]></a>');
    expect(root.text).toBe('<>&"\'AB<raw>&amp;');
  });

  test.each([
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['an undeclared entity', '<a>&x;</a>'],
    ['a mismatched end tag', '<a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', 'x<a/>'],
    ['an undeclared prefix', '<p:a/>'],
    ['an unquoted attribute', '<a b=c/>'],
    ['a duplicate attribute', '<a b="1" b="2"/>'],
    ['an empty document', ''],
    ['a control character reference', '<a>&#1;</a>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow(XmlSyntaxError);
  });

  test('bounds depth and element count before doing more work', () => {
    const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
    expect(() => parseXml(deep, { maxDepth: 64, maxElements: 1000 })).toThrow(/nesting deeper than 64/);
    const wide = `<a>${'<b/>'.repeat(2000)}</a>`;
    expect(() => parseXml(wide, { maxDepth: 64, maxElements: 1000 })).toThrow(/more than 1000 elements/);
  });

  test('is linear on large flat input', () => {
    const big = `<a>${'<b x="1">text</b>'.repeat(50_000)}</a>`;
    const started = performance.now();
    expect(parseXml(big, { maxDepth: 64, maxElements: 100_000 }).children).toHaveLength(50_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
