// Values must come back exactly as they were given (contract.md: "result keeps the exact xsi:type
// and value it was given ... and returns them unchanged"), across the whole lexical/value space of
// their type, and what is not well-formed must be refused rather than silently altered. Found by
// the model-based test and the fuzzer; each case here is the smallest reproduction.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLoggedIn, type Running } from '../helpers/emulator.js';
import { faultOf } from '../helpers/soap-client.js';
import { TASK_TYPE, type Xml, retrieveInfo } from '../helpers/tasks.js';
import { type FastSession, nonXmlChar } from './lib/client.js';
import { pooled, type Pool } from './lib/sessions.js';

let emulator: Running<Pool>;
let s: FastSession;

beforeAll(async () => {
  emulator = await startLoggedIn({}, { connect: pooled() });
  s = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

async function runningTask(): Promise<string> {
  const res = await s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><cancelable>true</cancelable>`,
  );
  const key = ((res.result.CreateTaskResponse as Xml).returnval as Xml).key as string;
  expect((await s.call('SetTaskState', 'Task', key, '<state>running</state>')).status).toBe(200);
  return key;
}

async function rawInfo(key: string): Promise<string> {
  return (await retrieveInfo(s, key)).body;
}

describe('xsd:long results keep their value over the whole 64-bit range', () => {
  for (const value of ['9007199254740991', '9007199254740993', '9223372036854775807', '-9223372036854775808', '-9007199254740993', '1099511627776000000']) {
    test(`xsd:long ${value}`, async () => {
      const key = await runningTask();
      const res = await s.call('SetTaskState', 'Task', key, `<state>success</state><result xsi:type="xsd:long">${value}</result>`);
      expect(faultOf(res)?.faultstring, res.body).toBeUndefined();
      expect(await rawInfo(key)).toContain(`<result xsi:type="xsd:long">${value}</result>`);
    });
  }
  test('one beyond the range is refused with InvalidRequest', async () => {
    const key = await runningTask();
    const res = await s.call('SetTaskState', 'Task', key, '<state>success</state><result xsi:type="xsd:long">9223372036854775808</result>');
    expect(faultOf(res)?.type, res.body).toBe('InvalidRequest');
  });
});

describe('strings survive a conforming XML parser unchanged', () => {
  // XML 1.0 §2.11: a parser turns a literal CR (or CR LF) into LF, so a CR the client sent as
  // &#13; must be written back as a character reference, never as a raw 0x0D byte.
  test('a carriage return (sent as &#13;) is written back as &#13;, not as a raw CR', async () => {
    const key = await runningTask();
    const set = await s.call('SetTaskDescription', 'Task', key, '<description><key>k</key><message>line1&#13;&#10;line2&#13;end</message></description>');
    expect(set.status, set.body).toBe(200);
    const body = await rawInfo(key);
    expect(body.includes('\r'), 'the response contains a raw CR byte, which every XML parser reads as LF').toBe(false);
    expect(body).toMatch(/<message>line1(&#13;|&#xD;|&#xd;)\nline2(&#13;|&#xD;|&#xd;)end<\/message>/);
  });
  test('a CR in a string result is written back as a character reference too', async () => {
    const key = await runningTask();
    expect((await s.call('SetTaskState', 'Task', key, '<state>success</state><result xsi:type="xsd:string">a&#13;b</result>')).status).toBe(200);
    expect((await rawInfo(key)).includes('\r')).toBe(false);
  });
});

describe('character references to non-characters are refused, not replaced', () => {
  // XML 1.0 Char excludes the surrogate block D800-DFFF (and FFFE/FFFF): a reference to one makes
  // the document not well-formed, like &#0; (which the reader already refuses).
  for (const ref of ['&#xD800;', '&#xDFFF;', '&#55296;', '&#xFFFE;', '&#xFFFF;', '&#0;', '&#x1;']) {
    test(`${ref} → InvalidRequest, nothing stored`, async () => {
      const key = await runningTask();
      const res = await s.call('SetTaskDescription', 'Task', key, `<description><key>k</key><message>a${ref}b</message></description>`);
      expect(faultOf(res)?.type, res.body).toBe('InvalidRequest');
      expect(await rawInfo(key)).not.toContain('<description>');
    });
  }
});

describe('raw characters outside XML 1.0 are refused, never stored and echoed', () => {
  // A stored U+0001 makes every later answer carrying the task (RetrievePropertiesEx, WaitForUpdates,
  // recentTask reads) unparseable for pyVmomi's expat and Go's encoding/xml: the task is poisoned.
  for (const ch of ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001f', '\ufffe', '\uffff']) {
    const name = `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    test(`${name} in a description → InvalidRequest, nothing stored`, async () => {
      const key = await runningTask();
      const res = await s.call('SetTaskDescription', 'Task', key, `<description><key>k</key><message>a${ch}b</message></description>`);
      expect(nonXmlChar(res.body), 'the answer itself must be well-formed').toBeUndefined();
      expect(faultOf(res)?.type, res.body).toBe('InvalidRequest');
      const info = await rawInfo(key);
      expect(nonXmlChar(info), 'Task.info must stay readable').toBeUndefined();
      expect(info).not.toContain('<description>');
    });
  }
  test('a fault string never echoes such a character raw', async () => {
    const key = await runningTask();
    const res = await s.call('UpdateProgress', 'Task', key, '<percentDone>1\u0001</percentDone>');
    expect(nonXmlChar(res.body), res.body).toBeUndefined();
  });
});

describe('missing or empty arguments are answered with a fault of their own, never an internal error', () => {
  const cases: Array<[string, string]> = [
    [
      'RetrievePropertiesEx without specSet',
      '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><options><maxObjects>1</maxObjects></options></RetrievePropertiesEx>',
    ],
    [
      'RetrieveProperties without specSet',
      '<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this></RetrieveProperties>',
    ],
  ];
  for (const [name, inner] of cases) {
    test(name, async () => {
      const res = await s.send(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>${inner}</Body></Envelope>`,
      );
      const fault = faultOf(res);
      // An empty answer or InvalidRequest/InvalidArgument are all fine; SystemError means the server threw.
      expect(fault?.type, `${res.body}`).not.toBe('SystemError');
      expect([200, 500]).toContain(res.status);
    });
  }
});
