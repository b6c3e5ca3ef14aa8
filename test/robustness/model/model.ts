// A small reference model of contract.md for vim.Task: what every task call must answer (success
// or the exact fault) and what the task's info must hold afterwards. It knows nothing about the
// server's code; it is written from the contract's tables only.

export type TaskState = 'queued' | 'running' | 'success' | 'error';
export type CancelMode = 'immediate' | 'cooperative';
export type Style = 'pyvmomi' | 'govmomi';

/** The users of examples/users.json, plus callers without a valid session. */
export type Caller = 'admin' | 'admin2' | 'operator' | 'creator' | 'viewer' | 'anonymous' | 'loggedOut' | 'forged';

export const CALLERS: readonly Caller[] = ['admin', 'admin2', 'operator', 'creator', 'viewer', 'anonymous', 'loggedOut', 'forged'];

/** Login user name of each caller with a session; undefined: no valid session. */
export const USER_NAME: Record<Caller, string | undefined> = {
  admin: 'admin',
  admin2: 'admin',
  operator: 'operator',
  creator: 'creator',
  viewer: 'viewer',
  anonymous: undefined,
  loggedOut: undefined,
  forged: undefined,
};

const ALL = '*';
/** Privileges by role (examples/users.json): Admin has all; ReadOnly only System.*. */
const PRIVILEGES: Record<Caller, readonly string[]> = {
  admin: [ALL],
  admin2: [ALL],
  operator: ['Task.Create', 'Task.Update', 'Global.CancelTask'],
  creator: ['Task.Create'],
  viewer: [],
  anonymous: [],
  loggedOut: [],
  forged: [],
};

export function hasPrivilege(caller: Caller, privilege: string): boolean {
  const list = PRIVILEGES[caller];
  return list.includes(ALL) || list.includes(privilege) || privilege.startsWith('System.');
}

// ---- values a command carries -------------------------------------------------------------

/** A SetTaskState `result` argument. `invalid` uses an xsi:type no WSDL knows. */
export type ResultArg =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'long'; value: bigint }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'moref'; pyvmomi: boolean; type: string; value: string }
  | { kind: 'strings'; values: string[] }
  | { kind: 'keyValue'; key: string; value: string }
  | { kind: 'invalid'; xsiType: string };

export type FaultField = { name: string; text: string } | { name: string; moref: { type: string; value: string } };

/** A SetTaskState `fault` argument (a LocalizedMethodFault). */
export interface FaultArg {
  type: string;
  fields: FaultField[];
  localizedMessage?: string;
}

/** Fault types by what the contract needs to know: VimFault or not, or unknown to the WSDL. */
export const VIM_FAULTS: ReadonlyArray<{ type: string; fields: FaultField[] }> = [
  { type: 'InvalidState', fields: [] },
  { type: 'NotFound', fields: [] },
  { type: 'Timedout', fields: [] },
  { type: 'InvalidPowerState', fields: [{ name: 'existingState', text: 'poweredOff' }] },
  { type: 'AlreadyExists', fields: [{ name: 'name', text: 'vm-1' }] },
  { type: 'FileNotFound', fields: [{ name: 'file', text: '[ds] a/b.vmdk' }] },
  { type: 'TaskInProgress', fields: [{ name: 'task', moref: { type: 'Task', value: 'task-1' } }] },
];
export const NON_VIM_FAULTS: ReadonlyArray<{ type: string; fields: FaultField[] }> = [
  { type: 'SystemError', fields: [{ name: 'reason', text: 'boom' }] },
  { type: 'NotSupported', fields: [] },
  { type: 'RuntimeFault', fields: [] },
  { type: 'MethodFault', fields: [] },
  { type: 'RequestCanceled', fields: [] },
  { type: 'InvalidArgument', fields: [{ name: 'invalidProperty', text: 'x' }] },
  {
    type: 'NoPermission',
    fields: [
      { name: 'object', moref: { type: 'Folder', value: 'group-d1' } },
      { name: 'privilegeId', text: 'Task.Update' },
    ],
  },
];
export const UNKNOWN_FAULTS = ['NoSuchFault', 'Task', 'TaskInfo'];

