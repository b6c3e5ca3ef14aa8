// The encoder on its own, against wsdl/vim.wsdl and with no server: fields in WSDL order,
// xsi:type exactly where a value's type is not its slot's, every kind of xsd:anyType value,
// arrays, escaping and reference attributes; and what the decoder reads from an anyType slot
// comes back out as it was sent.

import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Decoder } from '../../src/soap/decoder.js';
import { EncodeError, Encoder } from '../../src/soap/encoder.js';
import { loadSchema, wsdlDirectory, type FieldDef } from '../../src/soap/schema.js';
import { parseXml } from '../../src/soap/xml-reader.js';
import { ManagedObjectReference, OpaqueXml, TypedValue, type DataObject } from '../../src/vim/data.js';

const schema = loadSchema(path.join(wsdlDirectory(), 'vim.wsdl'));
const encoder = new Encoder(schema);

/** The WSDL's own definition of a field, e.g. fieldOf('TaskInfo', 'result'). */
function fieldOf(type: string, name: string): FieldDef {
  const field = schema.complexTypes.get(type)?.fieldByName.get(name);
  if (!field) throw new Error(`no field ${type}.${name} in the WSDL`);
  return field;
}

/** A single-valued slot of the given type, for types no convenient WSDL field has. */
const slot = (type: string, name = 'v'): FieldDef => ({ name, type, optional: true, array: false });

const mor = (type: string, value: string) => new ManagedObjectReference(type, value);
const result = fieldOf('TaskInfo', 'result');

describe('data objects', () => {
  test('fields come out in WSDL order whatever order the object has them in; unset fields are left out, 0 and false are not', () => {
    const info: DataObject = {
      _type: 'TaskInfo',
      eventChainId: 3,
      queueTime: '2030-01-02T03:04:05.000Z',
      reason: { _type: 'TaskReasonUser', userName: 'u' },
      progress: 0,
      entityName: undefined,
      cancelable: false,
      cancelled: false,
      state: 'running',
      descriptionId: 'd',
      task: mor('Task', 'task-1'),
      key: 'task-1',
    };
    expect(encoder.fields(info)).toBe(
      '<key>task-1</key><task type="Task">task-1</task><descriptionId>d</descriptionId><state>running</state>' +
        '<cancelled>false</cancelled><cancelable>false</cancelable><progress>0</progress>' +
        '<reason xsi:type="TaskReasonUser"><userName>u</userName></reason><queueTime>2030-01-02T03:04:05.000Z</queueTime><eventChainId>3</eventChainId>',
    );
  });

  test("inherited fields come first (a fault's MethodFault fields before its own)", () => {
    const fault: DataObject = {
      _type: 'NoPermission',
      privilegeId: 'Task.Update',
      object: mor('Task', 'task-1'),
      faultMessage: [{ _type: 'LocalizableMessage', key: 'k' }],
    };
    expect(encoder.fields(fault)).toBe('<faultMessage><key>k</key></faultMessage><object type="Task">task-1</object><privilegeId>Task.Update</privilegeId>');
  });

  test("xsi:type is written when the value's type is a subtype of the slot's, and only then", () => {
    expect(encoder.field(fieldOf('TaskInfo', 'description'), { _type: 'LocalizableMessage', key: 'k', message: 'm' })).toBe(
      '<description><key>k</key><message>m</message></description>',
    );
    expect(encoder.field(fieldOf('TaskInfo', 'reason'), { _type: 'TaskReasonUser', userName: 'alice' })).toBe(
      '<reason xsi:type="TaskReasonUser"><userName>alice</userName></reason>',
    );
    expect(encoder.field(fieldOf('TaskInfo', 'error'), { _type: 'LocalizedMethodFault', fault: { _type: 'NotFound' }, localizedMessage: 'gone' })).toBe(
      '<error><fault xsi:type="NotFound"></fault><localizedMessage>gone</localizedMessage></error>',
    );
    expect(encoder.field(fieldOf('LocalizedMethodFault', 'fault'), { _type: 'MethodFault' })).toBe('<fault></fault>');
  });

  test('an unset value writes nothing; an unknown data type is an EncodeError', () => {
    expect(encoder.field(fieldOf('TaskInfo', 'progress'), undefined)).toBe('');
    expect(() => encoder.fields({ _type: 'NoSuchType', a: 1 })).toThrow(EncodeError);
  });
});

