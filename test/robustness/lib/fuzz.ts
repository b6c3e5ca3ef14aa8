// The SOAP endpoint fuzzer shared by test/robustness/fuzz.test.ts (bounded, CI) and
// scripts/fuzz-long.ts (long runs). Inputs: real client envelopes (pyVmomi's soapenv: prefix and
// govmomi's default namespace, as captured in wire-contract.md), mutated structurally (duplicated,
// removed, renamed elements, huge numbers, random xsi:types, deep nesting, random unicode) and
// byte-wise (flips, truncation, invalid UTF-8, dictionary tokens), plus transport-level junk and
// random garbage. Every request must get a well-formed HTTP answer in time: 200 with a SOAP
// response, 500 with a SOAP fault that parses (never SystemError, which means the server threw),
// or a 4xx for transport-level junk; never a dropped connection or a hang.

import { parseStringPromise } from 'xml2js';
import { envelope } from '../../helpers/soap-client.js';
import { type HttpAnswer, nonXmlChar, RequestTimeout, type Transport } from './client.js';

// ---- deterministic randomness --------------------------------------------------------------

export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- a tiny XML tree for structure-aware mutation (seeds are well-formed and simple) ---------

export interface XNode {
  name: string;
  attrs: Array<[string, string]>;
  children: Array<XNode | string>;
}

export function parseSeed(xml: string): { decl: string; root: XNode } {
  const declMatch = /^<\?xml[^?]*\?>\s*/.exec(xml);
  const decl = declMatch ? declMatch[0] : '';
  const tokens = xml.slice(decl.length).match(/<[^>]+>|[^<]+/g) ?? [];
  const stack: XNode[] = [{ name: '#root', attrs: [], children: [] }];
  for (const token of tokens) {
    const top = stack[stack.length - 1];
    if (token.startsWith('</')) {
      stack.pop();
    } else if (token.startsWith('<')) {
      const selfClosing = token.endsWith('/>');
      const inner = token.slice(1, selfClosing ? -2 : -1).trim();
      const name = inner.split(/\s/)[0];
      const attrs: Array<[string, string]> = [];
      for (const m of inner.slice(name.length).matchAll(/([^\s=]+)="([^"]*)"/g)) attrs.push([m[1], m[2]]);
      const node: XNode = { name, attrs, children: [] };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    } else {
      top.children.push(token);
    }
  }
  return { decl, root: stack[0].children.find((c): c is XNode => typeof c !== 'string')! };
}

export function serialize(node: XNode | string): string {
  if (typeof node === 'string') return node;
  const attrs = node.attrs.map(([k, v]) => ` ${k}="${v}"`).join('');
  return `<${node.name}${attrs}>${node.children.map(serialize).join('')}</${node.name}>`;
}

function clone(node: XNode): XNode {
  return { name: node.name, attrs: node.attrs.map(([k, v]) => [k, v]), children: node.children.map((c) => (typeof c === 'string' ? c : clone(c))) };
}

function allNodes(root: XNode): XNode[] {
  const out: XNode[] = [];
  const walk = (n: XNode) => {
    out.push(n);
    for (const c of n.children) if (typeof c !== 'string') walk(c);
  };
  walk(root);
  return out;
}

// ---- seeds: what pyVmomi and govmomi really send (wire-contract.md §1.5, §2, §3, §5) ---------

export interface SeedContext {
  /** Existing task ids in various states, so mutated calls reach deep into the task code. */
  readonly tasks: readonly string[];
}

