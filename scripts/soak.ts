// Soak test, run by hand:
//
//   npx tsx scripts/soak.ts --minutes 60 [--sample-seconds 60] [--concurrency 16]
//                           [--warmup-seconds N] [--rss-growth 0.25] [--p99-growth 0.5]
//                           [--rss-slack-mb 32] [--p99-slack-ms 2] [--build] [-- <server flags>]
//
// Starts the built server (node dist/src/cli.js --http on a free loopback port; builds it first
// when dist/ is missing or with --build) as a child process and runs a mixed load against it with
// bounded concurrency: full task lifecycles (progress, description, success/error/cancel),
// govmomi-style and pyVim-style waiters, session churn (Login/Logout), PropertyCollector reads
// over recentTask, task history collectors, a trickle of bad requests, and issue 14's attacks
// (abandoned paging tokens, over-long strings, two waits on one collector, filter floods, a
// control API body nested 1,500 deep, an oversized body with Expect: 100-continue). Every sample period it
// prints the server's RSS (VmRSS from /proc/<pid>/status), request count, p50/p99/max latency
// (blocking waits excluded), faults, errors and the server's own object count.
//
// Exit status 1 when, between the first and the last third of the samples taken after the warm-up,
// the median RSS or the median p99 grew by more than the threshold (and by more than the slack),
// or when any request hung, was dropped, got an unexpected status or an internal error, or the
// server died.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { faultOf, type SoapResponse } from '../test/helpers/soap-client.js';
import { FastSession, Transport } from '../test/robustness/lib/client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/src/cli.js');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    minutes: { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '60' },
    'warmup-seconds': { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    'rss-growth': { type: 'string', default: '0.25' },
    'p99-growth': { type: 'string', default: '0.5' },
    'rss-slack-mb': { type: 'string', default: '32' },
    'p99-slack-ms': { type: 'string', default: '2' },
    build: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n\n')[0]
      .replace(/^\/\/ ?/gm, '')}\n`,
  );
  process.exit(0);
}

const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`soak: --${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return n;
};
const durationMs = num('minutes') * 60_000;
const sampleMs = num('sample-seconds') * 1000;
const warmupMs = values['warmup-seconds'] !== undefined ? num('warmup-seconds') * 1000 : Math.min(120_000, Math.max(sampleMs, durationMs * 0.1));
const concurrency = Math.max(1, Math.floor(num('concurrency')));
const rssGrowth = num('rss-growth');
const p99Growth = num('p99-growth');
const rssSlackMb = num('rss-slack-mb');
const p99SlackMs = num('p99-slack-ms');
if (durationMs <= 0 || sampleMs <= 0) {
  process.stderr.write('soak: --minutes and --sample-seconds must be positive\n');
  process.exit(2);
}

// ---- the server ---------------------------------------------------------------------------------

if (values.build || !existsSync(CLI)) {
  process.stdout.write('soak: building (npm run build)\n');
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) process.exit(2);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const serverArgs = [CLI, '--http', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...positionals];
const child = spawn(process.execPath, serverArgs, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
let serverExited: string | undefined;
let serverStderr = '';
child.stderr.on('data', (d: Buffer) => {
  serverStderr = (serverStderr + d.toString()).slice(-4000);
});
child.on('exit', (code, signal) => {
  serverExited = `exit code ${code}, signal ${signal}`;
});
// Never leave the server behind when the soak itself is interrupted.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    child.kill('SIGTERM');
    process.exit(130);
  });
}

const baseUrl = `http://127.0.0.1:${port}`;
const transport = new Transport(baseUrl, concurrency * 3 + 8);

async function waitReady(): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (serverExited) throw new Error(`the server exited at start (${serverExited}):\n${serverStderr}`);
    try {
      const res = await transport.request({ method: 'GET', path: '/healthz', timeoutMs: 1000 });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not answer /healthz within 20 s');
}

