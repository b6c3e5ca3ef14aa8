// A long fuzz run over the SOAP endpoint, the same fuzzer as test/robustness/fuzz.test.ts:
//
//   npx tsx scripts/fuzz-long.ts --minutes 30 [--seed N] [--concurrency 8] [--timeout-ms 5000]
//                                [--url http://127.0.0.1:8989] [--out fuzz-failures]
//
// Without --url it starts the server in-process (plain HTTP, ephemeral port). Every minute it
// checks that /healthz answers and that a normal Login + CreateTask + SetTaskState still work,
// and prints a progress line. Each bad answer (hang, dropped connection, unexpected status,
// unparseable SOAP, SystemError) is written to --out as <n>.bin (the request body) and <n>.json
// (method, path, headers, what went wrong) for replay. Exit status 1 if anything went wrong.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../test/helpers/emulator.js';
import { FastSession, Transport } from '../test/robustness/lib/client.js';
import { createFuzzer, Rng, runFuzz, type FuzzStats } from '../test/robustness/lib/fuzz.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '5000' },
    url: { type: 'string' },
    out: { type: 'string', default: 'fuzz-failures' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: npx tsx scripts/fuzz-long.ts --minutes N [--seed N] [--concurrency 8] [--timeout-ms 5000] [--url URL] [--out DIR]\n');
  process.exit(0);
}

const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
if (!(minutes > 0) || !(concurrency > 0) || !(timeoutMs > 0) || !Number.isFinite(seed)) {
  process.stderr.write('fuzz-long: --minutes, --concurrency and --timeout-ms must be positive numbers, --seed a number\n');
  process.exit(2);
}

const emulator = values.url ? undefined : await startEmulator();
const baseUrl = values.url ?? emulator!.url();
const transport = new Transport(baseUrl, concurrency * 2 + 8);
const outDir = path.resolve(values.out!);

async function login(): Promise<FastSession> {
  const s = new FastSession(transport);
  const res = await s.login('admin', 'admin');
  if (res.status !== 200) throw new Error(`Login failed: HTTP ${res.status}\n${res.body}`);
  return s;
}

async function createTask(s: FastSession, cancelable: boolean): Promise<string> {
  const res = await s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>${cancelable}</cancelable>`,
    { timeoutMs },
  );
  if (res.status !== 200) throw new Error(`CreateTask failed: HTTP ${res.status}\n${res.body}`);
  return (res.result.CreateTaskResponse as Record<string, Record<string, unknown>>).returnval.key as string;
}

/** Fresh tasks in every state for the next round, so mutated calls reach the task code. */
async function freshTasks(s: FastSession): Promise<string[]> {
  const tasks: string[] = [];
  for (let i = 0; i < 16; i++) {
    const key = await createTask(s, i % 4 !== 3);
    if (i % 4 >= 1) await s.call('SetTaskState', 'Task', key, '<state>running</state>', { timeoutMs });
    if (i % 8 === 2) await s.call('SetTaskState', 'Task', key, '<state>success</state>', { timeoutMs });
    if (i % 8 === 6) await s.call('SetTaskState', 'Task', key, '<state>error</state>', { timeoutMs });
    tasks.push(key);
  }
  return [...tasks, 'task-999999999'];
}

/** The health check after each round: /healthz and a normal client lifecycle. */
async function healthy(): Promise<string | undefined> {
  try {
    const health = await transport.request({ method: 'GET', path: '/healthz', timeoutMs });
    if (health.status !== 200) return `/healthz answered HTTP ${health.status}`;
    const s = new FastSession(transport, 'govmomi');
    if ((await s.login('admin', 'admin')).status !== 200) return 'Login failed';
    const key = await createTask(s, true);
    for (const state of ['running', 'success']) {
      const res = await s.call('SetTaskState', 'Task', key, `<state>${state}</state>`, { timeoutMs });
      if (res.status !== 200) return `SetTaskState(${state}) failed: HTTP ${res.status}`;
    }
    await s.call('Logout', 'SessionManager', 'SessionManager', '', { timeoutMs });
    return undefined;
  } catch (error) {
    return `health check failed: ${(error as Error).message}`;
  }
}

const rng = new Rng(seed);
const total: FuzzStats = { requests: 0, byStatus: {}, byFault: {}, failures: [] };
const started = Date.now();
const end = started + minutes * 60_000;
let unhealthy = 0;
let saved = 0;
process.stdout.write(`fuzz-long: seed ${seed}, ${minutes} min, concurrency ${concurrency}, target ${baseUrl}\n`);

while (Date.now() < end) {
  // One round per minute (or less at the end), with a fresh session and fresh tasks.
  const admin = await login();
  const tasks = await freshTasks(admin);
  const round = await runFuzz({
    transport,
    fuzzer: createFuzzer({ tasks }, rng, () => admin.cookie),
    maxRequests: Number.MAX_SAFE_INTEGER,
    deadline: Math.min(end, Date.now() + 60_000),
    concurrency,
    timeoutMs,
    onFailure: (failure, req) => {
      mkdirSync(outDir, { recursive: true });
      const name = `${seed}-${String(++saved).padStart(4, '0')}`;
      writeFileSync(path.join(outDir, `${name}.bin`), req.body);
      writeFileSync(
        path.join(outDir, `${name}.json`),
        JSON.stringify(
          { seed, index: failure.index, kind: req.kind, method: req.method, path: req.path, headers: req.headers, problem: failure.problem },
          null,
          2,
        ),
      );
      process.stdout.write(`  BAD #${failure.index} [${req.kind}] ${failure.problem.slice(0, 300)} → ${name}.bin\n`);
    },
  });
  total.requests += round.requests;
  for (const [k, v] of Object.entries(round.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
  for (const [k, v] of Object.entries(round.byFault)) total.byFault[k] = (total.byFault[k] ?? 0) + v;
  total.failures.push(...round.failures);
  const problem = await healthy();
  if (problem) unhealthy++;
  const elapsed = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `[${elapsed} min] ${total.requests} requests, ${total.failures.length} bad, ${problem ? `UNHEALTHY: ${problem}` : 'healthy'}; HTTP ${JSON.stringify(total.byStatus)}\n`,
  );
  await admin.call('Logout', 'SessionManager', 'SessionManager', '', { timeoutMs }).catch(() => undefined);
}

process.stdout.write(`fuzz-long: done. ${total.requests} requests; faults ${JSON.stringify(total.byFault)}\n`);
process.stdout.write(
  `fuzz-long: ${total.failures.length} bad answers, ${unhealthy} failed health checks${total.failures.length ? `; bodies in ${outDir}` : ''}\n`,
);
transport.close();
await emulator?.close();
process.exit(total.failures.length || unhealthy ? 1 : 0);
