// Concurrency: 50 clients, each with its own session, fire CancelTask, SetTaskState(success),
// SetTaskState(error, fault) and UpdateProgress at one running task all at once. Exactly one
// terminal transition wins, every other terminal attempt gets InvalidState, progress calls either
// land before the end or get InvalidState, the task's transition history records each applied
// change once, and waiters (govmomi- and pyVim-style, started before the race) get the final state.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { ManagedObjectReference } from '../../src/vim/data.js';
import type { Task, TaskTransition } from '../../src/vim/Task.js';
import { EXAMPLE_USERS, logIn, startLoggedIn } from '../helpers/emulator.js';
import { faultOf, type SoapResponse } from '../helpers/soap-client.js';
import { TASK_TYPE, type Xml, readInfo } from '../helpers/tasks.js';
import type { FastSession } from './lib/client.js';
import { pooled, type Pool } from './lib/sessions.js';

const CLIENTS = 50;
const TIMEOUT_MS = 10_000;
type Role = 'cancel' | 'success' | 'error' | 'progress';
const ROLES: readonly Role[] = ['cancel', 'success', 'error', 'progress'];

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Rig {
  emulator: Emulator;
  pool: Pool;
  owner: FastSession;
  clients: FastSession[];
  close(): Promise<void>;
}

async function rig(cancelMode: 'immediate' | 'cooperative'): Promise<Rig> {
  const started = await startLoggedIn({ usersFile: EXAMPLE_USERS, cancelMode }, { connect: pooled(128) });
  // Separate sessions, two users with Task.Update; both may cancel.
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => started.login(i % 2 ? 'operator' : 'admin')));
  return { emulator: started.emulator, pool: started.connection, owner: started.session, clients, close: started.close };
}

