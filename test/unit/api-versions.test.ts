// Version trimming on its own, with no server: which version a SOAPAction names, and what an
// Encoder for an older version leaves out (fields newer than it) or writes differently (types
// newer than it, as their nearest base it knows), against wsdl/'s pyVmomi 8 metadata.

import { describe, expect, test } from 'vitest';
import { ApiVersions } from '../../src/soap/api-versions.js';
import { Encoders } from '../../src/soap/encoder.js';
import { loadCompiledSchema } from '../../src/soap/schema.js';
import { ManagedObjectReference, TypedValue, type DataObject } from '../../src/vim/data.js';

const schema = loadCompiledSchema();
const encoders = new Encoders(schema);
const versions = encoders.versions;
const mor = (type: string, value: string) => new ManagedObjectReference(type, value);
const resultSlot = schema.complexTypes.get('TaskInfo')!.fieldByName.get('result')!;

const taskInfo: DataObject = {
  _type: 'TaskInfo',
  key: 'task-1',
  task: mor('Task', 'task-1'),
  descriptionId: 'd',
  state: 'running',
  cancelled: false,
  cancelable: true,
  progress: 40,
  progressDetails: [{ _type: 'KeyAnyValue', key: 'phase', value: 'copy' }],
  reason: { _type: 'TaskReasonUser', userName: 'u' },
  queueTime: '2030-01-02T03:04:05.000Z',
  eventChainId: 1,
  activationId: 'a-1',
};

describe('the version a SOAPAction names', () => {
  test("pyVmomi's quoted form, govmomi's bare one, and short forms padded as pyVmomi's table spells them", () => {
    expect(versions.fromSoapAction('"urn:vim25/6.7.1"')).toBe('6.7.1');
    expect(versions.fromSoapAction('urn:vim25/8.0.2.0')).toBe('8.0.2.0');
    expect(versions.fromSoapAction('urn:vim25/7.0')).toBe('7.0.0.0');
    expect(versions.fromSoapAction('"urn:vim25/6.7"')).toBe('6.7');
    expect(versions.fromSoapAction('urn:vim25/5.5')).toBe('5.5');
  });

  test('none, another namespace, or a version the WSDL does not know: undefined (answers use the newest)', () => {
    for (const header of [
      undefined,
      '',
      '""',
      'urn:vim25',
      'urn:vim25/',
      'urn:vim25/9.9',
      'urn:vim25/8.0.2.0.0',
      'urn:vim25/x',
      'urn:sms/8.0.2.0',
      '"urn:vim25/6.7.1',
    ]) {
      expect(versions.fromSoapAction(header), String(header)).toBeUndefined();
    }
  });

  test("order is pyVmomi's: 6.7.1 < 6.7.2 < 6.8.7 < 7.0.0.0 < 8.0.3.0, and the newest is 8.0.3.0", () => {
    expect(versions.newest).toBe('8.0.3.0');
    expect(versions.knows('6.7.1', '6.7.2')).toBe(false);
    expect(versions.knows('6.7.2', '6.7.2')).toBe(true);
    expect(versions.knows('7.0.0.0', '6.8.7')).toBe(true);
    expect(versions.knows('6.7.3', '6.8.7')).toBe(false);
    expect(versions.knows('2.5', undefined)).toBe(true);
    expect(versions.knows('8.0.3.0', '99.0')).toBe(false);
    expect(new ApiVersions([]).knows('6.7.1', '6.7.1')).toBe(false);
  });

  test('one encoder per version, kept; the newest (and anything unknown) is the untrimmed one', () => {
    const old = encoders.forSoapAction('"urn:vim25/6.7.1"');
    expect(old.version).toBe('6.7.1');
    expect(encoders.forSoapAction('"urn:vim25/6.7.1"')).toBe(old);
    expect(encoders.forSoapAction('urn:vim25/6.7.1')).toBe(old);
    expect(encoders.forSoapAction('urn:vim25/8.0.3.0')).toBe(encoders.newest);
    expect(encoders.forSoapAction('urn:vim25/1.0')).toBe(encoders.newest);
    expect(encoders.forSoapAction(undefined)).toBe(encoders.newest);
    expect(encoders.newest.version).toBeUndefined();
  });
});