describe('primitives, references and escaping', () => {
  test('numbers, booleans and strings as XML Schema writes them; an xsd:long beyond the safe range as its digits', () => {
    expect(encoder.field(fieldOf('TaskInfo', 'progress'), 42)).toBe('<progress>42</progress>');
    expect(encoder.field(fieldOf('TaskInfo', 'cancelled'), true)).toBe('<cancelled>true</cancelled>');
    expect(encoder.field(fieldOf('TaskInfo', 'state'), 'success')).toBe('<state>success</state>');
    expect(encoder.field(slot('xsd:long'), '9223372036854775807')).toBe('<v>9223372036854775807</v>');
    expect(encoder.field(slot('xsd:double'), 1.5)).toBe('<v>1.5</v>');
    expect(encoder.field(slot('xsd:double'), Infinity)).toBe('<v>INF</v>');
    expect(encoder.field(slot('xsd:double'), -Infinity)).toBe('<v>-INF</v>');
    expect(encoder.field(slot('xsd:double'), NaN)).toBe('<v>NaN</v>');
  });

  test('text is escaped (<, >, & and CR); attribute values also quotes, tabs and newlines', () => {
    expect(encoder.field(fieldOf('TaskInfo', 'key'), 'a<b>&c\r"\'')).toBe('<key>a&lt;b&gt;&amp;c&#13;"\'</key>');
    expect(encoder.field(fieldOf('TaskInfo', 'task'), mor('T"<&\n\t', 'v<&>'))).toBe('<task type="T&quot;&lt;&amp;&#10;&#9;">v&lt;&amp;&gt;</task>');
  });

  test('a reference carries its type as an attribute, in typed slots and in anyType slots', () => {
    expect(encoder.field(fieldOf('TaskInfo', 'entity'), mor('Folder', 'group-d1'))).toBe('<entity type="Folder">group-d1</entity>');
    expect(encoder.field(result, mor('Folder', 'group-d1'))).toBe('<result xsi:type="ManagedObjectReference" type="Folder">group-d1</result>');
  });

  test('a structured value in a primitive slot is an EncodeError', () => {
    expect(() => encoder.field(fieldOf('TaskInfo', 'key'), { _type: 'KeyValue', key: 'k', value: 'v' })).toThrow(EncodeError);
    expect(() => encoder.field(fieldOf('TaskInfo', 'key'), ['a'])).toThrow(EncodeError);
  });
});

describe('arrays', () => {
  test('a repeated field is one element per item, none for an empty array', () => {
    expect(encoder.field(fieldOf('TaskInfo', 'locked'), [mor('Datastore', 'ds-1'), mor('Folder', 'group-d1')])).toBe(
      '<locked type="Datastore">ds-1</locked><locked type="Folder">group-d1</locked>',
    );
    expect(encoder.field(fieldOf('TaskInfo', 'locked'), [])).toBe('');
    expect(
      encoder.field(fieldOf('MethodFault', 'faultMessage'), [
        { _type: 'LocalizableMessage', key: 'a' },
        { _type: 'LocalizableMessage', key: 'b' },
      ]),
    ).toBe('<faultMessage><key>a</key></faultMessage><faultMessage><key>b</key></faultMessage>');
  });

  test('an ArrayOfX slot is one element holding an element per item, named for X', () => {
    expect(encoder.field(slot('ArrayOfString'), ['a', 'b<'])).toBe('<v><string>a</string><string>b&lt;</string></v>');
    expect(encoder.field(slot('ArrayOfKeyValue'), [{ _type: 'KeyValue', key: 'k', value: 'v' }])).toBe(
      '<v><KeyValue><key>k</key><value>v</value></KeyValue></v>',
    );
    expect(encoder.field(slot('ArrayOfString'), [])).toBe('<v></v>');
    expect(() => encoder.field(slot('KeyValue'), [{ _type: 'KeyValue', key: 'k', value: 'v' }])).toThrow(EncodeError);
  });
});

