// Runs model commands against the real server: writes each command as a pyVmomi- or
// govmomi-style envelope, checks the answer (success or the exact fault with its fields) against
// the model, reads every touched task's info back through RetrievePropertiesEx and compares it
// with the model, and checks the contract's invariants on what it read.

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import { faultOf, type SoapResponse } from '../../helpers/soap-client.js';
import { TASK_TYPE, type Xml } from '../../helpers/tasks.js';
import { FastSession, nonXmlChar, Transport, xmlEscape as esc } from '../lib/client.js';
import { loggedIn } from '../lib/sessions.js';
import {
  expectedAnswer,
  expectedInfo,
  isTerminal,
  newModelTask,
  NON_VIM_FAULTS,
  TASK_INFO_ORDER,
  UNKNOWN_FAULTS,
  USER_NAME,
  VIM_FAULTS,
  type Caller,
  type Command,
  type Expected,
  type FaultArg,
  type ModelConfig,
  type ModelTask,
  type ResultArg,
  type SingleCommand,
  type Style,
  type Target,
} from './model.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** What was seen of one task so far: values that must never change once set. */
interface Observed {
  queueTime: string;
  startTime?: string;
  completeTime?: string;
  eventChainId: unknown;
  entityName: unknown;
  /** state, result, error, progress, completeTime once terminal: frozen for good. */
  terminal?: string;
}

export interface World {
  readonly config: ModelConfig;
  readonly transport: Transport;
  readonly sessions: Record<Caller, FastSession>;
  readonly observer: FastSession;
  /** Highest task number seen: new keys must be above it (never reused). */
  maxKey: number;
  sequences: number;
  steps: number;
}

export async function openWorld(baseUrl: string, config: ModelConfig): Promise<World> {
  const transport = new Transport(baseUrl);
  const admin = await loggedIn(transport, 'admin');
  const loggedOut = await loggedIn(transport, 'operator');
  const ended = loggedOut.cookie;
  const res = await loggedOut.call('Logout', 'SessionManager', 'SessionManager');
  expect(res.status, res.body).toBe(200);
  loggedOut.cookie = ended;
  loggedOut.pinned = true;
  const forged = new FastSession(transport);
  // The admin cookie with its value replaced by random bytes of the same length: a guess.
  const value = /vmware_soap_session=([^;]*)/.exec(admin.cookie!)![1];
  forged.cookie = `vmware_soap_session=${randomBytes(value.length).toString('hex').slice(0, value.length)}`;
  forged.pinned = true;
  const anonymous = new FastSession(transport);
  anonymous.pinned = true;
  const sessions: Record<Caller, FastSession> = {
    admin,
    admin2: await loggedIn(transport, 'admin'),
    operator: await loggedIn(transport, 'operator'),
    creator: await loggedIn(transport, 'creator'),
    viewer: await loggedIn(transport, 'viewer'),
    anonymous,
    loggedOut,
    forged,
  };
  return { config, transport, sessions, observer: await loggedIn(transport, 'admin'), maxKey: 0, sequences: 0, steps: 0 };
}

// ---- writing commands ----------------------------------------------------------------------

function xsiType(style: Style, type: string): string {
  return style === 'pyvmomi' ? `xsi:type="${type}"` : `xmlns:XMLSchema-instance="${XSI}" XMLSchema-instance:type="${type}"`;
}

function resultArg(style: Style, r: ResultArg): string {
  switch (r.kind) {
    case 'string':
      return `<result ${xsiType(style, 'xsd:string')}>${esc(r.value)}</result>`;
    case 'int':
      return `<result ${xsiType(style, 'xsd:int')}>${r.value}</result>`;
    case 'long':
      return `<result ${xsiType(style, 'xsd:long')}>${r.value.toString()}</result>`;
    case 'boolean':
      return `<result ${xsiType(style, 'xsd:boolean')}>${r.value}</result>`;
    case 'moref':
      return `<result ${xsiType(style, r.pyvmomi ? 'ManagedObject' : 'ManagedObjectReference')} type="${r.type}">${esc(r.value)}</result>`;
    case 'strings':
      return `<result ${xsiType(style, 'ArrayOfString')}>${r.values.map((v) => `<string>${esc(v)}</string>`).join('')}</result>`;
    case 'keyValue':
      return `<result ${xsiType(style, 'KeyValue')}><key>${esc(r.key)}</key><value>${esc(r.value)}</value></result>`;
    case 'invalid':
      return `<result ${xsiType(style, r.xsiType)}>x</result>`;
  }
}