export function seedBodies(ctx: SeedContext, rng: Rng): string[] {
  const t = () => rng.pick(ctx.tasks);
  const call = (method: string, thisType: string, thisValue: string, args = '') =>
    `<${method} xmlns="urn:vim25"><_this type="${thisType}">${thisValue}</_this>${args}</${method}>`;
  return [
    call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'),
    call('CurrentTime', 'ServiceInstance', 'ServiceInstance'),
    call('Login', 'SessionManager', 'SessionManager', '<userName>admin</userName><password>admin</password>'),
    call('Login', 'SessionManager', 'SessionManager', '<userName>user</userName><password>pass</password><locale>en_US</locale>'),
    call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      `<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><initiatedBy>tester</initiatedBy><cancelable>true</cancelable><parentTaskKey>${t()}</parentTaskKey>`,
    ),
    call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>false</cancelable>',
    ),
    call('SetTaskState', 'Task', t(), '<state>running</state>'),
    call('SetTaskState', 'Task', t(), '<state>success</state><result xsi:type="xsd:string">hello world</result>'),
    call('SetTaskState', 'Task', t(), '<state>success</state><result xsi:type="ManagedObject" type="Folder">group-d1</result>'),
    call('SetTaskState', 'Task', t(), '<state>success</state><result xsi:type="xsd:int">42</result>'),
    call('SetTaskState', 'Task', t(), '<state>success</state><result xsi:type="ArrayOfString"><string>a</string><string>b</string></result>'),
    call('SetTaskState', 'Task', t(), '<state>success</state><result xsi:type="KeyValue"><key>k</key><value>v</value></result>'),
    call(
      'SetTaskState',
      'Task',
      t(),
      '<state>success</state><result xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">hello world</result>',
    ),
    call(
      'SetTaskState',
      'Task',
      t(),
      '<state>error</state><fault><fault xsi:type="InvalidState"></fault><localizedMessage>something bad happened</localizedMessage></fault>',
    ),
    call(
      'SetTaskState',
      'Task',
      t(),
      '<state>error</state><fault><fault xsi:type="NoPermission"><object type="Folder">group-d1</object><privilegeId>Task.Update</privilegeId></fault><localizedMessage>denied</localizedMessage></fault>',
    ),
    call(
      'SetTaskState',
      'Task',
      t(),
      '<state>error</state><fault><fault xsi:type="InvalidPowerState"><existingState>poweredOff</existingState></fault></fault>',
    ),
    call('UpdateProgress', 'Task', t(), '<percentDone>42</percentDone>'),
    call('SetTaskDescription', 'Task', t(), '<description><key>my.key</key><message>Doing stuff</message></description>'),
    call(
      'SetTaskDescription',
      'Task',
      t(),
      '<description><key>k</key><arg><key>n</key><value xsi:type="xsd:int">5</value></arg><message>m</message></description>',
    ),
    call('CancelTask', 'Task', t()),
    call(
      'RetrievePropertiesEx',
      'PropertyCollector',
      'propertyCollector',
      `<specSet><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${t()}</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>`,
    ),
    call(
      'RetrievePropertiesEx',
      'PropertyCollector',
      'propertyCollector',
      '<specSet><propSet><type>ServiceInstance</type><all>false</all><pathSet>content</pathSet></propSet><objectSet><obj type="ServiceInstance">ServiceInstance</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>',
    ),
    call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      `<specSet><propSet><type>Task</type><pathSet>info.state</pathSet><pathSet>info.progress</pathSet></propSet><objectSet><obj type="Task">${t()}</obj><skip>false</skip></objectSet></specSet>`,
    ),
    call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      '<specSet><propSet><type>Task</type><pathSet>info.key</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>recent</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet></specSet>',
    ),
    call(
      'CreateFilter',
      'PropertyCollector',
      'propertyCollector',
      `<spec><propSet><type>Task</type><all>true</all></propSet><objectSet><obj type="Task">${t()}</obj></objectSet></spec><partialUpdates>true</partialUpdates>`,
    ),
    call('CreatePropertyCollector', 'PropertyCollector', 'propertyCollector'),
    call(
      'RegisterExtension',
      'ExtensionManager',
      'ExtensionManager',
      '<extension><description><label>Mine</label><summary>Mine</summary></description><key>com.example.fuzz</key><version>1.0</version><taskList><taskID>com.example.fuzz.t</taskID></taskList><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>',
    ),
    call('FindExtension', 'ExtensionManager', 'ExtensionManager', '<extensionKey>com.vmware.govmomi.simulator</extensionKey>'),
  ];
}

// ---- mutations ---------------------------------------------------------------------------------