function rssMb(): number {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

// ---- load -------------------------------------------------------------------------------------

const REQUEST_TIMEOUT_MS = 15_000;
const TASK_TYPE = 'com.vmware.govmomi.simulator.test';

interface Window {
  latencies: number[];
  requests: number;
  faults: number;
  errors: number;
}
let window: Window = { latencies: [], requests: 0, faults: 0, errors: 0 };
const errorSamples: string[] = [];
const faultTypes = new Map<string, number>();

function recordError(what: string): void {
  window.errors++;
  if (errorSamples.length < 20) errorSamples.push(what.slice(0, 300));
}

/** One SOAP call, timed. `blocking` calls (waits) are counted but kept out of the latency figures. */
async function call(s: FastSession, method: string, thisType: string, thisValue: string, args = '', blocking = false): Promise<SoapResponse | undefined> {
  const started = process.hrtime.bigint();
  try {
    const res = await s.call(method, thisType, thisValue, args, { timeoutMs: REQUEST_TIMEOUT_MS });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    window.requests++;
    if (!blocking) window.latencies.push(ms);
    const fault = faultOf(res);
    if (res.status === 500 && fault) {
      window.faults++;
      const key = `${method}:${fault.type}`;
      faultTypes.set(key, (faultTypes.get(key) ?? 0) + 1);
      if (fault.type === 'SystemError') recordError(`${method}: SystemError ${fault.faultstring}`);
    } else if (res.status !== 200) {
      recordError(`${method}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    }
    return res;
  } catch (error) {
    window.requests++;
    recordError(`${method} on ${thisType}:${thisValue}: ${(error as Error).message}`);
    return undefined;
  }
}

/** An xsi:type attribute as each client writes it: govmomi's envelope declares no xsi prefix. */
const xsi = (s: FastSession, type: string) =>
  s.style === 'govmomi' ? `xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="${type}"` : `xsi:type="${type}"`;

const rand = (n: number) => Math.floor(Math.random() * n);
const returnval = (res: SoapResponse | undefined, method: string): Record<string, unknown> | undefined => {
  const body = res?.result[`${method}Response`];
  return body && typeof body === 'object' ? ((body as Record<string, unknown>).returnval as Record<string, unknown> | undefined) : undefined;
};

async function createTask(s: FastSession, cancelable = true): Promise<string | undefined> {
  const res = await call(
    s,
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><initiatedBy>soak</initiatedBy><cancelable>${cancelable}</cancelable>`,
  );
  return returnval(res, 'CreateTask')?.key as string | undefined;
}

async function readInfo(s: FastSession, task: string): Promise<void> {
  await call(
    s,
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>`,
  );
}

/** The terminal state an update reports, or 'leave' when the task left the filter (evicted). */
function stateOf(update: Record<string, unknown> | undefined): string | undefined {
  const text = JSON.stringify(update ?? {});
  return /"state":"(success|error)"/.exec(text)?.[1] ?? /"_":"(success|error)"/.exec(text)?.[1] ?? /"kind":"(leave)"/.exec(text)?.[1];
}

const scenarios: Array<[number, (s: FastSession) => Promise<void>]> = [
  // A full lifecycle, as a task owner drives it.
  [
    5,
    async (s) => {
      const task = await createTask(s, rand(4) !== 0);
      if (!task) return;
      await call(s, 'SetTaskState', 'Task', task, '<state>running</state>');
      for (let i = 1; i <= 3; i++) await call(s, 'UpdateProgress', 'Task', task, `<percentDone>${i * 30}</percentDone>`);
      await call(s, 'SetTaskDescription', 'Task', task, `<description><key>soak.step</key><message>step ${rand(1000)}</message></description>`);
      const end = rand(3);
      if (end === 0) await call(s, 'SetTaskState', 'Task', task, `<state>success</state><result ${xsi(s, 'xsd:string')}>done ${rand(1e6)}</result>`);
      else if (end === 1)
        await call(
          s,
          'SetTaskState',
          'Task',
          task,
          `<state>error</state><fault><fault ${xsi(s, 'NotFound')}></fault><localizedMessage>soak failure</localizedMessage></fault>`,
        );
      else {
        // A task that is not cancelable stays running after CancelTask (NotSupported): finish it, or
        // it would never be evictable and the load itself would leak tasks.
        const res = await call(s, 'CancelTask', 'Task', task);
        if (res && faultOf(res)?.type === 'NotSupported') await call(s, 'SetTaskState', 'Task', task, '<state>success</state>');
      }
      await readInfo(s, task);
    },
  ],
  // govmomi task.Wait: own collector, filter on info, WaitForUpdatesEx until the end.
  [
    2,
    async (s) => {
      const task = await createTask(s);
      if (!task) return;
      const pc = (await call(s, 'CreatePropertyCollector', 'PropertyCollector', 'propertyCollector'))?.result;
      const collector = (pc?.CreatePropertyCollectorResponse as Record<string, Record<string, unknown>> | undefined)?.returnval?._ as string | undefined;
      if (!collector) return;
      await call(
        s,
        'CreateFilter',
        'PropertyCollector',
        collector,
        `<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
      );
      let version = returnval(await call(s, 'WaitForUpdatesEx', 'PropertyCollector', collector, ''), 'WaitForUpdatesEx')?.version as string | undefined;
      const owner = (async () => {
        await call(s, 'SetTaskState', 'Task', task, '<state>running</state>');
        await call(s, 'UpdateProgress', 'Task', task, '<percentDone>50</percentDone>');
        await call(s, 'SetTaskState', 'Task', task, '<state>success</state>');
      })();
      for (let i = 0; i < 10 && version !== undefined; i++) {
        const update = returnval(
          await call(
            s,
            'WaitForUpdatesEx',
            'PropertyCollector',
            collector,
            `<version>${version}</version><options><maxWaitSeconds>5</maxWaitSeconds></options>`,
            true,
          ),
          'WaitForUpdatesEx',
        );
        if (update) version = update.version as string;
        if (stateOf(update)) break;
      }
      await owner;
      await call(s, 'DestroyPropertyCollector', 'PropertyCollector', collector);
    },
  ],
  // pyVim WaitForTask: default collector, all=true, WaitForUpdates, DestroyPropertyFilter.
  [
    1,
    async (s) => {
      const task = await createTask(s);
      if (!task) return;
      const filter = returnval(
        await call(
          s,
          'CreateFilter',
          'PropertyCollector',
          'propertyCollector',
          `<spec><propSet><type>Task</type><all>true</all></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>true</partialUpdates>`,
        ),
        'CreateFilter',
      ) as unknown as { _: string } | undefined;
      let version = returnval(await call(s, 'WaitForUpdates', 'PropertyCollector', 'propertyCollector', ''), 'WaitForUpdates')?.version as string | undefined;
      await call(s, 'SetTaskState', 'Task', task, '<state>running</state>');
      await call(s, 'SetTaskState', 'Task', task, '<state>error</state>');
      for (let i = 0; i < 10 && version !== undefined; i++) {
        const update = returnval(
          await call(s, 'WaitForUpdates', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`, true),
          'WaitForUpdates',
        );
        if (update) version = update.version as string;
        if (stateOf(update)) break;
      }
      if (filter?._) await call(s, 'DestroyPropertyFilter', 'PropertyFilter', filter._);
    },
  ],
  // Session churn: Login, a few reads, Logout.
  [
    1,
    async () => {
      const s = new FastSession(transport, rand(2) ? 'govmomi' : 'pyvmomi');
      await call(s, 'RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance');
      await call(s, 'Login', 'SessionManager', 'SessionManager', `<userName>user${rand(100)}</userName><password>pw</password>`);
      await call(s, 'CurrentTime', 'ServiceInstance', 'ServiceInstance');
      await call(
        s,
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        '<specSet><propSet><type>ServiceInstance</type><all>false</all><pathSet>content</pathSet></propSet><objectSet><obj type="ServiceInstance">ServiceInstance</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>',
      );
      await call(s, 'Logout', 'SessionManager', 'SessionManager');
    },
  ],
  // Reads over TaskManager.recentTask (up to 200 tasks).
  [
    1,
    async (s) => {
      await call(
        s,
        'RetrieveProperties',
        'PropertyCollector',
        'propertyCollector',
        `<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip><selectSet ${xsi(s, 'TraversalSpec')}><name>recent</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet></specSet>`,
      );
    },
  ],
  // A task history collector: create, read a page, destroy.
  [
    1,
    async (s) => {
      const created = returnval(
        await call(s, 'CreateCollectorForTasks', 'TaskManager', 'TaskManager', '<filter></filter>'),
        'CreateCollectorForTasks',
      ) as unknown as { _: string } | undefined;
      if (!created?._) return;
      await call(s, 'ReadNextTasks', 'TaskHistoryCollector', created._, '<maxCount>10</maxCount>');
      await call(s, 'DestroyCollector', 'TaskHistoryCollector', created._);
    },
  ],
  // Bad requests: malformed XML, unknown tasks, refused transitions.
  [
    1,
    async (s) => {
      await call(s, 'SetTaskState', 'Task', `task-${900_000_000 + rand(1e6)}`, '<state>running</state>');
      await call(s, 'UpdateProgress', 'Task', 'task-1', '<percentDone>ten</percentDone>');
      const task = await createTask(s);
      if (task) {
        await call(s, 'SetTaskState', 'Task', task, '<state>success</state>');
        await call(s, 'SetTaskState', 'Task', task, '<state>running</state>');
      }
      try {
        await s.send('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Oops', REQUEST_TIMEOUT_MS);
      } catch (error) {
        recordError(`malformed envelope: ${(error as Error).message}`);
      }
    },
  ],
  // Attacks from issue 14, mixed in: each must be refused at once without slowing the rest.
  [
    1,
    async (s) => {
      const attack = rand(6);
      if (attack === 0) {
        // Paging tokens never continued: LimitExceeded past --max-retrieve-tokens, then idle expiry.
        await call(
          s,
          'RetrievePropertiesEx',
          'PropertyCollector',
          'propertyCollector',
          `<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip><selectSet ${xsi(s, 'TraversalSpec')}><name>recent</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>1</maxObjects></options>`,
        );
      } else if (attack === 1) {
        // A description past --max-string-bytes: LimitExceeded, nothing stored.
        const task = await createTask(s);
        if (!task) return;
        await call(s, 'SetTaskDescription', 'Task', task, `<description><key>soak.big</key><message>${'x'.repeat(100 * 1024)}</message></description>`);
        await call(s, 'SetTaskState', 'Task', task, '<state>success</state>');
      } else if (attack === 2) {
        // Two waits on one collector: the first must end with RequestCanceled, the second with the change.
        const task = await createTask(s);
        if (!task) return;
        const collector = (
          returnval(await call(s, 'CreatePropertyCollector', 'PropertyCollector', 'propertyCollector'), 'CreatePropertyCollector') as { _?: string } | undefined
        )?._;
        if (!collector) return;
        await call(
          s,
          'CreateFilter',
          'PropertyCollector',
          collector,
          `<spec><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
        );
        const version = returnval(await call(s, 'WaitForUpdatesEx', 'PropertyCollector', collector, ''), 'WaitForUpdatesEx')?.version as string | undefined;
        const wait = `<version>${version}</version><options><maxWaitSeconds>5</maxWaitSeconds></options>`;
        const first = call(s, 'WaitForUpdatesEx', 'PropertyCollector', collector, wait, true);
        await new Promise((r) => setTimeout(r, 20));
        const second = call(s, 'WaitForUpdatesEx', 'PropertyCollector', collector, wait, true);
        await new Promise((r) => setTimeout(r, 20));
        await call(s, 'SetTaskState', 'Task', task, '<state>success</state>');
        // Under load the three calls may reach the server in any order, so the check is the rule
        // itself: one of the two gets the change, and the other is told (RequestCanceled, or
        // InvalidCollectorVersion when it came after the first had already moved the version) —
        // never left to time out with nothing.
        const outcomes = (await Promise.all([first, second])).map((res) => {
          if (!res) return 'lost';
          const fault = faultOf(res)?.type;
          if (fault) return fault;
          return stateOf(returnval(res, 'WaitForUpdatesEx')) ? 'change' : 'nothing';
        });
        const told = (o: string) => o === 'RequestCanceled' || o === 'InvalidCollectorVersion';
        if (!(outcomes.includes('change') && outcomes.every((o) => o === 'change' || told(o)))) recordError(`concurrent wait: outcomes ${outcomes.join(', ')}`);
        await call(s, 'DestroyPropertyCollector', 'PropertyCollector', collector);
      } else if (attack === 3) {
        // A filter flood on a throwaway session: LimitExceeded past --max-filters; Logout frees all.
        const flood = new FastSession(transport, 'pyvmomi');
        await call(flood, 'Login', 'SessionManager', 'SessionManager', '<userName>flood</userName><password>flood</password>');
        for (let i = 0; i < 20; i++)
          await call(
            flood,
            'CreateFilter',
            'PropertyCollector',
            'propertyCollector',
            '<spec><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></spec><partialUpdates>false</partialUpdates>',
          );
        await call(flood, 'Logout', 'SessionManager', 'SessionManager');
      } else if (attack === 4) {
        // A control API body nested far deeper than SOAP allows: HTTP 400, nothing stored.
        let result: unknown = 'leaf';
        for (let i = 0; i < 1500; i++) result = { _type: 'KeyAnyValue', key: 'k', value: result };
        const res = await transport.request({
          path: '/_emulator/tasks',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ state: 'success', result }),
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
        window.requests++;
        if (res.status !== 400) recordError(`deep control body: HTTP ${res.status}`);
      } else {
        // A body far over --body-limit with Expect: 100-continue: 413 before any 100 Continue.
        const status = await oversizedPost();
        window.requests++;
        if (status !== 413) recordError(`oversized body: got ${status || 'no answer'} instead of 413`);
      }
    },
  ],
];
const totalWeight = scenarios.reduce((n, [w]) => n + w, 0);

/** Announces a 20 MB body with Expect: 100-continue and sends it only on 100 Continue; the final status (0: none). */
function oversizedPost(): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const finish = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => finish(0), REQUEST_TIMEOUT_MS);
    socket.on('connect', () =>
      socket.write('POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 20000000\r\nExpect: 100-continue\r\n\r\n'),
    );
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.startsWith('HTTP/1.1 100')) return finish(100);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) finish(Number(m[1]));
    });
    socket.on('error', () => finish(0));
    socket.on('close', () => finish(0));
  });
}
function pickScenario(): (s: FastSession) => Promise<void> {
  let r = Math.random() * totalWeight;
  for (const [w, run] of scenarios) if ((r -= w) < 0) return run;
  return scenarios[0][1];
}