function faultArg(style: Style, f: FaultArg): string {
  const fields = f.fields
    .map((field) =>
      'moref' in field ? `<${field.name} type="${field.moref.type}">${field.moref.value}</${field.name}>` : `<${field.name}>${esc(field.text)}</${field.name}>`,
    )
    .join('');
  const message = f.localizedMessage === undefined ? '' : `<localizedMessage>${esc(f.localizedMessage)}</localizedMessage>`;
  return `<fault><fault ${xsiType(style, f.type)}>${fields}</fault>${message}</fault>`;
}

function targetId(tasks: readonly ModelTask[], target: Target): string {
  return target.kind === 'task' ? tasks[target.index].key : target.id;
}

function send(world: World, tasks: readonly ModelTask[], cmd: SingleCommand): Promise<SoapResponse> {
  const s = world.sessions[cmd.caller];
  const opts = { style: cmd.style };
  switch (cmd.m) {
    case 'CreateTask':
      return s.call(
        'CreateTask',
        'TaskManager',
        'TaskManager',
        `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId>` +
          (cmd.initiatedBy === undefined ? '' : `<initiatedBy>${esc(cmd.initiatedBy)}</initiatedBy>`) +
          `<cancelable>${cmd.cancelable}</cancelable>` +
          (cmd.parent ? `<parentTaskKey>${esc(targetId(tasks, cmd.parent))}</parentTaskKey>` : ''),
        opts,
      );
    case 'SetTaskState':
      return s.call(
        'SetTaskState',
        'Task',
        targetId(tasks, cmd.target),
        `<state>${esc(cmd.state)}</state>${cmd.result ? resultArg(cmd.style, cmd.result) : ''}${cmd.fault ? faultArg(cmd.style, cmd.fault) : ''}`,
        opts,
      );
    case 'UpdateProgress':
      return s.call('UpdateProgress', 'Task', targetId(tasks, cmd.target), `<percentDone>${esc(cmd.percentDone)}</percentDone>`, opts);
    case 'SetTaskDescription':
      return s.call(
        'SetTaskDescription',
        'Task',
        targetId(tasks, cmd.target),
        `<description><key>${esc(cmd.key)}</key><message>${esc(cmd.message)}</message></description>`,
        opts,
      );
    case 'CancelTask':
      return s.call('CancelTask', 'Task', targetId(tasks, cmd.target), '', opts);
  }
}

// ---- checking answers and info ---------------------------------------------------------------

function describeCall(cmd: SingleCommand, tasks: readonly ModelTask[]): string {
  const target = 'target' in cmd ? ` on ${targetId(tasks, cmd.target)}` : '';
  return `${cmd.m}${target} as ${cmd.caller} (${cmd.style})`;
}

function checkAnswer(label: string, expected: Expected, res: SoapResponse): void {
  expect(nonXmlChar(res.body), `${label}: the answer must be well-formed XML`).toBeUndefined();
  if (expected.ok) {
    expect(faultOf(res)?.type, `${label}: expected success\n${res.body}`).toBeUndefined();
    expect(res.status, `${label}\n${res.body}`).toBe(200);
    return;
  }
  const f = faultOf(res);
  expect(f?.type, `${label}: expected fault ${expected.fault}\n${res.body}`).toBe(expected.fault);
  expect(res.status, `${label}\n${res.body}`).toBe(500);
  expect(f!.elementName, label).toBe(`${expected.fault}Fault`);
  expect((res.result.Fault as Xml).faultcode, label).toBe('ServerFaultCode');
  expect(f!.faultstring.length, `${label}: faultstring`).toBeGreaterThan(0);
  for (const [key, value] of Object.entries(expected.fields ?? {})) expect(f!.detail[key], `${label}: ${expected.fault}.${key}`).toEqual(value);
}

