// The decoder on its own: request XML (parsed by our reader) against the WSDL's types, with no
// server. Every value a client can send in a slot of each kind, what it becomes, and what is
// refused as InvalidRequest naming where the bad value sat. Values are compared with
// toStrictEqual, since a TypedValue and a reference both have a type and a value.

import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Decoder } from '../../src/soap/decoder.js';
import { loadSchema, wsdlDirectory } from '../../src/soap/schema.js';
import { parseXml } from '../../src/soap/xml-reader.js';
import { ManagedObjectReference, OpaqueXml, TypedValue, type VimValue } from '../../src/vim/data.js';
import { InvalidRequest } from '../../src/vim/faults.js';

const schema = loadSchema(path.join(wsdlDirectory(), 'vim.wsdl'));
const decoder = new Decoder(schema);

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const NAMESPACES = `xmlns="urn:vim25" ${XSI} xmlns:xsd="http://www.w3.org/2001/XMLSchema"`;

/** Decodes the one element in `xml` as `type`, with the namespaces pyVmomi declares in scope. */
function decode(type: string, xml: string, namespaces = NAMESPACES): VimValue {
  return decoder.decodeValue(parseXml(`<w ${namespaces}>${xml}</w>`).children[0], type, 'where');
}

/** Decodes `<op>inner</op>` as a call of the WSDL operation `op`. */
function call(op: string, inner: string) {
  const def = schema.operations.get(op);
  if (!def) throw new Error(`no operation ${op} in the WSDL`);
  const element = parseXml(`<${op} ${NAMESPACES}>${inner}</${op}>`);
  return { self: decoder.receiver(element), args: decoder.decodeArguments(element, def) };
}

/** The call or decode must be refused with InvalidRequest, its message containing every fragment. */
function refused(run: () => unknown, ...fragments: string[]): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an InvalidRequest').toBeInstanceOf(InvalidRequest);
  for (const fragment of fragments) expect((thrown as Error).message).toContain(fragment);
}

const v = (text: string) => `<v>${text}</v>`;
const mor = (type: string, value: string) => new ManagedObjectReference(type, value);

