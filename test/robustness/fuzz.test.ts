// Bounded fuzz run over POST /sdk (3,000 requests or 30 s): mutated pyVmomi- and govmomi-style
// envelopes, transport-level junk and garbage. Every request gets a well-formed answer in time
// (see lib/fuzz.ts for what is acceptable), and afterwards the server is healthy and serves a
// normal Login + CreateTask. The seed is printed; VTASK_FUZZ_SEED replays a run.
// scripts/fuzz-long.ts runs the same fuzzer for minutes or hours.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLoggedIn, type Running } from '../helpers/emulator.js';
import { TASK_TYPE, type Xml } from '../helpers/tasks.js';
import { FastSession, type Transport } from './lib/client.js';
import { pooled, type Pool } from './lib/sessions.js';
import { createFuzzer, Rng, runFuzz } from './lib/fuzz.js';

const MAX_REQUESTS = Number(process.env.VTASK_FUZZ_REQUESTS ?? 3000);
const MAX_MS = Number(process.env.VTASK_FUZZ_MS ?? 30_000);
const SEED = Number(process.env.VTASK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let emulator: Running<Pool>;
let transport: Transport;
let admin: FastSession;
const tasks: string[] = [];

async function createTask(s: FastSession, cancelable = true): Promise<string> {
  const res = await s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><cancelable>${cancelable}</cancelable>`,
  );
  expect(res.status, res.body).toBe(200);
  return ((res.result.CreateTaskResponse as Xml).returnval as Xml).key as string;
}

beforeAll(async () => {
  emulator = await startLoggedIn({}, { connect: pooled(32) });
  transport = emulator.connection.transport;
  admin = emulator.session;
  // Tasks in every state, so mutated calls reach the task code, not only ManagedObjectNotFound.
  for (let i = 0; i < 16; i++) {
    const key = await createTask(admin, i % 4 !== 3);
    if (i % 4 >= 1) await admin.call('SetTaskState', 'Task', key, '<state>running</state>');
    if (i % 8 === 2) await admin.call('SetTaskState', 'Task', key, '<state>success</state>');
    if (i % 8 === 6) await admin.call('SetTaskState', 'Task', key, '<state>error</state>');
    tasks.push(key);
  }
  tasks.push('task-999999');
});
afterAll(async () => {
  await emulator?.close();
});

test(
  `fuzz: ${MAX_REQUESTS} mutated or junk requests (or ${MAX_MS / 1000} s) all get a well-formed answer; the server stays healthy`,
  async () => {
    const started = Date.now();
    const rng = new Rng(SEED);
    const stats = await runFuzz({
      transport,
      fuzzer: createFuzzer({ tasks }, rng, () => admin.cookie),
      maxRequests: MAX_REQUESTS,
      deadline: started + MAX_MS,
      concurrency: 8,
      timeoutMs: 5_000,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz seed ${SEED}: ${stats.requests} requests in ${seconds} s; HTTP ${JSON.stringify(stats.byStatus)}; faults ${JSON.stringify(stats.byFault)}`,
    );
    const report = stats.failures.slice(0, 20).map((f) => `#${f.index} [${f.kind}] ${f.problem}\n  body (base64, first 2 KiB): ${f.body.slice(0, 400)}`);
    expect(report, `fuzz seed ${SEED}: ${stats.failures.length} bad answers`).toEqual([]);
    expect(stats.requests).toBeGreaterThan(Math.min(MAX_REQUESTS, 500));

    // Healthy afterwards: /healthz, and a normal client session works end to end.
    const health = await transport.request({ method: 'GET', path: '/healthz', timeoutMs: 5_000 });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString('utf8')).status).toBe('ok');
    const fresh = new FastSession(transport, 'govmomi');
    expect((await fresh.login('someone', 'secret')).status).toBe(200);
    const key = await createTask(fresh);
    const run = await fresh.call('SetTaskState', 'Task', key, '<state>running</state>');
    expect(run.status, run.body).toBe(200);
    const done = await fresh.call('SetTaskState', 'Task', key, '<state>success</state>');
    expect(done.status, done.body).toBe(200);
  },
  MAX_MS + 60_000,
);