async function readInfo(world: World, key: string): Promise<Xml> {
  const res = await world.observer.call(
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${key}</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>`,
  );
  expect(res.status, `RetrievePropertiesEx ${key}\n${res.body}`).toBe(200);
  expect(nonXmlChar(res.body), `RetrievePropertiesEx ${key}: the answer must be well-formed XML`).toBeUndefined();
  const propSet = (((res.result.RetrievePropertiesExResponse as Xml).returnval as Xml).objects as Xml).propSet as Xml;
  expect(propSet.name).toBe('info');
  return propSet.val as Xml;
}

const SERVER_CHOSEN = new Set(['descriptionId', 'entity', 'entityName', 'queueTime', 'startTime', 'completeTime', 'eventChainId']);

/** Compares one read of TaskInfo with the model and checks the invariants. */
export function checkInfo(label: string, task: ModelTask, info: Xml, seen: Map<string, Observed>): void {
  const at = `${label}: info of ${task.key}`;
  // WSDL field order, no unknown fields.
  const keys = Object.keys(info).filter((k) => k !== '$');
  const positions = keys.map((k) => TASK_INFO_ORDER.indexOf(k));
  expect(
    positions.every((p) => p >= 0),
    `${at}: unknown field in ${keys.join(',')}`,
  ).toBe(true);
  expect(
    [...positions].sort((a, b) => a - b),
    `${at}: fields out of WSDL order: ${keys.join(',')}`,
  ).toEqual(positions);

  // The model's fields, exactly; nothing else beyond what the server chooses.
  const expected = expectedInfo(task);
  const actual: Record<string, unknown> = {};
  for (const k of keys) if (!SERVER_CHOSEN.has(k)) actual[k] = info[k];
  if (task.error?.kind === 'canceled') {
    const error = info.error as Xml | undefined;
    expect((error?.fault as Xml | undefined)?.$?.['xsi:type'], `${at}: error of a canceled task`).toBe('RequestCanceled');
    expect(String(error?.localizedMessage ?? ''), `${at}: cancel message`).toMatch(/cancel/i);
    delete actual.error;
  }
  expect(actual, at).toEqual(expected);
  expect(info.descriptionId, at).toBe(TASK_TYPE);
  expect(info.entity, at).toEqual({ _: 'group-d1', $: { type: 'Folder' } });

  // Timestamps: UTC, present exactly when the model says, never changed once set, ordered.
  const queueTime = info.queueTime as string;
  const startTime = info.startTime as string | undefined;
  const completeTime = info.completeTime as string | undefined;
  expect(queueTime, `${at}: queueTime`).toMatch(TIMESTAMP);
  expect(startTime !== undefined, `${at}: startTime set iff the task was started`).toBe(task.started);
  expect(completeTime !== undefined, `${at}: completeTime set iff the task completed`).toBe(task.completed);
  if (startTime) expect(startTime, `${at}: startTime`).toMatch(TIMESTAMP);
  if (completeTime) expect(completeTime, `${at}: completeTime`).toMatch(TIMESTAMP);
  const ms = [queueTime, startTime, completeTime].filter((t): t is string => t !== undefined).map((t) => Date.parse(t));
  for (let i = 1; i < ms.length; i++) expect(ms[i - 1], `${at}: queueTime ≤ startTime ≤ completeTime`).toBeLessThanOrEqual(ms[i]);

  // Invariants on the read itself, independent of the model.
  const state = info.state as string;
  if (info.progress !== undefined) {
    const p = Number(info.progress);
    expect(p >= 0 && p <= 100 && Number.isInteger(p), `${at}: progress ${String(info.progress)} within 0..100`).toBe(true);
  }
  if (info.cancelled === 'true') expect(task.cancelRequested, `${at}: cancelled without a CancelTask`).toBe(true);
  if (info.result !== undefined) expect(state, `${at}: result only on success`).toBe('success');
  if (info.error !== undefined) expect(state, `${at}: error only on error`).toBe('error');

  const prev = seen.get(task.key);
  if (!prev) {
    seen.set(task.key, { queueTime, startTime, completeTime, eventChainId: info.eventChainId, entityName: info.entityName });
  } else {
    expect(queueTime, `${at}: queueTime changed`).toBe(prev.queueTime);
    expect(info.eventChainId, `${at}: eventChainId changed`).toEqual(prev.eventChainId);
    expect(info.entityName, `${at}: entityName changed`).toEqual(prev.entityName);
    if (prev.startTime) expect(startTime, `${at}: startTime changed`).toBe(prev.startTime);
    if (prev.completeTime) expect(completeTime, `${at}: completeTime changed`).toBe(prev.completeTime);
    prev.startTime ??= startTime;
    prev.completeTime ??= completeTime;
  }
  const frozen = JSON.stringify([info.state, info.result, info.error, info.progress, info.cancelled, completeTime]);
  const obs = seen.get(task.key)!;
  if (obs.terminal !== undefined) expect(frozen, `${at}: a terminal task changed`).toBe(obs.terminal);
  else if (isTerminal(state as ModelTask['state'])) obs.terminal = frozen;
}

// ---- one sequence --------------------------------------------------------------------------

interface Sequence {
  readonly world: World;
  readonly tasks: ModelTask[];
  readonly seen: Map<string, Observed>;
}

function resolve(cmd: SingleCommand, tasks: readonly ModelTask[]): SingleCommand {
  const fix = (t: Target): Target => (t.kind === 'task' ? { kind: 'task', index: t.index % tasks.length } : t);
  if (cmd.m === 'CreateTask') return cmd.parent ? { ...cmd, parent: fix(cmd.parent) } : cmd;
  return { ...cmd, target: fix(cmd.target) };
}

function touched(cmd: SingleCommand): number | undefined {
  return 'target' in cmd && cmd.target.kind === 'task' ? cmd.target.index : undefined;
}

/** After the answer: adds a created task to the model and checks the TaskInfo CreateTask returned. */
function afterCreate(seq: Sequence, cmd: SingleCommand, expected: Expected, res: SoapResponse, maxKeyBefore: number): ModelTask | undefined {
  if (cmd.m !== 'CreateTask' || !expected.ok) return undefined;
  const info = (res.result.CreateTaskResponse as Xml).returnval as Xml;
  const key = info.key as string;
  expect(key, 'CreateTask key').toMatch(/^task-\d+$/);
  const n = Number(key.slice(5));
  expect(n, `CreateTask key ${key} must be new (above ${maxKeyBefore})`).toBeGreaterThan(maxKeyBefore);
  expect(
    seq.tasks.some((t) => t.key === key),
    `CreateTask key ${key} reused`,
  ).toBe(false);
  seq.world.maxKey = Math.max(seq.world.maxKey, n);
  const parent = cmd.parent?.kind === 'task' ? seq.tasks[cmd.parent.index] : undefined;
  const task = newModelTask(key, cmd.cancelable, cmd.initiatedBy ?? USER_NAME[cmd.caller]!, parent);
  seq.tasks.push(task);
  checkInfo('CreateTask answer', task, info, seq.seen);
  return task;
}

async function step(seq: Sequence, command: Command, index: number): Promise<void> {
  const { world, tasks } = seq;
  world.steps++;
  if (command.m === 'Pair') {
    const a = resolve(command.a, tasks);
    const b = resolve(command.b, tasks);
    const ta = touched(a);
    if (ta !== undefined && ta === touched(b)) {
      // Two calls on one task do not commute: run them one after the other.
      await step(seq, a, index);
      await step(seq, b, index);
      return;
    }
    // Calls on different tasks commute, so the model may apply them in any order.
    const labels = [`step ${index} (concurrent) ${describeCall(a, tasks)}`, `step ${index} (concurrent) ${describeCall(b, tasks)}`];
    const ea = expectedAnswer(world.config, tasks, a);
    const eb = expectedAnswer(world.config, tasks, b);
    const maxKey = world.maxKey;
    const [ra, rb] = await Promise.all([send(world, tasks, a), send(world, tasks, b)]);
    checkAnswer(labels[0], ea, ra);
    checkAnswer(labels[1], eb, rb);
    const created = [afterCreate(seq, a, ea, ra, maxKey), afterCreate(seq, b, eb, rb, maxKey)];
    const read = new Set<ModelTask>();
    for (const [cmd, task] of [
      [a, created[0]],
      [b, created[1]],
    ] as const) {
      const t = touched(cmd);
      if (t !== undefined) read.add(tasks[t]);
      if (task) read.add(task);
    }
    await Promise.all([...read].map(async (task) => checkInfo(labels.join(' ‖ '), task, await readInfo(world, task.key), seq.seen)));
    return;
  }
  const cmd = resolve(command, tasks);
  const label = `step ${index} ${describeCall(cmd, tasks)}`;
  const expected = expectedAnswer(world.config, tasks, cmd);
  const maxKey = world.maxKey;
  const res = await send(world, tasks, cmd);
  checkAnswer(label, expected, res);
  const created = afterCreate(seq, cmd, expected, res, maxKey);
  const t = touched(cmd);
  const toRead = created ?? (t !== undefined ? tasks[t] : undefined);
  if (toRead) checkInfo(label, toRead, await readInfo(world, toRead.key), seq.seen);
}

export interface Initial {
  tasks: Array<{ cancelable: boolean; phase: 'queued' | 'running' | 'cancelRequested' }>;
}

/** Runs one sequence: fresh tasks brought to their initial phase (every setup call checked too), then the commands. */
export async function runSequence(world: World, init: Initial, commands: readonly Command[]): Promise<void> {
  const seq: Sequence = { world, tasks: [], seen: new Map() };
  world.sequences++;
  for (const t of init.tasks) {
    await step(seq, { m: 'CreateTask', caller: 'admin', style: 'pyvmomi', cancelable: t.cancelable, parent: null, initiatedBy: undefined }, -1);
    const target: Target = { kind: 'task', index: seq.tasks.length - 1 };
    if (t.phase !== 'queued')
      await step(seq, { m: 'SetTaskState', caller: 'admin', style: 'pyvmomi', target, state: 'running', result: undefined, fault: undefined }, -1);
    if (t.phase === 'cancelRequested') await step(seq, { m: 'CancelTask', caller: 'admin', style: 'pyvmomi', target }, -1);
  }
  for (const [i, cmd] of commands.entries()) await step(seq, cmd, i);
}

// ---- generators ------------------------------------------------------------------------------

const weighted = <T>(...items: Array<[number, fc.Arbitrary<T>]>): fc.Arbitrary<T> => fc.oneof(...items.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const charArb: fc.Arbitrary<string> = weighted<string>(
  [60, fc.constantFrom('a', 'b', 'z', 'Q', '0', '9', '-', '_', '.', ' ')],
  [20, fc.constantFrom('<', '>', '&', '"', "'", '\n', '\t', ']]>', '&amp;', '<!--')],
  [20, fc.constantFrom('é', 'ß', '日', '本', 'Ω', '\u00a0', '\u200b', '\u2028', '\ufeff', '🙂', '𝄞', '\u{10fffd}')],
  [10, fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCharCode(c))],
  // Not XML characters at all: a request carrying one is not well-formed (InvalidRequest).
  [1, fc.constantFrom('\u0000', '\u0001', '\u000b', '\u001f', '\ufffe', '\uffff')],
);
export const textArb = (maxLength = 12, minLength = 0): fc.Arbitrary<string> => fc.array(charArb, { minLength, maxLength }).map((a) => a.join(''));

const callerArb: fc.Arbitrary<Caller> = weighted<Caller>(
  [7, fc.constant('admin')],
  [2, fc.constant('admin2')],
  [3, fc.constant('operator')],
  [1, fc.constant('creator')],
  [1, fc.constant('viewer')],
  [1, fc.constantFrom<Caller>('anonymous', 'loggedOut', 'forged')],
);

const styleArb = fc.constantFrom<Style>('pyvmomi', 'govmomi');

const targetArb: fc.Arbitrary<Target> = weighted<Target>(
  [14, fc.nat(7).map((index) => ({ kind: 'task' as const, index }))],
  [
    1,
    fc.oneof(
      fc.integer({ min: 900_000_000, max: 2_000_000_000 }).map((n) => ({ kind: 'unknown' as const, id: `task-${n}` })),
      fc.constantFrom('task-0', 'task-00001', 'task-', 'vm-1', 'Task').map((id) => ({ kind: 'unknown' as const, id })),
    ),
  ],
);

const INT64 = 2n ** 63n;
export const resultArb: fc.Arbitrary<ResultArg> = weighted<ResultArg>(
  [4, textArb(16).map((value) => ({ kind: 'string' as const, value }))],
  [2, fc.integer().map((value) => ({ kind: 'int' as const, value }))],
  [
    2,
    fc
      .oneof(
        { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: -INT64, max: INT64 - 1n }) },
      )
      .map((value) => ({ kind: 'long' as const, value })),
  ],
  [1, fc.boolean().map((value) => ({ kind: 'boolean' as const, value }))],
  [
    2,
    fc.record({
      kind: fc.constant('moref' as const),
      pyvmomi: fc.boolean(),
      type: fc.constantFrom('Folder', 'VirtualMachine', 'Task', 'Datastore', 'HostSystem'),
      value: fc.constantFrom('group-d1', 'vm-42', 'task-7', 'datastore-1', 'host-9'),
    }),
  ],
  [1, fc.array(textArb(6), { maxLength: 3 }).map((values) => ({ kind: 'strings' as const, values }))],
  [1, fc.record({ kind: fc.constant('keyValue' as const), key: textArb(6), value: textArb(6) })],
  [1, fc.constantFrom('NoSuchType', 'xsd:notAType', 'ArrayOfNothing').map((xsiType) => ({ kind: 'invalid' as const, xsiType }))],
);

export const faultArb: fc.Arbitrary<FaultArg> = fc
  .record({
    base: weighted(
      [5, fc.constantFrom(...VIM_FAULTS)],
      [3, fc.constantFrom(...NON_VIM_FAULTS)],
      [1, fc.constantFrom(...UNKNOWN_FAULTS).map((type) => ({ type, fields: [] }))],
    ),
    localizedMessage: fc.option(textArb(16), { nil: undefined }),
  })
  .map(({ base, localizedMessage }) => ({ type: base.type, fields: base.fields, localizedMessage }));

const stateArb = weighted<string>(
  [3, fc.constant('running')],
  [3, fc.constant('success')],
  [3, fc.constant('error')],
  [1, fc.constant('queued')],
  [1, fc.constantFrom('paused', 'SUCCESS', '', 'canceled', 'Running')],
);

const percentArb = weighted<string>(
  [6, fc.integer({ min: -10, max: 110 }).map(String)],
  [2, fc.integer().map(String)],
  [1, fc.tuple(fc.integer({ min: 0, max: 100 }), fc.constantFrom('+', ' ', '0')).map(([n, how]) => (how === ' ' ? ` ${n} ` : `${how}${n}`))],
  [1, fc.constantFrom('2147483648', '-2147483649', '12.5', 'ten', '', '1e2', '0x10', '99999999999999999999999')],
);

export function commandArb(): fc.Arbitrary<Command> {
  const setState = fc
    .record({ caller: callerArb, style: styleArb, target: targetArb, state: stateArb, r: fc.nat(9), f: fc.nat(9), result: resultArb, fault: faultArb })
    .map(({ r, f, result, fault, ...rest }) => ({
      m: 'SetTaskState' as const,
      ...rest,
      result: (rest.state === 'success' ? r < 7 : r < 1) ? result : undefined,
      fault: (rest.state === 'error' ? f < 7 : f < 1) ? fault : undefined,
    }));
  const single: fc.Arbitrary<SingleCommand> = weighted<SingleCommand>(
    [6, setState],
    [2, fc.record({ m: fc.constant('UpdateProgress' as const), caller: callerArb, style: styleArb, target: targetArb, percentDone: percentArb })],
    [
      1,
      fc.record({
        m: fc.constant('SetTaskDescription' as const),
        caller: callerArb,
        style: styleArb,
        target: targetArb,
        key: textArb(10),
        message: textArb(24),
      }),
    ],
    [3, fc.record({ m: fc.constant('CancelTask' as const), caller: callerArb, style: styleArb, target: targetArb })],
    [
      2,
      fc.record({
        m: fc.constant('CreateTask' as const),
        caller: callerArb,
        style: styleArb,
        cancelable: fc.boolean(),
        parent: fc.option(targetArb, { nil: null }),
        initiatedBy: fc.option(textArb(10, 1), { nil: undefined }),
      }),
    ],
  );
  return weighted<Command>([7, single], [1, fc.tuple(single, single).map(([a, b]) => ({ m: 'Pair' as const, a, b }))]);
}

export const initialArb: fc.Arbitrary<Initial> = fc.record({
  tasks: fc.array(
    fc.record({
      cancelable: weighted([3, fc.constant(true)], [1, fc.constant(false)]),
      phase: fc.constantFrom<'queued' | 'running' | 'cancelRequested'>('queued', 'running', 'running', 'cancelRequested'),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

export const sequenceArb = fc.array(commandArb(), { minLength: 1, maxLength: 4 });