describe('xsd:anyType', () => {
  test('each kind of value: typed primitives, enums, arrays, references, data objects, opaque XML and plain JS values', () => {
    const cases: Array<[unknown, string]> = [
      [new TypedValue('xsd:int', 5), '<result xsi:type="xsd:int">5</result>'],
      [new TypedValue('xsd:long', '-9223372036854775808'), '<result xsi:type="xsd:long">-9223372036854775808</result>'],
      [new TypedValue('xsd:boolean', false), '<result xsi:type="xsd:boolean">false</result>'],
      [new TypedValue('xsd:double', -Infinity), '<result xsi:type="xsd:double">-INF</result>'],
      [new TypedValue('xsd:dateTime', '2030-01-02T03:04:05.5+02:00'), '<result xsi:type="xsd:dateTime">2030-01-02T03:04:05.5+02:00</result>'],
      [new TypedValue('xsd:string', 'a & b'), '<result xsi:type="xsd:string">a &amp; b</result>'],
      [new TypedValue('TaskInfoState', 'error'), '<result xsi:type="TaskInfoState">error</result>'],
      [new TypedValue('ArrayOfString', ['a', 'b']), '<result xsi:type="ArrayOfString"><string>a</string><string>b</string></result>'],
      [new TypedValue('ArrayOfLong', ['9223372036854775807', 1]), '<result xsi:type="ArrayOfLong"><long>9223372036854775807</long><long>1</long></result>'],
      [
        new TypedValue('ArrayOfManagedObjectReference', [mor('Task', 'task-1')]),
        '<result xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Task">task-1</ManagedObjectReference></result>',
      ],
      [
        new TypedValue('ArrayOfAnyType', [new TypedValue('xsd:int', 1), 'x']),
        '<result xsi:type="ArrayOfAnyType"><anyType xsi:type="xsd:int">1</anyType><anyType xsi:type="xsd:string">x</anyType></result>',
      ],
      [new TypedValue('ManagedObjectReference', mor('Folder', 'group-d1')), '<result xsi:type="ManagedObjectReference" type="Folder">group-d1</result>'],
      [new TypedValue('KeyValue', { _type: 'KeyValue', key: 'k', value: 'v' }), '<result xsi:type="KeyValue"><key>k</key><value>v</value></result>'],
      [{ _type: 'KeyValue', key: 'k', value: 'v' }, '<result xsi:type="KeyValue"><key>k</key><value>v</value></result>'],
      [{ _type: 'TaskReasonUser', userName: 'u' }, '<result xsi:type="TaskReasonUser"><userName>u</userName></result>'],
      [new OpaqueXml('<a>1 &lt; 2</a><b/>'), '<result><a>1 &lt; 2</a><b/></result>'],
      ['plain', '<result xsi:type="xsd:string">plain</result>'],
      [true, '<result xsi:type="xsd:boolean">true</result>'],
      [7, '<result xsi:type="xsd:int">7</result>'],
      [0.25, '<result xsi:type="xsd:double">0.25</result>'],
    ];
    for (const [value, xml] of cases) expect(encoder.field(result, value as TypedValue), xml).toBe(xml);
  });

  test('an untyped array, or a TypedValue holding an array under a type that is not an array type, is an EncodeError', () => {
    expect(() => encoder.field(result, ['a', 'b'])).toThrow(EncodeError);
    expect(() => encoder.field(result, new TypedValue('xsd:string', ['a']))).toThrow(EncodeError);
  });

  test('what the decoder reads from an anyType slot the encoder writes back as it came', () => {
    const decoder = new Decoder(schema);
    const namespaces = 'xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
    for (const xml of [
      '<result xsi:type="xsd:int">-2147483648</result>',
      '<result xsi:type="xsd:long">9223372036854775807</result>',
      '<result xsi:type="xsd:long">9007199254740993</result>',
      '<result xsi:type="xsd:double">NaN</result>',
      '<result xsi:type="xsd:double">INF</result>',
      '<result xsi:type="xsd:double">1.5</result>',
      '<result xsi:type="xsd:boolean">true</result>',
      '<result xsi:type="xsd:short">-7</result>',
      '<result xsi:type="xsd:dateTime">2030-01-02T03:04:05.123456789Z</result>',
      '<result xsi:type="xsd:base64Binary">aGVsbG8=</result>',
      '<result xsi:type="xsd:string"> spaced &amp; &lt;escaped&gt; </result>',
      '<result xsi:type="TaskInfoState">running</result>',
      '<result xsi:type="ArrayOfString"><string>a</string><string></string></result>',
      '<result xsi:type="ArrayOfInt"><int>1</int><int>2</int></result>',
      '<result xsi:type="ManagedObjectReference" type="Task">task-1</result>',
      '<result xsi:type="KeyValue"><key>k</key><value>v</value></result>',
      '<result xsi:type="LocalizedMethodFault"><fault xsi:type="NotFound"></fault><localizedMessage>gone</localizedMessage></result>',
      '<result><a>1</a><b kind="x"><c xsi:type="xsd:int">2</c></b></result>',
    ]) {
      const element = parseXml(`<w ${namespaces}>${xml}</w>`).children[0];
      expect(encoder.field(result, decoder.decodeValue(element, 'xsd:anyType', 'result'))).toBe(xml);
    }
  });
});