// ---- sampling -----------------------------------------------------------------------------------

interface Sample {
  t: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  rss: number;
  faults: number;
  errors: number;
  objects: number | undefined;
  sessions: number | undefined;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const pad = (v: string | number, n: number) => String(v).padStart(n);
function row(s: Sample, warm: boolean): string {
  return (
    `${pad(s.t.toFixed(0), 6)} ${pad(s.requests, 9)} ${pad(s.rps.toFixed(0), 7)} ${pad(s.p50.toFixed(2), 8)} ${pad(s.p99.toFixed(2), 8)} ${pad(s.max.toFixed(1), 8)} ` +
    `${pad(s.rss.toFixed(1), 8)} ${pad(s.faults, 7)} ${pad(s.errors, 6)} ${pad(s.objects ?? '-', 8)} ${pad(s.sessions ?? '-', 8)}${warm ? '  (warm-up)' : ''}`
  );
}

async function main(): Promise<number> {
  await waitReady();
  process.stdout.write(
    `soak: pid ${child.pid} on ${baseUrl}, ${num('minutes')} min, sample every ${sampleMs / 1000} s, warm-up ${(warmupMs / 1000).toFixed(0)} s, concurrency ${concurrency}\n`,
  );
  process.stdout.write(
    `${pad('t(s)', 6)} ${pad('requests', 9)} ${pad('req/s', 7)} ${pad('p50(ms)', 8)} ${pad('p99(ms)', 8)} ${pad('max(ms)', 8)} ${pad('RSS(MB)', 8)} ${pad('faults', 7)} ${pad('errors', 6)} ${pad('objects', 8)} ${pad('sessions', 8)}\n`,
  );

  const started = Date.now();
  const end = started + durationMs;
  let stop = false;

  const workers = Array.from({ length: concurrency }, async () => {
    const s = new FastSession(transport, rand(2) ? 'govmomi' : 'pyvmomi');
    await call(s, 'Login', 'SessionManager', 'SessionManager', '<userName>soak</userName><password>soak</password>');
    while (!stop && !serverExited) await pickScenario()(s);
  });

  const samples: Array<{ sample: Sample; warm: boolean }> = [];
  let totalErrors = 0;
  while (Date.now() < end && !serverExited) {
    const nextAt = Math.min(end, Date.now() + sampleMs);
    while (Date.now() < nextAt && !serverExited) await new Promise((r) => setTimeout(r, Math.min(250, nextAt - Date.now())));
    const w = window;
    window = { latencies: [], requests: 0, faults: 0, errors: 0 };
    const sorted = w.latencies.sort((a, b) => a - b);
    let objects: number | undefined;
    let sessions: number | undefined;
    try {
      const health = await transport.request({ method: 'GET', path: '/healthz', timeoutMs: 5000 });
      const json = JSON.parse(health.body.toString('utf8')) as { objects?: number; sessions?: number };
      objects = json.objects;
      sessions = json.sessions;
    } catch (error) {
      recordError(`/healthz: ${(error as Error).message}`);
      w.errors++;
    }
    const t = (Date.now() - started) / 1000;
    const sample: Sample = {
      t,
      requests: w.requests,
      rps: w.requests / (sampleMs / 1000),
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      rss: rssMb(),
      faults: w.faults,
      errors: w.errors,
      objects,
      sessions,
    };
    totalErrors += w.errors;
    const warm = Date.now() - started < warmupMs;
    samples.push({ sample, warm });
    process.stdout.write(`${row(sample, warm)}\n`);
  }
  stop = true;
  await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 1000))]);
  totalErrors += window.errors;

  // ---- verdict ----
  const problems: string[] = [];
  if (serverExited) problems.push(`the server died (${serverExited}):\n${serverStderr}`);
  if (totalErrors)
    problems.push(`${totalErrors} requests hung, were dropped, got an unexpected status or an internal error, e.g.:\n  ${errorSamples.join('\n  ')}`);
  const measured = samples.filter((s) => !s.warm).map((s) => s.sample);
  if (measured.length < 3) {
    problems.push(`only ${measured.length} samples after the warm-up; need at least 3 (run longer or sample more often)`);
  } else {
    const third = Math.floor(measured.length / 3);
    const first = measured.slice(0, third);
    const last = measured.slice(measured.length - third);
    const compare = (name: string, unit: string, pick: (s: Sample) => number, growth: number, slack: number) => {
      const a = median(first.map(pick));
      const b = median(last.map(pick));
      const grew = (b - a) / a;
      const verdict = grew > growth && b - a > slack ? 'FAIL' : 'ok';
      process.stdout.write(
        `soak: ${name} median first third ${a.toFixed(2)} ${unit}, last third ${b.toFixed(2)} ${unit}: ${(grew * 100).toFixed(1)}% (limit ${(growth * 100).toFixed(0)}% and ${slack} ${unit}) ${verdict}\n`,
      );
      if (verdict === 'FAIL') problems.push(`${name} grew by ${(grew * 100).toFixed(1)}% (${a.toFixed(2)} → ${b.toFixed(2)} ${unit})`);
    };
    compare('RSS', 'MB', (s) => s.rss, rssGrowth, rssSlackMb);
    compare('p99', 'ms', (s) => s.p99, p99Growth, p99SlackMs);
  }
  const requests = samples.reduce((n, s) => n + s.sample.requests, 0);
  process.stdout.write(`soak: faults by method:type ${JSON.stringify(Object.fromEntries([...faultTypes].sort((a, b) => b[1] - a[1])))}\n`);
  process.stdout.write(`soak: ${requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  for (const p of problems) process.stdout.write(`soak: FAIL: ${p}\n`);
  process.stdout.write(problems.length ? 'soak: FAILED\n' : 'soak: PASSED\n');
  return problems.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  transport.close();
  if (!serverExited) {
    child.kill('SIGTERM');
    await new Promise((r) => {
      const force = setTimeout(() => {
        child.kill('SIGKILL');
        r(undefined);
      }, 5000);
      child.once('exit', () => {
        clearTimeout(force);
        r(undefined);
      });
    });
  }
}
process.exit(code);
