// npm run bench: throughput and latency of the emulator's hot paths under autocannon, the same
// requests against a bare node:http server (the ceiling), 1,000 WaitForUpdatesEx clients woken
// by one change, and memory per task. It prints figures; it asserts nothing (CI times nothing).
//
// Environment:
//   BENCH_SECONDS      seconds per throughput scenario (default 10; the figure)
//   BENCH_WARMUP       unmeasured seconds before each scenario, for the JIT (default 1)
//   BENCH_ROUNDS       turns the scenarios of one protocol take, each with its share of
//                      BENCH_SECONDS, so machine load drifts alike for all (default 5)
//   BENCH_CONNECTIONS  autocannon connections (default 50)
//   BENCH_WAITERS      WaitForUpdatesEx clients (default 1000)
//   BENCH_PAGES        Recent Tasks pages (live feeds) open in the progress-pages scenario (default 100)
//   BENCH_ONLY         comma-separated ids of what to run: bare-http, progress, progress-pages,
//                      description, retrieve, create, lifecycle, bare-https, progress-https,
//                      lifecycle-https, pages-cpu, wait, memory, linear, collectors, startup (a
//                      ratio needs its bare-* ceiling in the same run; progress-pages is compared
//                      with progress)
//   BENCH_LOG_LEVEL    the server's --log-level (default silent; info logs a line per call)
//   STARTUP_RUNS       cold starts per subject in the startup scenario (default 7)
//   BENCH_PROFILE      directory: run every server child under `node --cpu-prof` and write
//                      <scenario>.cpuprofile there (open in Chrome DevTools or speedscope)

import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { runCollectors, runLinearity } from './limits.js';
import { PINNING, pinSelf, runChild, spawnClient, startBareServer, startEmulator, type ServerProcess } from './processes.js';
import { runStartup } from './startup.js';
import { expectOk, RawConnection, requests, SOAP_HEADERS, taskKeyOf, versionOf } from './soap.js';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP = envNumber('BENCH_WARMUP', 1);
const ROUNDS = Math.max(1, Math.round(envNumber('BENCH_ROUNDS', 5)));
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 50);
const WAITERS = envNumber('BENCH_WAITERS', 1000);
const PAGES = Math.round(envNumber('BENCH_PAGES', 100));
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : undefined;

const wanted = (id: string) => !ONLY || ONLY.has(id);

// ---------------------------------------------------------------------------------------------
// Throughput scenarios

interface Prepared {
  readonly requests: autocannon.Request[];
  /** Requests per unit of work, e.g. 8 calls per lifecycle; reported as units/s. */
  readonly perUnit?: { readonly size: number; readonly name: string };
  /** Recent Tasks pages held open beside the load. */
  readonly pages?: OpenPages;
}

interface OpenPages {
  readonly count: number;
  /** Events all pages have received so far. */
  events(): Promise<number>;
  close(): void;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly target: 'bare' | 'emulator';
  readonly tls: boolean;
  /** Runs on a logged-in connection before the load starts; returns what autocannon sends. */
  prepare(connection: RawConnection, server: URL): Promise<Prepared>;
}

/** A running task to hammer (progress, description and reads all need one). */
async function runningTask(connection: RawConnection): Promise<string> {
  const task = taskKeyOf((await expectOk(connection, requests.createTask(), 'CreateTask')).body);
  if (!task) throw new Error('CreateTask answered without a task key');
  await expectOk(connection, requests.setTaskState(task, 'running'), 'SetTaskState running');
  return task;
}

/**
 * Ten UpdateProgress calls with different values, cycled by every connection, so nearly every
 * call really changes the task (an unchanged value is a cheaper no-op).
 */
function progressRequests(task: string): autocannon.Request[] {
  return Array.from({ length: 10 }, (_, i) => ({ body: requests.updateProgress(task, (i + 1) * 10) }));
}