describe('fields newer than the version are left out', () => {
  test('TaskInfo.progressDetails (8.0.1.0): written for 8.0.1.0 and the newest, not for 8.0.0.2 or 6.7.1', () => {
    const details = '<progressDetails><key>phase</key><value xsi:type="xsd:string">copy</value></progressDetails>';
    expect(encoders.newest.fields(taskInfo)).toContain(details);
    expect(encoders.forVersion('8.0.1.0').fields(taskInfo)).toContain(details);
    expect(encoders.forVersion('8.0.0.2').fields(taskInfo)).not.toContain('progressDetails');
    const old = encoders.forVersion('6.7.1').fields(taskInfo);
    expect(old).not.toContain('progressDetails');
    // Everything else stays, in WSDL order; activationId (6.0) is older than 6.7.1.
    expect(old).toBe(encoders.newest.fields(taskInfo).replace(details, ''));
    expect(old).toContain('<activationId>a-1</activationId>');
    // ...and is left out for a client older than 6.0 (rbvmomi 1.8 names 5.5).
    expect(encoders.forVersion('5.5').fields(taskInfo)).not.toContain('activationId');
  });

  test('AboutInfo.patchLevel (7.0.2.0): 7.0.1.0 is not sent it', () => {
    const about: DataObject = { _type: 'AboutInfo', name: 'n', version: '8.0.3', patchLevel: '00000', build: '1' };
    expect(encoders.forVersion('7.0.2.0').fields(about)).toBe('<name>n</name><version>8.0.3</version><patchLevel>00000</patchLevel><build>1</build>');
    expect(encoders.forVersion('7.0.1.0').fields(about)).toBe('<name>n</name><version>8.0.3</version><build>1</build>');
  });
});

describe('types newer than the version are written as their nearest known base', () => {
  const fault: DataObject = {
    _type: 'LocalizedMethodFault',
    fault: {
      _type: 'NoPermission',
      object: mor('Task', 'task-1'),
      privilegeId: 'Task.Update',
      missingPrivileges: [{ _type: 'NoPermissionEntityPrivileges', entity: mor('Task', 'task-1'), privilegeIds: ['Task.Update'] }],
    },
    localizedMessage: 'no',
  };

  test('a fault inside a LocalizedMethodFault: a PasswordExpired (6.7.2) is an InvalidLogin for 6.7.1', () => {
    const error: DataObject = { _type: 'LocalizedMethodFault', fault: { _type: 'PasswordExpired' }, localizedMessage: 'expired' };
    expect(encoders.forVersion('6.7.1').fields(error)).toBe('<fault xsi:type="InvalidLogin"></fault><localizedMessage>expired</localizedMessage>');
    expect(encoders.forVersion('6.7.2').fields(error)).toBe('<fault xsi:type="PasswordExpired"></fault><localizedMessage>expired</localizedMessage>');
  });

  test('the fault answer itself: element, xsi:type and fields are those of the base', () => {
    const own = { _type: 'InvalidScheduledTask', faultMessage: [{ _type: 'LocalizableMessage', key: 'k' }] };
    const old = encoders.forVersion('8.0.1.0').fault(own, 'bad');
    expect(old).toContain(
      '<detail><RuntimeFaultFault xmlns="urn:vim25" xsi:type="RuntimeFault"><faultMessage><key>k</key></faultMessage></RuntimeFaultFault></detail>',
    );
    expect(encoders.forVersion('8.0.2.0').fault(own, 'bad')).toContain('<InvalidScheduledTaskFault xmlns="urn:vim25" xsi:type="InvalidScheduledTask">');
    expect(encoders.forVersion('6.7.1').typeName('InvalidScheduledTask')).toBe('RuntimeFault');
    expect(encoders.newest.typeName('InvalidScheduledTask')).toBe('InvalidScheduledTask');
  });

  test('NoPermission keeps its type, drops missingPrivileges (7.0.3.2) below 7.0.3.2', () => {
    expect(encoders.forVersion('7.0.3.1').fields(fault)).toBe(
      '<fault xsi:type="NoPermission"><object type="Task">task-1</object><privilegeId>Task.Update</privilegeId></fault><localizedMessage>no</localizedMessage>',
    );
    expect(encoders.forVersion('7.0.3.2').fields(fault)).toContain(
      '<missingPrivileges><entity type="Task">task-1</entity><privilegeIds>Task.Update</privilegeIds></missingPrivileges>',
    );
  });

  test('in an anyType slot: the data object as its known base, and an array of a newer type as the array of that base', () => {
    const entry: DataObject = { _type: 'NoPermissionEntityPrivileges', entity: mor('Task', 'task-1'), privilegeIds: ['x'] };
    const old = encoders.forVersion('6.7.1');
    expect(old.field(resultSlot, entry)).toBe('<result xsi:type="DynamicData"></result>');
    expect(old.field(resultSlot, new TypedValue('ArrayOfNoPermissionEntityPrivileges', [entry]))).toBe(
      '<result xsi:type="ArrayOfDynamicData"><DynamicData></DynamicData></result>',
    );
    expect(encoders.newest.field(resultSlot, entry)).toBe(
      '<result xsi:type="NoPermissionEntityPrivileges"><entity type="Task">task-1</entity><privilegeIds>x</privilegeIds></result>',
    );
  });

  test("the same object written for two versions in turn gets each version's form (no answer leaks into another's cache)", () => {
    const old = encoders.forVersion('6.7.1');
    for (let i = 0; i < 2; i++) {
      expect(old.field(resultSlot, taskInfo)).not.toContain('progressDetails');
      expect(encoders.newest.field(resultSlot, taskInfo)).toContain('progressDetails');
    }
  });
});