const NAMES = [
  '_this',
  'state',
  'result',
  'fault',
  'percentDone',
  'description',
  'key',
  'message',
  'obj',
  'taskTypeId',
  'cancelable',
  'specSet',
  'propSet',
  'pathSet',
  'Body',
  'Envelope',
  'Header',
  'soapenv:Body',
  'x:y',
  'returnval',
  'SetTaskState',
  'CancelTask',
  'Login',
  'string',
  'a',
];
const TYPES = [
  'xsd:string',
  'xsd:int',
  'xsd:long',
  'xsd:boolean',
  'xsd:double',
  'xsd:dateTime',
  'xsd:base64Binary',
  'xsd:anyType',
  'xsd:byte',
  'xsd:short',
  'xsd:float',
  'ManagedObjectReference',
  'ManagedObject',
  'TaskInfo',
  'TaskInfoState',
  'LocalizedMethodFault',
  'MethodFault',
  'VimFault',
  'InvalidState',
  'SystemError',
  'ArrayOfString',
  'ArrayOfManagedObjectReference',
  'ArrayOfTaskInfo',
  'KeyValue',
  'KeyAnyValue',
  'LocalizableMessage',
  'TraversalSpec',
  'SelectionSpec',
  'PropertySpec',
  'NoSuchType',
  'xsd:',
  ':',
  '',
  'urn:vim25:TaskInfo',
  'xsi:type',
  'vim25:TaskInfo',
  'DataObject',
  'DynamicData',
  'ArrayOfAnyType',
  'anyType',
];
const HUGE = [
  '99999999999999999999999999999999',
  '-99999999999999999999',
  '2147483648',
  '-2147483649',
  '9223372036854775808',
  '1e999',
  '-0',
  'NaN',
  'INF',
  '0x7fffffff',
  '١٢٣',
  '+-1',
  '4294967296',
  '1'.repeat(5000),
  ' 42 ',
  '\t7\n',
];
const UNICODE = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ff',
  '\u0100',
  '\u200b',
  '\u200e',
  '\u2028',
  '\u2029',
  '\ud7ff',
  '\ue000',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ude00',
  '😀',
  '𝄞',
  '\u{10ffff}',
  '日本語',
  'ZÅ̈̈̈',
  'ﷺ',
  '\u0301',
  'İ',
  'ß',
  'Ω',
];
const ENTITIES = [
  '&amp;',
  '&lt;',
  '&#0;',
  '&#1;',
  '&#x0;',
  '&#xD800;',
  '&#xDFFF;',
  '&#xFFFE;',
  '&#xFFFF;',
  '&#x110000;',
  '&#99999999999;',
  '&#;',
  '&#x;',
  '&#-1;',
  '&#13;',
  '&#x1F600;',
  '&bogus;',
  '&',
  '&amp',
  '&lol;',
  '&#x41;',
];
const TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '"',
  "'",
  '=',
  '&',
  ']]>',
  '<![CDATA[x]]>',
  '<![CDATA[',
  '<!--',
  '-->',
  '<!-- c -->',
  '<?pi x?>',
  '<?xml version="1.0"?>',
  '<!DOCTYPE x>',
  '<!ENTITY e "x">',
  'xmlns=""',
  'xmlns:xsi="urn:other"',
  'xsi:nil="true"',
  'xmlns:a="urn:vim25"',
  '<a:b>',
  '\u0000',
  '\r\n',
  '\t',
  ' '.repeat(100),
];
const INVALID_UTF8: number[][] = [
  [0xff],
  [0xfe],
  [0xc0, 0x80],
  [0xc3],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xbf],
  [0xef, 0xbf, 0xbe],
  [0xe0, 0x80, 0xaf],
];

function randomText(rng: Rng, maxLength = 40): string {
  let out = '';
  const n = rng.int(maxLength);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.4) out += String.fromCharCode(rng.range(0x20, 0x7e)).replace(/[<&]/, '_');
    else if (r < 0.7) out += rng.pick(UNICODE);
    else if (r < 0.85) out += rng.pick(ENTITIES);
    else out += String.fromCodePoint(rng.range(0x80, 0x10ffff));
  }
  return out;
}

