// Memory per task, measured in a child of its own (node --expose-gc) so that nothing else lives
// in the heap. Calls go through the SOAP endpoint (src/server/soap-endpoint.ts) as the HTTP
// listener hands them over: the XML reader, the decoder, the dispatcher (session, privileges,
// the task rules) and the encoder. Only the socket is skipped; it retains nothing once a call is
// answered, and it would make 500,000 calls take minutes instead of seconds.
//   node --expose-gc dist/bench/memory.js retained   100,000 tasks kept: heap and RSS per task,
//                                                    queued and after a whole lifecycle
//   node --expose-gc dist/bench/memory.js churn      200,000 tasks created and completed with
//                                                    --max-tasks 10,000: the heap stays flat

import { performance } from 'node:perf_hooks';
import { createEmulator, type Emulator } from '../src/server/app.js';
import { DEFAULTS } from '../src/server/config.js';
import { SESSION_COOKIE, type SoapExchange } from '../src/server/soap-endpoint.js';
import { requests, taskKeyOf } from './soap.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const KiB = 1024;
const MiB = 1024 * 1024;

function settle(): NodeJS.MemoryUsage {
  // Several passes: weak references and finalizers only let go on a later cycle.
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage();
}

interface Harness {
  readonly emulator: Emulator;
  call(body: string): Promise<string>;
}

async function start(maxTasks: number): Promise<Harness> {
  const emulator = await createEmulator({ ...DEFAULTS, host: '127.0.0.1', port: 0, tls: false, logLevel: 'silent', maxTasks });
  const { endpoint } = emulator;
  let cookie: string | undefined;
  const exchange: SoapExchange = {
    ipAddress: '127.0.0.1',
    userAgent: 'vtask-emulator bench',
    clientCertificate: undefined,
    sessionChanged: (session) => {
      cookie = session?.cookie;
    },
    whenClientGone: () => () => {},
  };
  const call = async (body: string): Promise<string> => {
    const soapCall = endpoint.call(body, cookie && `${SESSION_COOKIE}=${cookie}`, exchange);
    const answer = soapCall.finish(await soapCall.outcome);
    if (answer.status !== 200) throw new Error(`${soapCall.method} failed: ${answer.faultType}`);
    return answer.payload;
  };
  await call(requests.login());
  return { emulator, call };
}

async function retained(count: number): Promise<void> {
  const { emulator, call } = await start(count * 2);
  // Warm every code path once so that compiled code and caches are in the baseline.
  const warm = taskKeyOf(await call(requests.createTask()))!;
  await call(requests.setTaskState(warm, 'running'));
  await call(requests.updateProgress(warm, 50));
  await call(requests.setTaskState(warm, 'success'));
  const before = settle();
  const keys: string[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) keys.push(taskKeyOf(await call(requests.createTask()))!);
  const seconds = (performance.now() - started) / 1000;
  const queued = settle();
  const perTask = (to: NodeJS.MemoryUsage, field: 'heapUsed' | 'rss') => (to[field] - before[field]) / count / KiB;
  console.log(
    `memory, ${count.toLocaleString('en-US')} queued tasks kept (CreateTask, ${(count / seconds).toFixed(0)} calls/s in-process): ` +
      `heap ${(queued.heapUsed / MiB).toFixed(1)} MiB (+${((queued.heapUsed - before.heapUsed) / MiB).toFixed(1)}), ` +
      `RSS ${(queued.rss / MiB).toFixed(1)} MiB (+${((queued.rss - before.rss) / MiB).toFixed(1)}); ` +
      `per task: heap ${perTask(queued, 'heapUsed').toFixed(2)} KiB, RSS ${perTask(queued, 'rss').toFixed(2)} KiB`,
  );

  // The same tasks after a whole lifecycle: startTime, progress, completeTime and their history.
  for (const key of keys) {
    await call(requests.setTaskState(key, 'running'));
    await call(requests.updateProgress(key, 50));
    await call(requests.setTaskState(key, 'success'));
  }
  const completed = settle();
  console.log(
    `memory, the same tasks after running → progress 50 → success: heap ${(completed.heapUsed / MiB).toFixed(1)} MiB, ` +
      `RSS ${(completed.rss / MiB).toFixed(1)} MiB; per completed task: heap ${perTask(completed, 'heapUsed').toFixed(2)} KiB, ` +
      `RSS ${perTask(completed, 'rss').toFixed(2)} KiB (target: at most 1 KiB per retained task)`,
  );
  await emulator.close();
}

async function churn(count: number, maxTasks: number): Promise<void> {
  const { emulator, call } = await start(maxTasks);
  const marks: string[] = [];
  const mark = (done: number) => {
    const usage = settle();
    marks.push(`${(done / 1000).toFixed(0)}k: ${(usage.heapUsed / MiB).toFixed(1)} MiB`);
  };
  mark(0);
  const step = count / 4;
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    const key = taskKeyOf(await call(requests.createTask()))!;
    await call(requests.setTaskState(key, 'success'));
    if (i % step === 0) mark(i);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `memory, ${count.toLocaleString('en-US')} tasks created and completed with --max-tasks ${maxTasks.toLocaleString('en-US')} ` +
      `(${((2 * count) / seconds).toFixed(0)} calls/s in-process); heap after GC at ${marks.join(', ')}`,
  );
  await emulator.close();
}

const mode = process.argv[2];
if (mode === 'retained') await retained(100_000);
else if (mode === 'churn') await churn(200_000, 10_000);
else throw new Error('usage: memory.js retained|churn');