async function newRunningTask(owner: FastSession): Promise<string> {
  const res = await owner.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><cancelable>true</cancelable>`,
  );
  expect(res.status, res.body).toBe(200);
  const key = ((res.result.CreateTaskResponse as Xml).returnval as Xml).key as string;
  const run = await owner.call('SetTaskState', 'Task', key, '<state>running</state>');
  expect(run.status, run.body).toBe(200);
  return key;
}

/** The state a change set reports for the task, from `info` (whole value) or `info.state`. */
function stateIn(update: Xml | undefined): { state?: string; info?: Xml } {
  let out: { state?: string; info?: Xml } = {};
  if (!update) return out;
  for (const fs of list(update.filterSet as Xml | Xml[])) {
    for (const os of list(fs.objectSet as Xml | Xml[])) {
      for (const change of list(os.changeSet as Xml | Xml[])) {
        if (change.name === 'info' && change.val) out = { state: (change.val as Xml).state as string, info: change.val as Xml };
        else if (change.name === 'info.state' && change.val) out = { ...out, state: (change.val as Xml)._ as string };
      }
    }
  }
  return out;
}

/**
 * Starts a waiter in its own session before the race; resolves with every state it saw and the last
 * whole info, once it sees a terminal state. govmomi style: own collector, pathSet=info,
 * WaitForUpdatesEx. pyVim style: default collector, all=true, WaitForUpdates.
 */
async function startWaiter(pool: Pool, key: string, style: 'govmomi' | 'pyvim'): Promise<{ done: Promise<{ states: string[]; info?: Xml }> }> {
  const s = await logIn(pool.session(style === 'govmomi' ? 'govmomi' : 'pyvmomi'), 'admin');
  let collector = 'propertyCollector';
  if (style === 'govmomi') {
    const created = await s.call('CreatePropertyCollector', 'PropertyCollector', 'propertyCollector');
    collector = ((created.result.CreatePropertyCollectorResponse as Xml).returnval as Xml)._ as string;
  }
  const propSet = style === 'govmomi' ? '<propSet><type>Task</type><pathSet>info</pathSet></propSet>' : '<propSet><type>Task</type><all>true</all></propSet>';
  const filter = await s.call(
    'CreateFilter',
    'PropertyCollector',
    collector,
    `<spec>${propSet}<objectSet><obj type="Task">${key}</obj></objectSet></spec><partialUpdates>${style === 'pyvim'}</partialUpdates>`,
  );
  expect(filter.status, filter.body).toBe(200);
  const method = style === 'govmomi' ? 'WaitForUpdatesEx' : 'WaitForUpdates';
  const wait = async (version: string | undefined): Promise<Xml | undefined> => {
    const res: SoapResponse = await s.call(method, 'PropertyCollector', collector, version === undefined ? '' : `<version>${version}</version>`, {
      timeoutMs: TIMEOUT_MS,
    });
    expect(res.status, res.body).toBe(200);
    const body = res.result[`${method}Response`] as Xml | string;
    return typeof body === 'string' ? undefined : (body.returnval as Xml | undefined);
  };
  // The first call returns the current state at once; then the loop blocks until each change.
  const first = await wait(undefined);
  const firstState = stateIn(first);
  expect(firstState.state, 'initial update').toBe('running');
  const done = (async () => {
    const states = [firstState.state!];
    let info = firstState.info;
    let version = first!.version as string;
    for (;;) {
      const update = await wait(version);
      if (!update) continue;
      version = update.version as string;
      const seen = stateIn(update);
      if (seen.state) states.push(seen.state);
      if (seen.info) info = seen.info;
      if (seen.state === 'success' || seen.state === 'error') return { states, info };
    }
  })();
  done.catch(() => undefined); // awaited after the race; avoid an unhandled rejection meanwhile
  return { done };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

interface Shot {
  client: number;
  role: Role;
  progress?: number;
  res: SoapResponse;
}

async function race(r: Rig, key: string, round: number): Promise<Shot[]> {
  // Roles in random order, except that the first `lead` requests sent are progress calls, so that
  // rounds range from "the end comes first" to "many progress calls land before the end".
  const shuffled = shuffle(Array.from({ length: CLIENTS }, (_, i) => ROLES[(i + round) % ROLES.length]));
  const lead = Math.min((round * 5) % 40, shuffled.filter((r) => r === 'progress').length);
  const progressFirst = shuffled.filter((r) => r === 'progress').slice(0, lead);
  const rest = [...shuffled];
  for (let n = 0; n < lead; n++) rest.splice(rest.indexOf('progress'), 1);
  const roles = [...progressFirst, ...rest];
  const progressValues = shuffle(Array.from({ length: 101 }, (_, i) => i)).slice(0, CLIENTS);
  const fire = (i: number): Promise<Shot> => {
    const s = r.clients[i];
    const role = roles[i];
    const opts = { timeoutMs: TIMEOUT_MS };
    switch (role) {
      case 'cancel':
        return s.call('CancelTask', 'Task', key, '', opts).then((res) => ({ client: i, role, res }));
      case 'success':
        return s
          .call('SetTaskState', 'Task', key, `<state>success</state><result xsi:type="xsd:string">client-${i}</result>`, opts)
          .then((res) => ({ client: i, role, res }));
      case 'error':
        return s
          .call(
            'SetTaskState',
            'Task',
            key,
            `<state>error</state><fault><fault xsi:type="InvalidState"></fault><localizedMessage>client-${i}</localizedMessage></fault>`,
            opts,
          )
          .then((res) => ({ client: i, role, res }));
      case 'progress':
        return s
          .call('UpdateProgress', 'Task', key, `<percentDone>${progressValues[i]}</percentDone>`, opts)
          .then((res) => ({ client: i, role, progress: progressValues[i], res }));
    }
  };
  return Promise.all(Array.from({ length: CLIENTS }, (_, i) => fire(i)));
}

const okOrFault = (shot: Shot) => faultOf(shot.res)?.type ?? (shot.res.status === 200 ? 'ok' : `HTTP ${shot.res.status}`);

function historyOf(emulator: Emulator, key: string): readonly TaskTransition[] {
  const task = emulator.inventory.registry.get(new ManagedObjectReference('Task', key)) as Task | undefined;
  expect(task, `task ${key} in the registry`).toBeDefined();
  return task!.history;
}

function checkWinner(shots: Shot[], info: Xml, terminalRoles: readonly Role[]): Shot {
  for (const shot of shots) {
    const outcome = okOrFault(shot);
    if (shot.role === 'progress' || !terminalRoles.includes(shot.role))
      expect(['ok', 'InvalidState'], `${shot.role} by client ${shot.client}: ${shot.res.body}`).toContain(outcome);
  }
  const winners = shots.filter((s) => terminalRoles.includes(s.role) && okOrFault(s) === 'ok');
  expect(
    winners.map((w) => `${w.role}#${w.client}`),
    'exactly one terminal transition wins',
  ).toHaveLength(1);
  for (const s of shots)
    if (terminalRoles.includes(s.role) && s !== winners[0]) expect(okOrFault(s), `losing ${s.role} by client ${s.client}`).toBe('InvalidState');
  const winner = winners[0];
  switch (winner.role) {
    case 'success':
      expect(info.state).toBe('success');
      expect(info.result).toEqual({ _: `client-${winner.client}`, $: { 'xsi:type': 'xsd:string' } });
      expect(info.error).toBeUndefined();
      break;
    case 'error':
      expect(info.state).toBe('error');
      expect(info.error).toEqual({ fault: { $: { 'xsi:type': 'InvalidState' } }, localizedMessage: `client-${winner.client}` });
      expect(info.result).toBeUndefined();
      break;
    case 'cancel':
      expect(info.state).toBe('error');
      expect(info.cancelled).toBe('true');
      expect(((info.error as Xml).fault as Xml).$!['xsi:type']).toBe('RequestCanceled');
      expect(info.result).toBeUndefined();
      break;
    default:
      throw new Error('a progress call cannot win');
  }
  return winner;
}