type TreeMutation = (root: XNode, rng: Rng) => void;

const treeMutations: Array<[string, TreeMutation]> = [
  [
    'duplicate element',
    (root, rng) => {
      const parent = rng.pick(allNodes(root).filter((n) => n.children.some((c) => typeof c !== 'string')));
      if (!parent) return;
      const kids = parent.children.filter((c): c is XNode => typeof c !== 'string');
      const kid = rng.pick(kids);
      // Many copies sometimes, but never more than ~6 MB of them (the fuzzer must not run out of memory itself).
      const size = serialize(kid).length + 1;
      const copies = Math.max(1, Math.min(rng.chance(0.1) ? rng.range(2, 2000) : 1, Math.floor(6_000_000 / size)));
      parent.children.splice(parent.children.indexOf(kid), 0, ...Array.from({ length: copies }, () => clone(kid)));
    },
  ],
  [
    'remove element',
    (root, rng) => {
      const parent = rng.pick(allNodes(root).filter((n) => n.children.length > 0));
      if (parent) parent.children.splice(rng.int(parent.children.length), 1);
    },
  ],
  [
    'swap siblings',
    (root, rng) => {
      const parent = rng.pick(allNodes(root).filter((n) => n.children.length > 1));
      if (!parent) return;
      const i = rng.int(parent.children.length);
      const j = rng.int(parent.children.length);
      [parent.children[i], parent.children[j]] = [parent.children[j], parent.children[i]];
    },
  ],
  [
    'rename element',
    (root, rng) => {
      rng.pick(allNodes(root)).name = rng.chance(0.7) ? rng.pick(NAMES) : `n${rng.int(1000)}`;
    },
  ],
  [
    'huge number',
    (root, rng) => {
      const leaf = rng.pick(allNodes(root).filter((n) => n.children.every((c) => typeof c === 'string')));
      if (leaf) leaf.children = [rng.pick(HUGE)];
    },
  ],
  [
    'random text',
    (root, rng) => {
      const node = rng.pick(allNodes(root));
      node.children.splice(rng.int(node.children.length + 1), rng.chance(0.5) ? 1 : 0, randomText(rng));
    },
  ],
  [
    'random xsi:type',
    (root, rng) => {
      const node = rng.pick(allNodes(root));
      node.attrs = node.attrs.filter(([k]) => !k.endsWith(':type'));
      node.attrs.push([rng.chance(0.8) ? 'xsi:type' : rng.pick(['XMLSchema-instance:type', 'q:type', 'type']), rng.pick(TYPES)]);
    },
  ],
  [
    'moref type',
    (root, rng) => {
      const node = rng.pick(allNodes(root));
      node.attrs = node.attrs.filter(([k]) => k !== 'type');
      if (rng.chance(0.8))
        node.attrs.push([
          'type',
          rng.pick(['Task', 'TaskManager', 'Folder', 'PropertyCollector', 'SessionManager', 'ServiceInstance', '', 'task', 'Nope', 'PropertyFilter']),
        ]);
    },
  ],
  [
    'attribute junk',
    (root, rng) => {
      const node = rng.pick(allNodes(root));
      const names = ['xmlns', 'xmlns:xsi', 'xmlns:soapenv', 'xsi:nil', 'xml:lang', 'a', 'xmlns:xsd', 'soapenv:encodingStyle', 'xmlns:XMLSchema-instance'];
      node.attrs.push([
        rng.pick(names),
        rng.pick([
          '',
          'urn:vim25',
          'http://www.w3.org/2001/XMLSchema-instance',
          'true',
          'urn:x',
          'http://schemas.xmlsoap.org/soap/envelope/',
          randomText(rng, 8).replace(/"/g, ''),
        ]),
      ]);
    },
  ],
  [
    'deep nesting',
    (root, rng) => {
      // Kept as text so the tree itself stays shallow for later mutations.
      const node = rng.pick(allNodes(root));
      const depth = rng.pick([5, 30, 63, 64, 65, 100, 1000, 20000]);
      const name = rng.chance(0.5) ? node.name : 'a';
      node.children = [`<${name}>`.repeat(depth) + (node.children.map(serialize).join('') || 'x') + `</${name}>`.repeat(depth)];
    },
  ],
  [
    'many elements',
    (root, rng) => {
      const node = rng.pick(allNodes(root));
      const n = rng.pick([100, 5000, 99_999, 100_001, 150_000]);
      node.children.push('<b/>'.repeat(n));
    },
  ],
  [
    'long string',
    (root, rng) => {
      const leaf = rng.pick(allNodes(root).filter((n) => n.children.every((c) => typeof c === 'string')));
      if (leaf) leaf.children = [rng.pick(['x', 'é', '😀', '&amp;']).repeat(rng.pick([1000, 100_000, (1 << 20) + 1, 1_500_000]))];
    },
  ],
];

type ByteMutation = (bytes: Buffer, rng: Rng) => Buffer;

const byteMutations: Array<[string, ByteMutation]> = [
  [
    'flip bytes',
    (b, rng) => {
      const out = Buffer.from(b);
      const n = rng.range(1, 8);
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    },
  ],
  [
    'random bytes',
    (b, rng) => {
      const out = Buffer.from(b);
      const n = rng.range(1, 8);
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] = rng.int(256);
      return out;
    },
  ],
  ['truncate', (b, rng) => b.subarray(0, rng.int(b.length))],
  [
    'invalid UTF-8',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(INVALID_UTF8)), b.subarray(at)]);
    },
  ],
  [
    'insert token',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(rng.chance(0.5) ? rng.pick(TOKENS) : rng.pick(ENTITIES)), b.subarray(at)]);
    },
  ],
  [
    'delete range',
    (b, rng) => {
      const at = rng.int(b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 64)))]);
    },
  ],
  [
    'duplicate range',
    (b, rng) => {
      const at = rng.int(b.length);
      const end = Math.min(b.length, at + rng.range(1, 200));
      return Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
    },
  ],
];