export function isVimFault(type: string): boolean {
  return VIM_FAULTS.some((f) => f.type === type);
}

/** Which task a command is about: one of this sequence's tasks (by index), or an id nobody made. */
export type Target = { kind: 'task'; index: number } | { kind: 'unknown'; id: string };

export type Command =
  | { m: 'CreateTask'; caller: Caller; style: Style; cancelable: boolean; parent: Target | null; initiatedBy: string | undefined }
  | { m: 'SetTaskState'; caller: Caller; style: Style; target: Target; state: string; result: ResultArg | undefined; fault: FaultArg | undefined }
  | { m: 'UpdateProgress'; caller: Caller; style: Style; target: Target; percentDone: string }
  | { m: 'SetTaskDescription'; caller: Caller; style: Style; target: Target; key: string; message: string }
  | { m: 'CancelTask'; caller: Caller; style: Style; target: Target }
  | { m: 'Pair'; a: SingleCommand; b: SingleCommand };

export type SingleCommand = Exclude<Command, { m: 'Pair' }>;

// ---- the model --------------------------------------------------------------------------

export type StoredError = { kind: 'fault'; fault: FaultArg } | { kind: 'canceled' };

export interface ModelTask {
  key: string;
  cancelable: boolean;
  state: TaskState;
  cancelled: boolean;
  /** CancelTask succeeded on this task at least once (the only way `cancelled` may become true). */
  cancelRequested: boolean;
  progress: number | undefined;
  result: ResultArg | undefined;
  error: StoredError | undefined;
  description: { key: string; message: string } | undefined;
  userName: string;
  parentTaskKey: string | undefined;
  rootTaskKey: string | undefined;
  started: boolean;
  completed: boolean;
}

export interface ModelConfig {
  cancelMode: CancelMode;
  /** '' : CancelTask needs only a session (the default). */
  cancelPrivilege: string;
}

export type Expected = { ok: true } | { ok: false; fault: string; fields?: Record<string, unknown> };

const OK: Expected = { ok: true };
const fault = (type: string, fields?: Record<string, unknown>): Expected => ({ ok: false, fault: type, fields });
const morefXml = (type: string, value: string) => ({ _: value, $: { type } });

export function isTerminal(state: TaskState): boolean {
  return state === 'success' || state === 'error';
}

export const STATES: readonly TaskState[] = ['queued', 'running', 'success', 'error'];
const TRANSITION: Record<TaskState, Record<TaskState, 'noop' | 'start' | 'complete' | 'invalid'>> = {
  queued: { queued: 'noop', running: 'start', success: 'complete', error: 'complete' },
  running: { queued: 'invalid', running: 'noop', success: 'complete', error: 'complete' },
  success: { queued: 'invalid', running: 'invalid', success: 'invalid', error: 'invalid' },
  error: { queued: 'invalid', running: 'invalid', success: 'invalid', error: 'invalid' },
};