/** Recent Tasks pages held open by a child process (bench/pages.ts), as real pages would be elsewhere. */
async function openPages(server: URL, count: number): Promise<OpenPages> {
  const child = spawnClient('bench/pages.js', [server.toString(), String(count)]);
  let events = 0;
  let ask: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench/pages.js exited with code ${code}`)));
    child.on('message', (message: { ready?: boolean; events?: number }) => {
      if (message.ready) resolve();
      if (message.events !== undefined) {
        events = message.events;
        ask?.();
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    count,
    events: () =>
      new Promise<number>((resolve) => {
        ask = () => resolve(events);
        child.send('events');
      }),
    close: () => child.disconnect(),
  };
}

function lifecycleRequests(): autocannon.Request[] {
  type Context = { task?: string };
  const withTask = (make: (task: string) => string): autocannon.Request => ({
    setupRequest: (request, context) => ({ ...request, body: make((context as Context).task ?? 'task-0') }),
  });
  return [
    {
      body: requests.createTask(),
      onResponse: (_status, body, context) => {
        (context as Context).task = taskKeyOf(body);
      },
    },
    withTask((task) => requests.setTaskState(task, 'running')),
    ...[20, 40, 60, 80, 100].map((percent) => withTask((task) => requests.updateProgress(task, percent))),
    withTask((task) => requests.setTaskState(task, 'success')),
  ];
}

function scenarios(tls: boolean): Scenario[] {
  const list: Scenario[] = [
    {
      id: tls ? 'bare-https' : 'bare-http',
      title: 'bare node:http(s), fixed UpdateProgress answer',
      target: 'bare',
      tls,
      prepare: async () => ({ requests: progressRequests('task-1') }),
    },
    {
      id: tls ? 'progress-https' : 'progress',
      title: 'UpdateProgress, one running task',
      target: 'emulator',
      tls,
      prepare: async (c) => ({ requests: progressRequests(await runningTask(c)) }),
    },
    {
      id: tls ? 'retrieve-https' : 'retrieve',
      title: 'RetrievePropertiesEx info, one task',
      target: 'emulator',
      tls,
      prepare: async (c) => ({ requests: [{ body: requests.retrieveInfo(await runningTask(c)) }] }),
    },
    {
      id: tls ? 'lifecycle-https' : 'lifecycle',
      title: 'lifecycle: create, running, 5 progress, success',
      target: 'emulator',
      tls,
      prepare: async () => ({ requests: lifecycleRequests(), perUnit: { size: 8, name: 'lifecycles' } }),
    },
  ];
  // HTTPS: the ceiling, the hot call and the lifecycle (enough to see what TLS costs, within the
  // three minutes the whole run may take).
  if (tls) return [list[0], list[1], list[3]];
  return [
    ...list.slice(0, 2),
    {
      id: 'progress-pages',
      title: `UpdateProgress, one running task, ${PAGES} pages open`,
      target: 'emulator',
      tls,
      prepare: async (c, server) => ({ requests: progressRequests(await runningTask(c)), pages: await openPages(server, PAGES) }),
    },
    {
      id: 'description',
      title: 'SetTaskDescription, one task',
      target: 'emulator',
      tls,
      prepare: async (c) => {
        const task = await runningTask(c);
        return { requests: Array.from({ length: 10 }, (_, i) => ({ body: requests.setTaskDescription(task, i) })) };
      },
    },
    list[2],
    {
      id: 'create',
      title: 'CreateTask',
      target: 'emulator',
      tls,
      prepare: async () => ({ requests: [{ body: requests.createTask() }] }),
    },
    list[3],
  ];
}

interface Row {
  readonly id: string;
  readonly title: string;
  readonly proto: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** Server CPU time per request (µs). */
  readonly cpuUs?: number;
  readonly ceiling?: number;
  /** The lowest and highest per-round share of the ceiling. */
  readonly ceilingRange?: readonly [number, number];
  /** req/s in each round, and server CPU µs per request in each round. */
  readonly byRound: readonly number[];
  readonly cpuByRound: ReadonlyArray<number | undefined>;
  readonly note?: string;
}

function cannon(url: URL, cookie: string | undefined, prepared: Prepared, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: url.toString(),
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { ...SOAP_HEADERS, ...(cookie ? { cookie } : {}) },
    requests: prepared.requests,
    timeout: 30,
  });
}

/** A scenario's server, started and prepared, and what its rounds have measured so far. */
interface Running {
  readonly scenario: Scenario;
  readonly server: ServerProcess;
  readonly prepared: Prepared;
  readonly cookie: string | undefined;
  readonly rounds: Array<{ completed: number; seconds: number; errors: number; p50: number; p99: number; cpuMs: number | undefined; pageEvents: number }>;
}

async function startScenario(scenario: Scenario): Promise<Running> {
  const options = { tls: scenario.tls, profileDir: PROFILE_DIR, profileName: scenario.id };
  const server: ServerProcess = scenario.target === 'bare' ? await startBareServer(options) : await startEmulator(options);
  try {
    const connection = await RawConnection.open(server.url);
    if (scenario.target === 'emulator') await expectOk(connection, requests.login(), 'Login');
    const prepared = await scenario.prepare(connection, server.url);
    const cookie = connection.cookie;
    connection.close();
    if (WARMUP > 0) await cannon(server.url, cookie, prepared, WARMUP);
    return { scenario, server, prepared, cookie, rounds: [] };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function runRound(running: Running, seconds: number): Promise<void> {
  const cpuBefore = running.server.cpuMs();
  const eventsBefore = (await running.prepared.pages?.events()) ?? 0;
  const result = await cannon(running.server.url, running.cookie, running.prepared, seconds);
  const cpuAfter = running.server.cpuMs();
  // The last tick of the round may still be on its way.
  if (running.prepared.pages) await new Promise((r) => setTimeout(r, 150));
  const pageEvents = ((await running.prepared.pages?.events()) ?? 0) - eventsBefore;
  running.rounds.push({
    completed: result['2xx'] + result.non2xx,
    seconds: result.duration,
    errors: result.errors + result.non2xx + result.mismatches,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    pageEvents,
  });
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

function rowOf(running: Running, bare: Running | undefined): Row {
  const { scenario, prepared, rounds } = running;
  const completed = sum(rounds.map((r) => r.completed));
  const rps = completed / sum(rounds.map((r) => r.seconds));
  const cpu = rounds.every((r) => r.cpuMs !== undefined) ? sum(rounds.map((r) => r.cpuMs!)) : undefined;
  const bareRps = bare && sum(bare.rounds.map((r) => r.completed)) / sum(bare.rounds.map((r) => r.seconds));
  const shares = bare ? rounds.map((r, i) => r.completed / r.seconds / (bare.rounds[i].completed / bare.rounds[i].seconds)) : [];
  return {
    id: scenario.id,
    title: scenario.title,
    proto: scenario.tls ? 'https' : 'http',
    rps,
    p50: median(rounds.map((r) => r.p50)),
    p99: Math.max(...rounds.map((r) => r.p99)),
    errors: sum(rounds.map((r) => r.errors)),
    cpuUs: cpu !== undefined && completed ? (cpu * 1000) / completed : undefined,
    ceiling: bareRps ? rps / bareRps : undefined,
    ceilingRange: shares.length && scenario.target !== 'bare' ? [Math.min(...shares), Math.max(...shares)] : undefined,
    byRound: rounds.map((r) => r.completed / r.seconds),
    cpuByRound: rounds.map((r) => (r.cpuMs !== undefined && r.completed ? (r.cpuMs * 1000) / r.completed : undefined)),
    note: prepared.perUnit
      ? `${(rps / prepared.perUnit.size).toFixed(0)} ${prepared.perUnit.name}/s`
      : prepared.pages
        ? `${(sum(rounds.map((r) => r.pageEvents)) / prepared.pages.count / sum(rounds.map((r) => r.seconds))).toFixed(1)} events/s per page`
        : undefined,
  };
}

/**
 * The scenarios of one protocol run in turns: every round drives each server (the bare ceiling
 * first) for its slice of the scenario's time. A change in the machine's load then reaches the
 * ceiling and the scenarios alike, instead of whichever happened to run at the time.
 */
async function runInterleaved(list: readonly Scenario[]): Promise<Row[]> {
  const started: Running[] = [];
  try {
    for (const scenario of list) started.push(await startScenario(scenario));
    const slice = SECONDS / ROUNDS;
    for (let round = 0; round < ROUNDS; round++) {
      for (const running of started) await runRound(running, slice);
      if (process.stderr.isTTY) process.stderr.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    const bare = started.find((r) => r.scenario.target === 'bare');
    return started.map((running) => rowOf(running, bare));
  } finally {
    for (const running of started) running.prepared.pages?.close();
    await Promise.all(started.map((r) => r.server.stop()));
  }
}

/**
 * What the open pages cost UpdateProgress. Each round runs the two scenarios one after the
 * other, so the ratio within a round is the least disturbed by the machine's changing load;
 * the median of those ratios is the figure, the totals are shown beside it.
 */
function printPagesCost(rows: readonly Row[]): void {
  const without = rows.find((r) => r.id === 'progress');
  const withPages = rows.find((r) => r.id === 'progress-pages');
  if (!without || !withPages) return;
  const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
  const ratios = withPages.byRound.map((rps, i) => rps / without.byRound[i]);
  const cpuRatios = withPages.cpuByRound.flatMap((cpu, i) => (cpu !== undefined && without.cpuByRound[i] !== undefined ? [cpu / without.cpuByRound[i]!] : []));
  console.log(
    `${PAGES} open Recent Tasks pages, UpdateProgress throughput: ${percent(median(ratios))} (median of ${ratios.length} rounds, ` +
      `each ${ratios.map(percent).join(' ')}; over all rounds ${withPages.rps.toFixed(0)} against ${without.rps.toFixed(0)} req/s, ${percent(withPages.rps / without.rps)}; the budget is -5%)`,
  );
  if (cpuRatios.length)
    console.log(
      `  server CPU per request: ${percent(median(cpuRatios))} (median of rounds; ${without.cpuUs?.toFixed(1)} → ${withPages.cpuUs?.toFixed(1)} µs/req over all)`,
    );
}

function printTable(rows: readonly Row[]): void {
  const header = ['scenario', 'proto', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'of ceiling', 'by round', 'server CPU µs/req', ''];
  const cells = rows.map((r) => [
    r.title,
    r.proto,
    r.rps.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.errors),
    r.ceiling === undefined ? '-' : `${(r.ceiling * 100).toFixed(0)}%`,
    r.ceilingRange === undefined ? '-' : `${(r.ceilingRange[0] * 100).toFixed(0)}–${(r.ceilingRange[1] * 100).toFixed(0)}%`,
    r.cpuUs === undefined ? '-' : r.cpuUs.toFixed(1),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i >= 2 && i <= 8 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(
    widths
      .map((w, i) => '-'.repeat(header[i] ? w : 0))
      .join('  ')
      .trimEnd(),
  );
  for (const c of cells) console.log(line(c));
}

// ---------------------------------------------------------------------------------------------
// What open pages cost the server at a fixed load

const PAGES_CPU_RATE = 2000;
const PAGES_CPU_PAIRS = 6;
const PAGES_CPU_SECONDS = 3;

/**
 * Throughput on a shared machine swings by more than the pages could cost; the server's CPU
 * time at a fixed request rate does not. Alternates runs without and with the pages and prints
 * the median difference in CPU time per second.
 */
async function runPagesCpu(): Promise<void> {
  const server = await startEmulator({ tls: false, profileDir: PROFILE_DIR, profileName: 'pages-cpu' });
  try {
    const connection = await RawConnection.open(server.url);
    await expectOk(connection, requests.login(), 'Login');
    const prepared: Prepared = { requests: progressRequests(await runningTask(connection)) };
    const cookie = connection.cookie;
    connection.close();
    const measure = async (pages: number): Promise<number> => {
      const open = pages ? await openPages(server.url, pages) : undefined;
      const before = server.cpuMs();
      await autocannon({
        url: server.url.toString(),
        method: 'POST',
        connections: 10,
        duration: PAGES_CPU_SECONDS,
        overallRate: PAGES_CPU_RATE,
        headers: { ...SOAP_HEADERS, ...(cookie ? { cookie } : {}) },
        requests: prepared.requests,
      });
      const after = server.cpuMs();
      open?.close();
      return before === undefined || after === undefined ? NaN : (after - before) / PAGES_CPU_SECONDS;
    };
    await measure(0);
    const differences: number[] = [];
    for (let i = 0; i < PAGES_CPU_PAIRS; i++) {
      const without = await measure(0);
      const withPages = await measure(PAGES);
      differences.push(withPages - without);
    }
    if (differences.some(Number.isNaN)) return;
    const ms = median(differences);
    console.log(
      `\n${PAGES} open pages at a fixed ${PAGES_CPU_RATE} UpdateProgress/s: the server uses ${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms of CPU a second ` +
        `(${((ms / 1000) * 100).toFixed(1)}% of a core; median of ${PAGES_CPU_PAIRS} pairs: ${differences.map((d) => d.toFixed(1)).join(', ')})`,
    );
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 1,000 waiting clients woken by one change

interface Waiter {
  readonly connection: RawConnection;
  version: string;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

async function runWaiters(count: number): Promise<void> {
  const server = await startEmulator({ tls: false, profileDir: PROFILE_DIR, profileName: 'wait' });
  const waiters: Waiter[] = [];
  try {
    const driver = await RawConnection.open(server.url);
    await expectOk(driver, requests.login(), 'Login');
    const task = taskKeyOf((await expectOk(driver, requests.createTask(), 'CreateTask')).body)!;

    // Each client: its own connection and session, a filter on the task's info, and the
    // initial full report (version 1); its next WaitForUpdatesEx then sleeps until a change.
    const slots = Array.from({ length: count }, (_, i) => i);
    await inBatches(slots, 100, async () => {
      const connection = await RawConnection.open(server.url);
      await expectOk(connection, requests.login(), 'Login');
      await expectOk(connection, requests.createFilter(task), 'CreateFilter');
      const first = await expectOk(connection, requests.waitForUpdatesEx('', 0), 'WaitForUpdatesEx (initial)');
      waiters.push({ connection, version: versionOf(first.body) ?? '' });
    });

    // The first change meets a cold server (nothing JIT-compiled on the wake path yet); the
    // figure that matters for a long-running CI server is the warm median of the others.
    const changes: Array<[string, string]> = [
      ['SetTaskState running', requests.setTaskState(task, 'running')],
      ...[5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80].map((p): [string, string] => [
        `UpdateProgress ${p}`,
        requests.updateProgress(task, p),
      ]),
      ['SetTaskDescription', requests.setTaskDescription(task, 1)],
      ['SetTaskState success', requests.setTaskState(task, 'success')],
    ];
    const figures: number[] = [];
    console.log(`\nWaitForUpdatesEx: ${count} clients (a session, a filter on ${task}'s info and a connection each), all woken by one change`);
    for (const [what, change] of changes) {
      let early = 0;
      let armed = true;
      const answered: number[] = [];
      let failed = 0;
      const pending = waiters.map(async (waiter) => {
        const response = await waiter.connection.soap(requests.waitForUpdatesEx(waiter.version, 60));
        if (armed) early++;
        answered.push(performance.now());
        const version = versionOf(response.body);
        if (response.status !== 200 || !version || !response.body.includes('<filterSet>')) failed++;
        else waiter.version = version;
      });
      // Every wait has been written; give the server time to read them all and go to sleep.
      await new Promise((r) => setTimeout(r, 300));
      armed = false;
      const start = performance.now();
      const changed = await driver.soap(change);
      const changeMs = performance.now() - start;
      await Promise.all(pending);
      if (changed.status !== 200) failed++;
      answered.sort((a, b) => a - b);
      const ms = (at: number) => (at - start).toFixed(1);
      const all = answered[answered.length - 1] - start;
      figures.push(all);
      console.log(
        `  ${what.padEnd(21)} all answered in ${all.toFixed(1).padStart(6)} ms (first ${ms(answered[0])}, median ${ms(answered[answered.length >> 1])}; ` +
          `the change call's own answer ${changeMs.toFixed(1)} ms)` +
          (failed ? `, ${failed} FAILED` : '') +
          (early ? `, ${early} ANSWERED BEFORE THE CHANGE` : ''),
      );
    }
    const warm = figures.slice(1).sort((a, b) => a - b);
    console.log(
      `  ${count} waiters woken: cold ${figures[0].toFixed(1)} ms; warm median ${warm[warm.length >> 1].toFixed(1)} ms, ` +
        `${warm.filter((ms) => ms <= 50).length} of ${warm.length} warm rounds within 50 ms, worst ${warm[warm.length - 1].toFixed(1)} ms (target: within 50 ms)`,
    );
    driver.close();
  } finally {
    for (const waiter of waiters) waiter.connection.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------

/** Share of all cores busy over a short interval, before any of our processes start. */
async function busyShare(ms: number): Promise<number> {
  const total = (cpus: os.CpuInfo[]) => cpus.reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle, 0);
  const idle = (cpus: os.CpuInfo[]) => cpus.reduce((sum, c) => sum + c.times.idle, 0);
  const before = os.cpus();
  await new Promise((r) => setTimeout(r, ms));
  const after = os.cpus();
  const elapsed = total(after) - total(before);
  return elapsed > 0 ? 1 - (idle(after) - idle(before)) / elapsed : 0;
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpus = os.cpus();
  console.log(
    `vtask-emulator benchmark: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${os.platform()} ${os.release()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  );
  pinSelf();
  const busy = await busyShare(1000);
  if (busy > 0.1) {
    console.log(`WARNING: ${(busy * 100).toFixed(0)}% of the CPU was busy before the benchmark started; other processes will skew every figure.`);
  }
  console.log(
    `autocannon in this process, server in a child${PINNING ? ' (load generator pinned to core 0, server to core 1)' : ' (not pinned: no taskset or one core)'}; ` +
      `${CONNECTIONS} connections, ${SECONDS} s per scenario in ${ROUNDS} interleaved rounds after ${WARMUP} s warm-up, loopback, ` +
      `server log level ${process.env.BENCH_LOG_LEVEL || 'silent'}`,
  );
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    console.log(`CPU profiles of the server children go to ${PROFILE_DIR}`);
  }

  const rows: Row[] = [];
  for (const tls of [false, true]) {
    const list = scenarios(tls).filter((scenario) => wanted(scenario.id));
    if (list.length) rows.push(...(await runInterleaved(list)));
  }
  if (rows.length) {
    console.log('');
    printTable(rows);
    console.log(
      '"of ceiling": req/s divided by the bare node:http(s) server\'s req/s over the same rounds (same protocol); "by round": the lowest and highest round.',
    );
    console.log('"server CPU µs/req": the server process\'s CPU time per answered request; it moves little when other processes compete.');
    printPagesCost(rows);
  }

  if (wanted('pages-cpu')) await runPagesCpu();
  if (wanted('wait')) await runWaiters(WAITERS);

  if (wanted('linear')) await runLinearity();
  if (wanted('collectors')) await runCollectors();

  if (wanted('memory')) {
    console.log('');
    await runChild('bench/memory.js', ['retained'], ['--expose-gc']);
    await runChild('bench/memory.js', ['churn'], ['--expose-gc']);
  }
  if (wanted('startup')) await runStartup(Math.max(1, Math.round(envNumber('STARTUP_RUNS', 7))));
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