// ---- whole-request generators ---------------------------------------------------------------

export interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** A body over the limit: the server may answer 413 and close before reading it all. */
  readonly oversized?: boolean;
}

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>&lol4;</userName><password>x</password></Login></soapenv:Body></soapenv:Envelope>';
const XXE =
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>&xxe;</userName><password>x</password></Login></soapenv:Body></soapenv:Envelope>';
const QUADRATIC = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "${'x'.repeat(5000)}">]><r>${'&a;'.repeat(2000)}</r>`;

const CONTENT_TYPES = [
  'text/xml; charset=utf-8',
  'text/xml; charset=utf-8',
  'text/xml; charset=utf-8',
  'text/xml',
  'text/xml; charset="utf-8"',
  'text/xml; charset=UTF-8',
  'application/soap+xml; charset=utf-8',
  'application/xml',
  'text/xml; charset=iso-8859-1',
  'text/xml; charset=utf-16',
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  '',
  'text/xml; charset=',
  'text/xml;;;',
  '*/*',
  'text/xml; charset=utf-8; charset=latin1',
  'TEXT/XML',
  'application/octet-stream',
];

export interface Fuzzer {
  next(): FuzzRequest;
}

export function createFuzzer(ctx: SeedContext, rng: Rng, cookie: () => string | undefined): Fuzzer {
  const seeds = () => seedBodies(ctx, rng);
  const headersFor = (contentType: string | undefined): Record<string, string> => {
    const h: Record<string, string> = {};
    if (contentType) h['content-type'] = contentType;
    const c = cookie();
    const r = rng.next();
    if (r < 0.75 && c) h.cookie = c;
    else if (r < 0.8)
      h.cookie = `vmware_soap_session=${randomText(rng, 40)
        .replace(/[^\x21-\x7e]/g, 'x')
        .replace(/[;,]/g, '')}`;
    else if (r < 0.82) h.cookie = `vmware_soap_session="${'a'.repeat(rng.pick([10, 100, 4000]))}"`;
    if (rng.chance(0.5)) h.soapaction = rng.pick(['"urn:vim25/6.7.1"', 'urn:vim25/7.0', 'urn:vim25/9.1.0.0', '', 'x']);
    return h;
  };
  const soapHeaders = () => headersFor(rng.chance(0.9) ? 'text/xml; charset=utf-8' : rng.pick(CONTENT_TYPES));

  return {
    next(): FuzzRequest {
      const r = rng.next();
      const style = rng.chance(0.5) ? 'pyvmomi' : 'govmomi';
      const seed = rng.pick(seeds());
      if (r < 0.04) {
        // Unmodified seed: the baseline that must keep working.
        return { kind: 'seed', method: 'POST', path: '/sdk', headers: soapHeaders(), body: Buffer.from(envelope(seed, style)) };
      }
      if (r < 0.55) {
        // Structure-aware: 1-3 tree mutations, sometimes followed by a byte mutation.
        const { decl, root } = parseSeed(envelope(seed, style));
        const names: string[] = [];
        for (let i = rng.range(1, 3); i > 0; i--) {
          const [name, mutate] = rng.pick(treeMutations);
          names.push(name);
          mutate(root, rng);
        }
        let text = decl + serialize(root);
        if (text.length > 8_000_000) text = text.slice(0, 8_000_000); // bounded: truncated, still junk worth sending
        let body: Buffer = Buffer.from(text);
        if (rng.chance(0.2)) {
          const [name, mutate] = rng.pick(byteMutations);
          names.push(name);
          body = mutate(body, rng);
        }
        return { kind: `tree:${names.join('+')}`, method: 'POST', path: '/sdk', headers: soapHeaders(), body };
      }
      if (r < 0.85) {
        // Byte-level: 1-4 byte mutations of a real envelope.
        let body: Buffer = Buffer.from(envelope(seed, style));
        const names: string[] = [];
        for (let i = rng.range(1, 4); i > 0; i--) {
          const [name, mutate] = rng.pick(byteMutations);
          names.push(name);
          body = mutate(body, rng);
        }
        return { kind: `bytes:${names.join('+')}`, method: 'POST', path: '/sdk', headers: soapHeaders(), body };
      }
      if (r < 0.93) {
        // Whole documents that are not what a vim25 client sends.
        const junk = rng.pick<[string, () => Buffer]>([
          ['empty', () => Buffer.alloc(0)],
          ['random bytes', () => Buffer.from(Array.from({ length: rng.int(4096) }, () => rng.int(256)))],
          ['random text', () => Buffer.from(randomText(rng, 500))],
          ['json', () => Buffer.from('{"Envelope":{"Body":{"Login":{}}}}')],
          ['billion laughs', () => Buffer.from(BILLION_LAUGHS)],
          ['external entity', () => Buffer.from(XXE)],
          ['quadratic blowup', () => Buffer.from(QUADRATIC)],
          ['SOAP 1.2', () => Buffer.from(`<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${seed}</e:Body></e:Envelope>`)],
          ['two Body children', () => Buffer.from(envelope(seed + rng.pick(seeds()), style))],
          ['two Bodies', () => Buffer.from(envelope(seed, style).replace(/(<(soapenv:)?Body>)/, '$1</Body><Body>'))],
          ['non-SOAP XML', () => Buffer.from(`<?xml version="1.0"?><html><body>${seed}</body></html>`)],
          ['UTF-16 envelope', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(envelope(seed, style), 'utf16le')])],
          ['BOM + envelope', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(envelope(seed, style))])],
          [
            'header only',
            () => Buffer.from('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/></soapenv:Envelope>'),
          ],
          ['empty Body', () => Buffer.from(envelope('', style))],
          ['text in Body', () => Buffer.from(envelope('just text', style))],
          ['CDATA operation', () => Buffer.from(envelope(`<![CDATA[${seed}]]>`, style))],
          ['comment-wrapped', () => Buffer.from(`<!-- ${'-'.repeat(rng.int(10))} -->${envelope(seed, style)}<!-- end -->`)],
          ['processing instructions', () => Buffer.from(envelope(`<?php echo 1; ?>${seed}`, style))],
          ['NUL bytes', () => Buffer.concat([Buffer.from(envelope(seed, style)), Buffer.alloc(rng.range(1, 100))])],
        ]);
        return { kind: `junk:${junk[0]}`, method: 'POST', path: '/sdk', headers: soapHeaders(), body: junk[1]() };
      }
      if (r < 0.995) {
        // Transport-level: other content types, paths and methods, chunking.
        const variant = rng.int(4);
        const body = Buffer.from(envelope(seed, style));
        if (variant === 0) return { kind: 'transport:content-type', method: 'POST', path: '/sdk', headers: headersFor(rng.pick(CONTENT_TYPES)), body };
        if (variant === 1) {
          const path = rng.pick([
            '/sdk/vimService',
            '/SDK',
            '/sdk/',
            '/sdk?x=1',
            '/sdk/../sdk',
            '/',
            '/sdk%00',
            '/sdk/vimServiceVersions.xml',
            '/healthz',
            '/%ff',
            `/sdk/${'a'.repeat(3000)}`,
          ]);
          return { kind: 'transport:path', method: 'POST', path, headers: soapHeaders(), body };
        }
        if (variant === 2) {
          const method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
          return {
            kind: `transport:${method}`,
            method,
            path: rng.pick(['/sdk', '/sdk/vimService', '/healthz', '/sdk/vim.wsdl']),
            headers: soapHeaders(),
            body: method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : body,
          };
        }
        return { kind: 'transport:chunked', method: 'POST', path: '/sdk', headers: { ...soapHeaders(), 'transfer-encoding': 'chunked' }, body };
      }
      // Rarely: a body over the default 4 MiB limit.
      return {
        kind: 'oversized',
        method: 'POST',
        path: '/sdk',
        headers: soapHeaders(),
        body: Buffer.alloc(4 * 1024 * 1024 + rng.int(1 << 20), 0x61),
        oversized: true,
      };
    },
  };
}

// ---- judging answers --------------------------------------------------------------------------

const XML_CONTENT = /^\s*(text\/xml|application\/xml|application\/soap\+xml)\s*(;\s*charset\s*=\s*"?utf-?8"?\s*)?$/i;

/** HTTP statuses a request may get: 200/500 from SOAP, 4xx for transport-level junk. */
export const ACCEPTABLE_STATUS = new Set([200, 400, 404, 405, 408, 413, 415, 431, 500]);

export interface Verdict {
  readonly ok: boolean;
  readonly status?: number;
  readonly problem?: string;
  readonly faultType?: string;
}

async function parseEnvelope(body: string): Promise<Record<string, unknown> | undefined> {
  try {
    const doc = (await parseStringPromise(body, { explicitArray: false, tagNameProcessors: [(n: string) => n.replace(/^.*:/, '')] })) as {
      Envelope?: { Body?: Record<string, unknown> };
    };
    return doc.Envelope?.Body;
  } catch {
    return undefined;
  }
}

/** Sends one request and judges the answer. */
export async function fire(transport: Transport, req: FuzzRequest, timeoutMs: number, bodyLimit = 4 * 1024 * 1024): Promise<Verdict> {
  const oversized = req.oversized || req.body.length > bodyLimit;
  let res: HttpAnswer;
  try {
    res = await transport.request({
      method: req.method,
      path: req.path,
      headers: req.headers['transfer-encoding'] ? req.headers : { ...req.headers, 'content-length': String(req.body.length) },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
      timeoutMs,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (oversized && (code === 'ECONNRESET' || code === 'EPIPE')) return { ok: true, problem: `oversized body: connection closed (${code})` };
    if (error instanceof RequestTimeout) return { ok: false, problem: `hang: ${error.message}` };
    return { ok: false, problem: `dropped connection: ${code ?? ''} ${(error as Error).message}` };
  }
  const status = res.status;
  if (!ACCEPTABLE_STATUS.has(status)) return { ok: false, status, problem: `unexpected HTTP ${status}: ${res.body.toString('utf8').slice(0, 300)}` };
  // Over the limit: 413, unless the content type alone is refused first (415).
  if (oversized && status !== 413 && !(status === 415 && !XML_CONTENT.test(req.headers['content-type'] ?? ''))) {
    return { ok: false, status, problem: `a body over the limit got HTTP ${status}, not 413 (content-type ${JSON.stringify(req.headers['content-type'])})` };
  }
  const isSoapPost = req.method === 'POST' && (req.path === '/sdk' || req.path === '/sdk/vimService');
  if (status === 500 || (status === 200 && isSoapPost)) {
    const text = res.body.toString('utf8');
    const bad = nonXmlChar(text);
    if (bad) return { ok: false, status, problem: `the answer is not well-formed XML (a conforming parser such as pyVmomi's expat rejects it): ${bad}` };
    const body = await parseEnvelope(text);
    if (!body) return { ok: false, status, problem: `HTTP ${status} without a parseable SOAP envelope: ${text.slice(0, 300)}` };
    if (status === 500) {
      const fault = body.Fault as Record<string, unknown> | undefined;
      if (!fault || fault.faultcode === undefined || fault.faultstring === undefined)
        return { ok: false, status, problem: `HTTP 500 without a SOAP fault: ${text.slice(0, 300)}` };
      const detail = fault.detail as Record<string, Record<string, unknown>> | undefined;
      const element = detail && Object.entries(detail).find(([k]) => k !== '$')?.[1];
      const faultType = (element?.$ as Record<string, string> | undefined)?.['xsi:type'];
      if (!faultType) return { ok: false, status, problem: `a fault without detail xsi:type: ${text.slice(0, 300)}` };
      if (faultType === 'SystemError')
        return { ok: false, status, faultType, problem: `internal error (SystemError): ${String(fault.faultstring).slice(0, 300)}` };
      return { ok: true, status, faultType };
    }
    const keys = Object.keys(body).filter((k) => k !== '$');
    if (keys.length !== 1 || !keys[0].endsWith('Response')) return { ok: false, status, problem: `HTTP 200 without an XResponse: ${text.slice(0, 300)}` };
  }
  return { ok: true, status };
}