function checkProgressAndHistory(shots: Shot[], info: Xml, history: readonly TaskTransition[], winner: Shot): void {
  const applied = shots.filter((s) => s.role === 'progress' && okOrFault(s) === 'ok').map((s) => s.progress!);
  const progressEntries = history.filter((h) => 'progress' in h.changes);
  // Each applied progress call is one history entry (values are distinct), and none was lost.
  expect(progressEntries.map((h) => h.changes.progress.new).sort(), 'progress history = applied progress calls').toEqual([...applied].sort());
  if (applied.length) expect(applied, 'final progress is one of the applied values').toContain(Number(info.progress));
  else expect(info.progress).toBeUndefined();
  if (applied.length) expect(Number(info.progress), 'final progress is the last applied').toBe(progressEntries.at(-1)!.changes.progress.new);
  // Exactly one terminal entry, made by the winner's method; nothing after it.
  const terminal = history
    .map((h, i) => [h, i] as const)
    .filter(([h]) => h.changes.state && (h.changes.state.new === 'success' || h.changes.state.new === 'error'));
  expect(terminal, 'one terminal transition in the history').toHaveLength(1);
  const [entry, at] = terminal[0];
  expect(entry.method).toBe(winner.role === 'cancel' ? 'CancelTask' : 'SetTaskState');
  expect(at, 'no change recorded after the terminal one').toBe(history.length - 1);
}

describe('50 clients racing on one running task (cancel mode immediate)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig('immediate');
  });
  afterAll(async () => {
    await r.close();
  });

  test('20 tasks: one terminal winner, others InvalidState, history once per change, waiters see the end', async () => {
    const winners: Record<string, number> = {};
    for (let round = 0; round < 20; round++) {
      const key = await newRunningTask(r.owner);
      const waiters = [await startWaiter(r.pool, key, 'govmomi'), await startWaiter(r.pool, key, 'pyvim')];
      const shots = await race(r, key, round);
      const info = await readInfo(r.owner, key);
      const winner = checkWinner(shots, info, ['cancel', 'success', 'error']);
      winners[winner.role] = (winners[winner.role] ?? 0) + 1;
      winners.progressApplied = (winners.progressApplied ?? 0) + shots.filter((x) => x.role === 'progress' && okOrFault(x) === 'ok').length;
      winners.progressRefused = (winners.progressRefused ?? 0) + shots.filter((x) => x.role === 'progress' && okOrFault(x) !== 'ok').length;
      checkProgressAndHistory(shots, info, historyOf(r.emulator, key), winner);
      for (const seen of await Promise.all(waiters.map((w) => w.done))) {
        expect(seen.states.at(-1), 'a waiter received the final state').toBe(info.state);
        expect(
          seen.states.slice(0, -1).every((s) => s === 'running'),
          `waiter saw ${seen.states.join(' → ')}`,
        ).toBe(true);
        if (seen.info) {
          expect(seen.info.state).toBe(info.state);
          expect(seen.info.result).toEqual(info.result);
          expect(seen.info.error).toEqual(info.error);
          expect(seen.info.completeTime).toBe(info.completeTime);
        }
      }
    }
    console.log('race winners (immediate):', winners);
  }, 90_000);
});

describe('50 clients racing on one running task (cancel mode cooperative)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig('cooperative');
  });
  afterAll(async () => {
    await r.close();
  });

  test('10 tasks: one SetTaskState wins; cancels before it are one recorded request, after it InvalidState', async () => {
    for (let round = 0; round < 10; round++) {
      const key = await newRunningTask(r.owner);
      const waiters = [await startWaiter(r.pool, key, 'govmomi')];
      const shots = await race(r, key, round);
      const info = await readInfo(r.owner, key);
      for (const s of shots.filter((x) => x.role === 'cancel')) expect(['ok', 'InvalidState'], s.res.body).toContain(okOrFault(s));
      const winner = checkWinner(shots, info, ['success', 'error']);
      const history = historyOf(r.emulator, key);
      checkProgressAndHistory(shots, info, history, winner);
      const cancelsOk = shots.filter((s) => s.role === 'cancel' && okOrFault(s) === 'ok').length;
      const cancelEntries = history.filter((h) => 'cancelled' in h.changes);
      expect(cancelEntries.length, 'a pending cancel is recorded once').toBe(cancelsOk > 0 ? 1 : 0);
      expect(info.cancelled).toBe(String(cancelsOk > 0));
      for (const seen of await Promise.all(waiters.map((w) => w.done))) expect(seen.states.at(-1)).toBe(info.state);
    }
  }, 90_000);
});