export function newModelTask(key: string, cancelable: boolean, userName: string, parent: ModelTask | undefined): ModelTask {
  return {
    key,
    cancelable,
    state: 'queued',
    cancelled: false,
    cancelRequested: false,
    progress: undefined,
    result: undefined,
    error: undefined,
    description: undefined,
    userName,
    parentTaskKey: parent?.key,
    rootTaskKey: parent ? (parent.rootTaskKey ?? parent.key) : undefined,
    started: false,
    completed: false,
  };
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** xsd:int's lexical space (whitespace collapsed, optional sign, digits) and value range. */
export function parseXsdInt(lexical: string): number | undefined {
  const text = lexical.trim();
  if (!/^[+-]?\d{1,12}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
}

/** XML 1.0 Char: a request with any other character is not well-formed XML. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function texts(cmd: SingleCommand): string[] {
  switch (cmd.m) {
    case 'CreateTask':
      return cmd.initiatedBy === undefined ? [] : [cmd.initiatedBy];
    case 'SetTaskDescription':
      return [cmd.key, cmd.message];
    case 'SetTaskState': {
      const out: string[] = [];
      const r = cmd.result;
      if (r?.kind === 'string') out.push(r.value);
      if (r?.kind === 'strings') out.push(...r.values);
      if (r?.kind === 'keyValue') out.push(r.key, r.value);
      if (cmd.fault?.localizedMessage !== undefined) out.push(cmd.fault.localizedMessage);
      return out;
    }
    default:
      return [];
  }
}

/** A request the XML reader or the WSDL types refuse before anything else happens: InvalidRequest. */
function malformed(cmd: SingleCommand): boolean {
  if (texts(cmd).some((t) => NOT_XML.test(t))) return true;
  switch (cmd.m) {
    case 'SetTaskState':
      return (
        !(STATES as readonly string[]).includes(cmd.state) ||
        cmd.result?.kind === 'invalid' ||
        (cmd.fault !== undefined && UNKNOWN_FAULTS.includes(cmd.fault.type))
      );
    case 'UpdateProgress':
      return parseXsdInt(cmd.percentDone) === undefined;
    default:
      return false;
  }
}

/**
 * Applies one command to the model: returns the answer the server must give. For CreateTask the
 * caller adds the task (its key comes from the server) with `createdTask`.
 */
export function expectedAnswer(config: ModelConfig, tasks: readonly ModelTask[], cmd: SingleCommand): Expected {
  if (malformed(cmd)) return fault('InvalidRequest');
  const thisRef =
    cmd.m === 'CreateTask'
      ? morefXml('TaskManager', 'TaskManager')
      : morefXml('Task', cmd.target.kind === 'task' ? tasks[cmd.target.index].key : cmd.target.id);
  if (USER_NAME[cmd.caller] === undefined) return fault('NotAuthenticated', { object: thisRef, privilegeId: 'System.View' });

  if (cmd.m === 'CreateTask') {
    if (!hasPrivilege(cmd.caller, 'Task.Create')) return fault('NoPermission', { object: thisRef, privilegeId: 'Task.Create' });
    if (cmd.parent?.kind === 'unknown') return fault('InvalidArgument', { invalidProperty: 'parentTaskKey' });
    return OK;
  }

  if (cmd.target.kind === 'unknown') return fault('ManagedObjectNotFound', { obj: thisRef });
  const task = tasks[cmd.target.index];
  const privilege = cmd.m === 'CancelTask' ? config.cancelPrivilege : 'Task.Update';
  if (privilege && !hasPrivilege(cmd.caller, privilege)) return fault('NoPermission', { object: thisRef, privilegeId: privilege });

  switch (cmd.m) {
    case 'SetTaskDescription':
      task.description = { key: cmd.key, message: cmd.message };
      return OK;
    case 'UpdateProgress':
      if (task.state !== 'running') return fault('InvalidState');
      task.progress = Math.min(100, Math.max(0, parseXsdInt(cmd.percentDone)!));
      return OK;
    case 'CancelTask':
      if (isTerminal(task.state)) return fault('InvalidState');
      if (!task.cancelable) return fault('NotSupported');
      task.cancelRequested = true;
      if (task.state === 'queued' || config.cancelMode === 'immediate') {
        task.state = 'error';
        task.cancelled = true;
        task.completed = true;
        task.error = { kind: 'canceled' };
      } else {
        task.cancelled = true;
      }
      return OK;
    case 'SetTaskState': {
      const to = cmd.state as TaskState;
      const effect = TRANSITION[task.state][to];
      if (effect === 'invalid') return fault('InvalidState');
      if (cmd.result !== undefined && to !== 'success') return fault('InvalidState');
      if (cmd.fault !== undefined && (to !== 'error' || !isVimFault(cmd.fault.type))) return fault('InvalidState');
      if (effect === 'start') {
        task.state = 'running';
        task.started = true;
      } else if (effect === 'complete') {
        task.state = to;
        task.completed = true;
        if (to === 'success') task.result = cmd.result;
        else task.error = cmd.fault ? { kind: 'fault', fault: cmd.fault } : task.cancelled ? { kind: 'canceled' } : undefined;
      }
      return OK;
    }
  }
}

// ---- the expected wire shape of TaskInfo (as xml2js, explicitArray=false, reads it) ----------

/** TaskInfo fields in WSDL sequence order. */
export const TASK_INFO_ORDER = [
  'key',
  'task',
  'description',
  'name',
  'descriptionId',
  'entity',
  'entityName',
  'locked',
  'state',
  'cancelled',
  'cancelable',
  'error',
  'result',
  'progress',
  'reason',
  'queueTime',
  'startTime',
  'completeTime',
  'eventChainId',
  'changeTag',
  'parentTaskKey',
  'rootTaskKey',
  'activationId',
];

function text(value: string, attrs?: Record<string, string>): unknown {
  if (!attrs) return value;
  // xml2js drops whitespace-only text of an element that has attributes.
  return value.trim() === '' ? { $: attrs } : { _: value, $: attrs };
}

export function resultXml(result: ResultArg): unknown {
  switch (result.kind) {
    case 'string':
      return text(result.value, { 'xsi:type': 'xsd:string' });
    case 'int':
      return text(String(result.value), { 'xsi:type': 'xsd:int' });
    case 'long':
      return text(result.value.toString(), { 'xsi:type': 'xsd:long' });
    case 'boolean':
      return text(String(result.value), { 'xsi:type': 'xsd:boolean' });
    case 'moref':
      return { _: result.value, $: { 'xsi:type': 'ManagedObjectReference', type: result.type } };
    case 'strings': {
      const out: Record<string, unknown> = { $: { 'xsi:type': 'ArrayOfString' } };
      if (result.values.length === 1) out.string = result.values[0];
      else if (result.values.length > 1) out.string = result.values;
      return out;
    }
    case 'keyValue':
      return { $: { 'xsi:type': 'KeyValue' }, key: result.key, value: result.value };
    case 'invalid':
      throw new Error('an invalid result is never stored');
  }
}

export function faultXml(f: FaultArg): unknown {
  const inner: Record<string, unknown> = { $: { 'xsi:type': f.type } };
  for (const field of f.fields) inner[field.name] = 'moref' in field ? morefXml(field.moref.type, field.moref.value) : field.text;
  const out: Record<string, unknown> = { fault: inner };
  if (f.localizedMessage !== undefined) out.localizedMessage = f.localizedMessage;
  return out;
}

/** The fields of TaskInfo the model fixes (timestamps and server-chosen fields are checked apart). */
export function expectedInfo(task: ModelTask): Record<string, unknown> {
  const out: Record<string, unknown> = {
    key: task.key,
    task: morefXml('Task', task.key),
    state: task.state,
    cancelled: String(task.cancelled),
    cancelable: String(task.cancelable),
    reason: { $: { 'xsi:type': 'TaskReasonUser' }, userName: task.userName },
  };
  if (task.description) out.description = { key: task.description.key, message: task.description.message };
  if (task.result) out.result = resultXml(task.result);
  if (task.progress !== undefined) out.progress = String(task.progress);
  if (task.error?.kind === 'fault') out.error = faultXml(task.error.fault);
  if (task.parentTaskKey) out.parentTaskKey = task.parentTaskKey;
  if (task.rootTaskKey) out.rootTaskKey = task.rootTaskKey;
  return out;
}