export interface FuzzStats {
  requests: number;
  byStatus: Record<string, number>;
  byFault: Record<string, number>;
  failures: Array<{ index: number; kind: string; problem: string; body: string }>;
}

/**
 * Runs the fuzzer until `maxRequests` or `deadline` (ms since epoch), `concurrency` requests in
 * flight. Failures keep the request body (base64, truncated) for replay.
 */
export async function runFuzz(options: {
  transport: Transport;
  fuzzer: Fuzzer;
  maxRequests: number;
  deadline: number;
  concurrency: number;
  timeoutMs: number;
  onFailure?: (failure: FuzzStats['failures'][number], req: FuzzRequest) => void;
}): Promise<FuzzStats> {
  const stats: FuzzStats = { requests: 0, byStatus: {}, byFault: {}, failures: [] };
  let issued = 0;
  const worker = async () => {
    while (issued < options.maxRequests && Date.now() < options.deadline) {
      const index = issued++;
      const req = options.fuzzer.next();
      const verdict = await fire(options.transport, req, options.timeoutMs);
      stats.requests++;
      const statusKey = verdict.status === undefined ? 'none' : String(verdict.status);
      stats.byStatus[statusKey] = (stats.byStatus[statusKey] ?? 0) + 1;
      if (verdict.faultType) stats.byFault[verdict.faultType] = (stats.byFault[verdict.faultType] ?? 0) + 1;
      if (!verdict.ok) {
        const failure = {
          index,
          kind: req.kind,
          problem: `${req.method} ${req.path.slice(0, 60)} content-type ${JSON.stringify(req.headers['content-type'])}: ${verdict.problem ?? '?'}`,
          body: req.body.subarray(0, 2048).toString('base64'),
        };
        stats.failures.push(failure);
        options.onFailure?.(failure, req);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return stats;
}