describe('primitives', () => {
  test('xsd:int: the whole 32-bit range, signs and surrounding spaces; nothing else', () => {
    for (const [text, value] of [
      ['42', 42],
      [' -7 ', -7],
      ['+3', 3],
      ['0', 0],
      ['2147483647', 2147483647],
      ['-2147483648', -2147483648],
      ['007', 7],
    ] as const) {
      expect(decode('xsd:int', v(text)), text).toBe(value);
    }
    for (const text of ['2147483648', '-2147483649', '12.5', '1e3', 'ten', '', '0x10', '1 2']) refused(() => decode('xsd:int', v(text)), 'where', 'xsd:int');
  });

  test('xsd:short and xsd:byte keep to their own ranges', () => {
    expect(decode('xsd:short', v('-32768'))).toBe(-32768);
    expect(decode('xsd:short', v('32767'))).toBe(32767);
    refused(() => decode('xsd:short', v('32768')), 'xsd:short');
    expect(decode('xsd:byte', v('-128'))).toBe(-128);
    expect(decode('xsd:byte', v('127'))).toBe(127);
    refused(() => decode('xsd:byte', v('128')), 'xsd:byte');
  });

  test('xsd:long: a number while exact, beyond the safe range its canonical digits; outside 64 bits refused', () => {
    expect(decode('xsd:long', v('9007199254740991'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode('xsd:long', v('-9007199254740991'))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decode('xsd:long', v('9007199254740993'))).toBe('9007199254740993');
    expect(decode('xsd:long', v('9223372036854775807'))).toBe('9223372036854775807');
    expect(decode('xsd:long', v('-9223372036854775808'))).toBe('-9223372036854775808');
    expect(decode('xsd:long', v('+0009007199254740993'))).toBe('9007199254740993');
    refused(() => decode('xsd:long', v('9223372036854775808')), 'xsd:long');
    refused(() => decode('xsd:long', v('-9223372036854775809')), 'xsd:long');
    for (const text of ['1.0', '', 'big']) refused(() => decode('xsd:long', v(text)), 'xsd:long');
  });

  test('xsd:boolean: true, false, 1 and 0 only', () => {
    expect(decode('xsd:boolean', v('true'))).toBe(true);
    expect(decode('xsd:boolean', v('false'))).toBe(false);
    expect(decode('xsd:boolean', v('1'))).toBe(true);
    expect(decode('xsd:boolean', v('0'))).toBe(false);
    expect(decode('xsd:boolean', v(' true '))).toBe(true);
    for (const text of ['TRUE', 'True', 'yes', '2', '']) refused(() => decode('xsd:boolean', v(text)), 'xsd:boolean');
  });

  test('xsd:double and xsd:float: decimals, exponents, INF, -INF and NaN as XML Schema spells them', () => {
    for (const type of ['xsd:double', 'xsd:float']) {
      expect(decode(type, v('1.5'))).toBe(1.5);
      expect(decode(type, v('-0.5e3'))).toBe(-500);
      expect(decode(type, v('.25'))).toBe(0.25);
      expect(decode(type, v('7'))).toBe(7);
      expect(decode(type, v('INF'))).toBe(Infinity);
      expect(decode(type, v('-INF'))).toBe(-Infinity);
      expect(decode(type, v('NaN'))).toBeNaN();
      for (const text of ['inf', 'Infinity', 'nan', '1,5', '', '0x1p3']) refused(() => decode(type, v(text)), type);
    }
  });

  test('xsd:dateTime: kept exactly as sent (fractions and zones included) when it is a real time', () => {
    for (const text of ['2030-01-02T03:04:05Z', '2030-01-02T03:04:05.123456789Z', '2030-01-02T03:04:05+02:00', '2030-01-02T03:04:05']) {
      expect(decode('xsd:dateTime', v(text))).toBe(text);
    }
    for (const text of ['2030-01-02', '2030-13-02T03:04:05Z', '2030-01-02 03:04:05Z', 'yesterday', ''])
      refused(() => decode('xsd:dateTime', v(text)), 'xsd:dateTime');
  });

  test('xsd:base64Binary: kept as sent, line breaks included; other characters refused', () => {
    expect(decode('xsd:base64Binary', v('aGVsbG8='))).toBe('aGVsbG8=');
    expect(decode('xsd:base64Binary', v('aGVs\nbG8='))).toBe('aGVs\nbG8=');
    refused(() => decode('xsd:base64Binary', v('not base64!')), 'xsd:base64Binary');
  });

  test('xsd:string: kept exactly, spaces and entities resolved; child elements and over-long text refused', () => {
    expect(decode('xsd:string', v('  a b  '))).toBe('  a b  ');
    expect(decode('xsd:string', v('&lt;&amp;&gt;&#233;'))).toBe('<&>é');
    expect(decode('xsd:string', v(''))).toBe('');
    refused(() => decode('xsd:string', v('<b>bold</b>')), 'where', 'child elements');
    expect(decode('xsd:string', v('x'.repeat(1 << 20)))).toHaveLength(1 << 20);
    refused(() => decode('xsd:string', v('x'.repeat((1 << 20) + 1))), 'longer than');
  });
});

describe('enums and managed object references', () => {
  test('an enum value is one of the WSDL enumeration, exactly (spaces around it aside)', () => {
    expect(decode('TaskInfoState', v('running'))).toBe('running');
    expect(decode('TaskInfoState', v(' success '))).toBe('success');
    for (const text of ['paused', 'Running', '']) refused(() => decode('TaskInfoState', v(text)), 'where', 'TaskInfoState');
    refused(() => decode('TaskInfoState', v('<x/>')), 'child elements');
  });

  test('a reference needs its type attribute and a value, and has no children', () => {
    expect(decode('ManagedObjectReference', '<obj type="Folder">group-d1</obj>')).toStrictEqual(mor('Folder', 'group-d1'));
    expect(decode('ManagedObjectReference', '<obj type="Task"> task-7 </obj>')).toStrictEqual(mor('Task', 'task-7'));
    refused(() => decode('ManagedObjectReference', '<obj>group-d1</obj>'), 'where', 'type attribute');
    refused(() => decode('ManagedObjectReference', '<obj type="Folder"> </obj>'), 'empty');
    refused(() => decode('ManagedObjectReference', '<obj type="Folder">group-d1<x/></obj>'), 'child elements');
  });
});

describe('data objects and xsi:type', () => {
  test('a slot of a base type takes a subtype named by xsi:type, under any prefix bound to the XSI and vim25 namespaces', () => {
    expect(decode('LocalizedMethodFault', '<f><fault xsi:type="NotFound"/><localizedMessage>gone</localizedMessage></f>')).toStrictEqual({
      _type: 'LocalizedMethodFault',
      fault: { _type: 'NotFound' },
      localizedMessage: 'gone',
    });
    const prefixed = decode(
      'LocalizedMethodFault',
      '<f xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:v="urn:vim25"><fault i:type="v:InvalidState"/></f>',
    );
    expect(prefixed).toStrictEqual({ _type: 'LocalizedMethodFault', fault: { _type: 'InvalidState' } });
    expect(decode('TaskReason', '<r xsi:type="TaskReasonUser"><userName>alice</userName></r>')).toStrictEqual({ _type: 'TaskReasonUser', userName: 'alice' });
  });

  test("without xsi:type a value is of its slot's declared type", () => {
    expect(decode('LocalizedMethodFault', '<f><fault/></f>')).toStrictEqual({ _type: 'LocalizedMethodFault', fault: { _type: 'MethodFault' } });
  });

  test('an xsi:type that is unknown, or not a subtype of the slot, is refused', () => {
    refused(() => decode('LocalizedMethodFault', '<f><fault xsi:type="NoSuchFault"/></f>'), 'where.fault', 'NoSuchFault');
    refused(() => decode('LocalizedMethodFault', '<f><fault xsi:type="TaskInfo"/></f>'), 'where.fault', 'TaskInfo', 'MethodFault');
    refused(() => decode('TaskReason', '<r xsi:type="KeyValue"><key>k</key><value>v</value></r>'), 'KeyValue', 'TaskReason');
  });

  test("every required field of a data object must be there; a fault's own required fields need not be", () => {
    refused(() => decode('LocalizableMessage', '<m><message>text only</message></m>'), 'where', "missing required 'key'");
    refused(() => decode('KeyValue', '<kv><key>k</key></kv>'), "missing required 'value'");
    refused(() => decode('LocalizedMethodFault', '<f><localizedMessage>no fault</localizedMessage></f>'), "missing required 'fault'");
    refused(() => decode('TaskReason', '<r xsi:type="TaskReasonUser"/>'), "missing required 'userName'");
    // NoPermission declares object and privilegeId required; clients build faults field by field.
    expect(decode('LocalizedMethodFault', '<f><fault xsi:type="NoPermission"><privilegeId>Task.Update</privilegeId></fault></f>')).toStrictEqual({
      _type: 'LocalizedMethodFault',
      fault: { _type: 'NoPermission', privilegeId: 'Task.Update' },
    });
    expect(decode('MethodFault', '<f xsi:type="NoPermission"/>')).toStrictEqual({ _type: 'NoPermission' });
  });

  test('unknown fields are refused; a single-valued field may not come twice; fields decode by their declared type', () => {
    refused(() => decode('KeyValue', '<kv><key>k</key><value>v</value><extra>x</extra></kv>'), 'where', "no field 'extra'");
    refused(() => decode('KeyValue', '<kv><key>k</key><key>k2</key><value>v</value></kv>'), "'key' given more than once");
    refused(() => decode('PropertySpec', '<p><type>Task</type><all>maybe</all></p>'), 'where.all', 'xsd:boolean');
    const fault = decode('LocalizedMethodFault', '<f><fault xsi:type="NoPermission"><object type="Task">task-1</object></fault></f>');
    expect(fault).toStrictEqual({ _type: 'LocalizedMethodFault', fault: { _type: 'NoPermission', object: mor('Task', 'task-1') } });
  });
});

describe('arrays', () => {
  test('a repeated field is an array even with one item, in the order sent', () => {
    expect(decode('PropertySpec', '<p><type>Task</type><pathSet>info.state</pathSet></p>')).toStrictEqual({
      _type: 'PropertySpec',
      type: 'Task',
      pathSet: ['info.state'],
    });
    expect(decode('PropertySpec', '<p><type>Task</type><pathSet>b</pathSet><pathSet>a</pathSet></p>')).toStrictEqual({
      _type: 'PropertySpec',
      type: 'Task',
      pathSet: ['b', 'a'],
    });
  });

  test('an ArrayOfX type holds items named for X, each decoded as X', () => {
    expect(decode('ArrayOfString', '<a><string>x</string><string></string></a>')).toStrictEqual(['x', '']);
    expect(decode('ArrayOfInt', '<a><int>1</int><int>-2</int></a>')).toStrictEqual([1, -2]);
    expect(decode('ArrayOfInt', '<a/>')).toStrictEqual([]);
    expect(decode('ArrayOfManagedObjectReference', '<a><ManagedObjectReference type="Task">task-1</ManagedObjectReference></a>')).toStrictEqual([
      mor('Task', 'task-1'),
    ]);
    refused(() => decode('ArrayOfInt', '<a><int>1</int><int>x</int></a>'), 'where[1]', 'xsd:int');
    refused(() => decode('ArrayOfString', '<a><str>x</str></a>'), 'where', "unexpected 'str'");
  });
});

describe('xsd:anyType', () => {
  const any = (xml: string, namespaces?: string) => decode('xsd:anyType', xml, namespaces);

  test('with an xsi:type: a TypedValue of that type, decoded by its rules', () => {
    expect(any('<r xsi:type="xsd:int">5</r>')).toStrictEqual(new TypedValue('xsd:int', 5));
    expect(any('<r xsi:type="xsd:long">9223372036854775807</r>')).toStrictEqual(new TypedValue('xsd:long', '9223372036854775807'));
    expect(any('<r xsi:type="xsd:boolean">0</r>')).toStrictEqual(new TypedValue('xsd:boolean', false));
    expect(any('<r xsi:type="xsd:double">-INF</r>')).toStrictEqual(new TypedValue('xsd:double', -Infinity));
    expect(any('<r xsi:type="xsd:dateTime">2030-01-02T03:04:05Z</r>')).toStrictEqual(new TypedValue('xsd:dateTime', '2030-01-02T03:04:05Z'));
    expect(any('<r xsi:type="xsd:string"> padded </r>')).toStrictEqual(new TypedValue('xsd:string', ' padded '));
    expect(any('<r xsi:type="TaskInfoState">error</r>')).toStrictEqual(new TypedValue('TaskInfoState', 'error'));
    expect(any('<r xsi:type="ArrayOfString"><string>a</string><string>b</string></r>')).toStrictEqual(new TypedValue('ArrayOfString', ['a', 'b']));
    refused(() => any('<r xsi:type="xsd:int">five</r>'), 'xsd:int');
    refused(() => any('<r xsi:type="TaskInfoState">paused</r>'), 'TaskInfoState');
  });

  test('the XML Schema prefix is recognised by namespace, and as "xsd" when undeclared (govmomi)', () => {
    expect(any('<r xmlns:s="http://www.w3.org/2001/XMLSchema" xsi:type="s:int">5</r>')).toStrictEqual(new TypedValue('xsd:int', 5));
    expect(any('<r xsi:type="xsd:string">go</r>', `xmlns="urn:vim25" ${XSI}`)).toStrictEqual(new TypedValue('xsd:string', 'go'));
  });

  test('a data object or a reference named by xsi:type is the value itself, not wrapped', () => {
    expect(any('<r xsi:type="KeyValue"><key>k</key><value>v</value></r>')).toStrictEqual({ _type: 'KeyValue', key: 'k', value: 'v' });
    expect(any('<r xsi:type="ManagedObjectReference" type="Folder">group-d1</r>')).toStrictEqual(mor('Folder', 'group-d1'));
    refused(() => any('<r xsi:type="KeyValue"><key>k</key></r>'), "missing required 'value'");
  });

  test('pyVmomi\'s xsi:type="ManagedObject" is a managed object reference', () => {
    expect(any('<r xsi:type="ManagedObject" type="Task">task-9</r>')).toStrictEqual(mor('Task', 'task-9'));
    refused(() => any('<r xsi:type="ManagedObject">task-9</r>'), 'type attribute');
  });

  test('without xsi:type: text is an xsd:string; child elements are kept as XML, re-serialised with normalised types', () => {
    expect(any('<r>plain &amp; simple</r>')).toStrictEqual(new TypedValue('xsd:string', 'plain & simple'));
    expect(any('<r></r>')).toStrictEqual(new TypedValue('xsd:string', ''));
    const opaque = any('<r xmlns:s="http://www.w3.org/2001/XMLSchema"><a>1 &lt; 2</a><b kind="x&quot;y" s:ignored="z"><c xsi:type="s:int">2</c></b></r>');
    expect(opaque).toBeInstanceOf(OpaqueXml);
    // Unqualified attributes are kept (escaped), xsi:type is rewritten with the xsd prefix, other qualified ones dropped.
    expect((opaque as OpaqueXml).xml).toBe('<a>1 &lt; 2</a><b kind="x&quot;y"><c xsi:type="xsd:int">2</c></b>');
  });

  test('an unknown xsi:type, or xsd:anyType itself, is refused', () => {
    refused(() => any('<r xsi:type="NoSuchType">x</r>'), 'where', 'NoSuchType');
    refused(() => any('<r xsi:type="xsd:anyType">x</r>'), 'xsd:anyType');
    refused(() => any('<r xsi:type="xsd:nonsense">x</r>'), 'xsd:nonsense');
  });
});

describe('receiver and decodeArguments (one call)', () => {
  test('_this and each argument by its declared type; optional arguments left out are undefined', () => {
    const decoded = call('UpdateProgress', '<_this type="Task">task-1</_this><percentDone>40</percentDone>');
    expect(decoded.self).toStrictEqual(mor('Task', 'task-1'));
    expect(decoded.args).toStrictEqual({ percentDone: 40 });

    const created = call(
      'CreateTask',
      '<_this type="TaskManager">TaskManager</_this><obj type="Folder">group-d1</obj><taskTypeId>t</taskTypeId><cancelable>1</cancelable>',
    );
    expect(created.args).toStrictEqual({ obj: mor('Folder', 'group-d1'), taskTypeId: 't', cancelable: true });
    expect(created.args.initiatedBy).toBeUndefined();
  });

  test('arguments may come in any order, _this included', () => {
    const inOrder = call(
      'CreateTask',
      '<_this type="TaskManager">TaskManager</_this><obj type="Folder">group-d1</obj><taskTypeId>t</taskTypeId><initiatedBy>me</initiatedBy><cancelable>false</cancelable>',
    );
    const shuffled = call(
      'CreateTask',
      '<cancelable>false</cancelable><initiatedBy>me</initiatedBy><taskTypeId>t</taskTypeId><_this type="TaskManager">TaskManager</_this><obj type="Folder">group-d1</obj>',
    );
    expect(shuffled).toStrictEqual(inOrder);
  });

  test('anyType and data object arguments: SetTaskState with a result, and with a fault', () => {
    const success = call('SetTaskState', '<_this type="Task">task-1</_this><state>success</state><result xsi:type="xsd:long">-9223372036854775808</result>');
    expect(success.args).toStrictEqual({ state: 'success', result: new TypedValue('xsd:long', '-9223372036854775808') });
    const error = call(
      'SetTaskState',
      '<_this type="Task">task-1</_this><state>error</state><fault><fault xsi:type="NotFound"/><localizedMessage>gone</localizedMessage></fault>',
    );
    expect(error.args).toStrictEqual({ state: 'error', fault: { _type: 'LocalizedMethodFault', fault: { _type: 'NotFound' }, localizedMessage: 'gone' } });
    refused(
      () => call('SetTaskState', '<_this type="Task">task-1</_this><state>error</state><fault><fault xsi:type="TaskInfo"/></fault>'),
      'SetTaskState.fault.fault',
    );
  });

  test('a repeated parameter collects every occurrence', () => {
    const spec = (type: string) => `<specSet><propSet><type>${type}</type></propSet><objectSet><obj type="${type}">${type}</obj></objectSet></specSet>`;
    const decoded = call(
      'RetrievePropertiesEx',
      `<_this type="PropertyCollector">propertyCollector</_this>${spec('TaskManager')}${spec('SessionManager')}<options/>`,
    );
    const decodedSpec = (type: string) => ({
      _type: 'PropertyFilterSpec',
      propSet: [{ _type: 'PropertySpec', type }],
      objectSet: [{ _type: 'ObjectSpec', obj: mor(type, type) }],
    });
    expect(decoded.args.specSet).toStrictEqual([decodedSpec('TaskManager'), decodedSpec('SessionManager')]);
    expect(decoded.args.options).toStrictEqual({ _type: 'RetrieveOptions' });
  });

  test('a _this without a type attribute is kept with an empty type, for the endpoint to decide', () => {
    const decoded = call('RetrieveServiceContent', '<_this>ServiceInstance</_this>');
    expect(decoded.self.type).toBe('');
    expect(decoded.self.value).toBe('ServiceInstance');
  });

  test('a bare fault where a LocalizedMethodFault belongs (rbvmomi) is that fault, wrapped', () => {
    const { args } = call(
      'SetTaskState',
      '<_this type="Task">task-1</_this><state>error</state><fault xsi:type="InvalidArgument"><invalidProperty>x</invalidProperty></fault>',
    );
    expect(args.fault).toEqual({ _type: 'LocalizedMethodFault', fault: { _type: 'InvalidArgument', invalidProperty: 'x' } });
    const bare = call('SetTaskState', '<_this type="Task">task-1</_this><state>error</state><fault xsi:type="NotFound"/>');
    expect(bare.args.fault).toEqual({ _type: 'LocalizedMethodFault', fault: { _type: 'NotFound' } });
    refused(() => call('SetTaskState', '<_this type="Task">task-1</_this><state>error</state><fault xsi:type="TaskInfo"/>'), 'SetTaskState.fault', 'TaskInfo');
  });

  test('missing _this, _this twice, a missing required argument, an unexpected or repeated one: all refused', () => {
    refused(() => call('UpdateProgress', '<percentDone>40</percentDone>'), 'UpdateProgress', 'missing _this');
    refused(
      () => call('UpdateProgress', '<_this type="Task">task-1</_this><_this type="Task">task-2</_this><percentDone>1</percentDone>'),
      '_this given twice',
    );
    refused(() => call('UpdateProgress', '<_this type="Task">task-1</_this>'), "missing required 'percentDone'");
    refused(() => call('UpdateProgress', '<_this type="Task">task-1</_this><percentDone>1</percentDone><percent>2</percent>'), "unexpected argument 'percent'");
    refused(
      () => call('UpdateProgress', '<_this type="Task">task-1</_this><percentDone>1</percentDone><percentDone>2</percentDone>'),
      "'percentDone' given more than once",
    );
    refused(() => call('UpdateProgress', '<_this type="Task"></_this><percentDone>1</percentDone>'), '_this', 'empty');
    refused(() => call('UpdateProgress', '<_this type="Task">task-1</_this><percentDone>2147483648</percentDone>'), 'UpdateProgress.percentDone', 'xsd:int');
    refused(() => call('SetTaskState', '<_this type="Task">task-1</_this><state>paused</state>'), 'SetTaskState.state', 'TaskInfoState');
  });
});
