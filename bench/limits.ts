// Two benchmarks for issue 14 (no request or session can stall the server):
//
// linear       growing request bodies of each kind an attacker grows (attributes, elements,
//              pathSet entries, propSet x objectSet, selectSet), from small up to the limits and
//              past them, with the server time per KB for each size. Linear work shows as a flat
//              µs/KB column; the quadratic code it replaced grew it with every doubling.
// collectors   the cost of one task change (UpdateProgress, SetTaskState) with N task history
//              collectors open (a read-only user's 150 sessions x 32 collectors filtered to
//              running tasks, page size 1,000, in the issue), over thousands of running tasks.

import { performance } from 'node:perf_hooks';
import { startEmulator, type ServerProcess } from './processes.js';
import { envelope, expectOk, RawConnection, requests, taskKeyOf } from './soap.js';

interface Shape {
  readonly name: string;
  /** What the numbers count ("attributes", "paths", ...). */
  readonly unit: string;
  readonly sizes: readonly number[];
  readonly login: boolean;
  body(size: number): string;
}

const retrieve = (specSet: string) => envelope('RetrieveProperties', 'PropertyCollector', 'propertyCollector', `<specSet>${specSet}</specSet>`);
const serviceContent = envelope('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance');

/** RetrieveServiceContent with `inHeader` before the Body (the server reads the Header and ignores it). */
function withHeader(inHeader: string): string {
  return serviceContent.replace('<Body>', `<Header>${inHeader}</Header><Body>`);
}

function attributes(count: number, perElement: number): string {
  let out = '';
  for (let done = 0; done < count; done += perElement) {
    let attrs = '';
    for (let i = 0; i < Math.min(perElement, count - done); i++) attrs += ` a${i}="${i}"`;
    out += `<h${attrs}/>`;
  }
  return out;
}

/** Sizes doubling from `from` to `to`. */
function doubling(from: number, to: number): number[] {
  const sizes: number[] = [];
  for (let n = from; n <= to; n *= 2) sizes.push(n);
  return sizes;
}

function shapes(tasks: readonly string[]): Shape[] {
  const task = (i: number) => tasks[i % tasks.length];
  return [
    {
      name: 'attributes, 250 per element (limit 200,000 per request)',
      unit: 'attributes',
      // The envelope, the call and _this carry 3, so 199,997 in the Header is the most allowed.
      sizes: [...doubling(12_500, 100_000), 199_997, 360_000],
      login: false,
      body: (n) => withHeader(attributes(n, 250)),
    },
    {
      name: 'attributes on one element (refused past 256)',
      unit: 'attributes',
      sizes: doubling(20_000, 320_000),
      login: false,
      body: (n) => withHeader(attributes(n, n)),
    },
    {
      name: 'elements (limit 100,000 per request)',
      unit: 'elements',
      sizes: [...doubling(12_500, 100_000), 180_000],
      login: false,
      body: (n) => withHeader('<e>x</e>'.repeat(n - 9)),
    },
    {
      name: 'distinct pathSet entries (refused past 10,000)',
      unit: 'paths',
      sizes: doubling(1_250, 160_000),
      login: false,
      body: (n) =>
        retrieve(
          `<propSet><type>ServiceInstance</type>${Array.from({ length: n }, (_, i) => `<pathSet>content.p${i}</pathSet>`).join('')}</propSet><objectSet><obj type="ServiceInstance">ServiceInstance</obj></objectSet>`,
        ),
    },
    {
      name: `propSet x objectSet, N of each over ${tasks.length} tasks`,
      unit: 'of each',
      sizes: doubling(625, 10_000),
      login: true,
      body: (n) =>
        retrieve(
          '<propSet><type>Task</type><pathSet>info.state</pathSet></propSet>'.repeat(n) +
            Array.from({ length: n }, (_, i) => `<objectSet><obj type="Task">${task(i)}</obj></objectSet>`).join(''),
        ),
    },
    {
      name: `selectSet, N traversals of TaskManager.recentTask (${Math.min(200, tasks.length)} tasks)`,
      unit: 'traversals',
      sizes: doubling(625, 10_000),
      login: true,
      body: (n) =>
        retrieve(
          `<propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj>${'<selectSet xsi:type="TraversalSpec" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><type>TaskManager</type><path>recentTask</path></selectSet>'.repeat(n)}</objectSet>`,
        ),
    },
  ];
}

/** A send slower than this ends its shape. */
const SLOW_MS = 5000;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

/** The status the server answered with, and the fault's message when there is one. */
function outcome(status: number, body: string): string {
  if (status === 200) return '200';
  const fault = /<faultstring>([^<]*)<\/faultstring>/.exec(body)?.[1];
  return fault ? `${status} ${fault.replace(/ \(at offset \d+\)/, '').slice(0, 70)}` : String(status);
}

async function timeRequest(server: ServerProcess, connection: RawConnection, body: string, reps: number) {
  const walls: number[] = [];
  const cpuBefore = server.cpuMs();
  let last = { status: 0, body: '' };
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    last = await connection.soap(body);
    walls.push(performance.now() - started);
  }
  const cpuAfter = server.cpuMs();
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / reps;
  return { wall: median(walls), cpu, outcome: outcome(last.status, last.body) };
}

export async function runLinearity(): Promise<void> {
  // The body limit raised so that the largest inputs reach the parser; the default is 4 MiB.
  const server = await startEmulator({ tls: false, extraArgs: ['--body-limit', String(16 * 2 ** 20), '--max-tasks', '100000'] });
  try {
    const admin = await RawConnection.open(server.url);
    await expectOk(admin, requests.login(), 'Login');
    const tasks: string[] = [];
    for (let i = 0; i < 200; i++) tasks.push(taskKeyOf((await expectOk(admin, requests.createTask(), 'CreateTask')).body)!);
    admin.close();
    console.log('\nLinearity: growing request bodies; the median of several sends per size; server CPU from /proc (10 ms ticks, summed over the sends)');
    for (const shape of shapes(tasks)) {
      console.log(`  ${shape.name}`);
      console.log(`    ${`N ${shape.unit}`} ${'KB'.padStart(7)} ${'answer ms'.padStart(10)} ${'µs/KB'.padStart(7)} ${'CPU µs/KB'.padStart(10)}  answer`);
      // A connection of its own: one left idle through the shapes before would have timed out.
      const connection = await RawConnection.open(server.url);
      if (shape.login) await expectOk(connection, requests.login(), 'Login');
      // One unmeasured send of a small body, so the first size does not pay for the JIT.
      await connection.soap(shape.body(shape.sizes[0]));
      for (const size of shape.sizes) {
        const body = shape.body(size);
        const kb = Buffer.byteLength(body) / 1024;
        // Enough sends for the CPU figure to span many 10 ms ticks, at most 20; a size that takes
        // seconds (code that is not linear) is sent once, and ends its shape.
        const probe = await timeRequest(server, connection, body, 1);
        const reps = probe.wall > SLOW_MS ? 0 : Math.max(2, Math.min(20, Math.ceil(400 / Math.max(1, probe.wall))));
        const { wall, cpu, outcome: answer } = reps ? await timeRequest(server, connection, body, reps) : probe;
        console.log(
          `    ${String(size).padStart(2 + shape.unit.length)} ${kb.toFixed(0).padStart(7)} ${wall.toFixed(1).padStart(10)} ${((wall * 1000) / kb).toFixed(0).padStart(7)} ` +
            `${cpu === undefined ? '-'.padStart(10) : ((cpu * 1000) / kb).toFixed(0).padStart(10)}  ${answer}`,
        );
        if (!reps) {
          console.log(`    (over ${SLOW_MS / 1000} s: larger sizes skipped)`);
          break;
        }
      }
      connection.close();
    }
  } finally {
    await server.stop();
  }
}

const logout = envelope('Logout', 'SessionManager', 'SessionManager');
const createCollector = (filter: string) => envelope('CreateCollectorForTasks', 'TaskManager', 'TaskManager', `<filter>${filter}</filter>`);
const setCollectorPageSize = (collector: string, size: number) =>
  envelope('SetCollectorPageSize', 'TaskHistoryCollector', collector, `<maxCount>${size}</maxCount>`);

/** Runs `work` for 0..count-1 over the given connections, one request in flight on each. */
async function spread(connections: readonly RawConnection[], count: number, work: (connection: RawConnection, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    connections.map(async (connection) => {
      while (next < count) await work(connection, next++);
    }),
  );
}

export async function runCollectors(): Promise<void> {
  const TASKS = 3_000;
  const PER_SESSION = 32;
  const server = await startEmulator({ tls: false, extraArgs: ['--max-tasks', '100000'] });
  // Eight connections for each stretch of setup: fresh ones each time, as idle ones time out
  // while slow code is measured.
  const workers = () => Promise.all(Array.from({ length: 8 }, () => RawConnection.open(server.url)));
  try {
    let connections = await workers();
    for (const connection of connections) await expectOk(connection, requests.login(), 'Login');
    const running: string[] = [];
    /** Creates and starts tasks until `count` run. */
    const runTasks = async (count: number) => {
      const more = count - running.length;
      await spread(connections, more, async (connection) => {
        const key = taskKeyOf((await expectOk(connection, requests.createTask(), 'CreateTask')).body)!;
        await expectOk(connection, requests.setTaskState(key, 'running'), 'SetTaskState running');
        running.push(key);
      });
      running.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    };
    await runTasks(TASKS);

    console.log(
      `\nTask history collectors: the cost of one task change with N collectors open (sessions of ${PER_SESSION}, each filtered to state running, page size 1,000)`,
    );
    console.log(
      `  ${'running'.padStart(7)} ${'collectors'.padStart(10)} ${'filters'.padStart(9)} ${'UpdateProgress ms'.padStart(18)} ${'SetTaskState ms'.padStart(16)} ${'new task ms'.padStart(12)} ${'µs/collector'.padStart(13)}`,
    );
    let open = 0;
    let progress = 1;
    let baseline: number | undefined;
    /** The session cookies of the read-only user's sessions, each with PER_SESSION collectors. */
    const sessions: string[] = [];
    const rows = [
      [TASKS, 0, false],
      [TASKS, 320, false],
      [TASKS, 1_280, false],
      [TASKS, 4_800, false],
      [3 * TASKS, 4_800, false],
      [3 * TASKS, 4_800, true],
    ] as const;
    for (const [tasks, target, distinct] of rows) {
      for (const connection of connections) connection.close();
      connections = await workers();
      for (const connection of connections) await expectOk(connection, requests.login(), 'Login');
      await runTasks(tasks);
      if (distinct) {
        // As many collectors again, each with a filter of its own: no two share an index.
        await spread(connections, sessions.length, async (connection, n) => {
          connection.cookie = sessions[n];
          await expectOk(connection, logout, 'Logout');
        });
        sessions.length = 0;
        open = 0;
      }
      // A few connections make the sessions and collectors (hundreds at once made the old code,
      // busy for seconds with each, drop connections at its request timeout).
      const more = Math.ceil((target - open) / PER_SESSION);
      await spread(connections, more, async (connection, n) => {
        connection.cookie = undefined;
        await expectOk(connection, requests.login(), 'Login');
        for (let i = 0; i < PER_SESSION; i++) {
          const since = distinct
            ? `<time><timeType>queuedTime</timeType><beginTime>${new Date(Date.UTC(2000, 0, 1) + open + n * PER_SESSION + i).toISOString()}</beginTime></time>`
            : '';
          const created = await expectOk(connection, createCollector(`${since}<state>running</state>`), 'CreateCollectorForTasks');
          const collector = /<returnval type="TaskHistoryCollector">([^<]+)</.exec(created.body)![1];
          await expectOk(connection, setCollectorPageSize(collector, 1000), 'SetCollectorPageSize');
        }
        sessions.push(connection.cookie!);
      });
      open += more * PER_SESSION;
      // A connection of its own: one left idle while the collectors were made may have timed out.
      const driver = await RawConnection.open(server.url);
      await expectOk(driver, requests.login(), 'Login');
      // The newest running tasks are on every page: progress changes every page, finishing one
      // moves every page down to an older task, and a new task that starts joins every page.
      const times = { progress: [] as number[], finish: [] as number[], fresh: [] as number[] };
      for (let i = 0; i < 15; i++) {
        const task = running.pop()!;
        let started = performance.now();
        await expectOk(driver, requests.updateProgress(task, (progress++ % 99) + 1), 'UpdateProgress');
        times.progress.push(performance.now() - started);
        started = performance.now();
        await expectOk(driver, requests.setTaskState(task, 'success'), 'SetTaskState success');
        times.finish.push(performance.now() - started);
        const key = taskKeyOf((await expectOk(driver, requests.createTask(), 'CreateTask')).body)!;
        started = performance.now();
        await expectOk(driver, requests.setTaskState(key, 'running'), 'SetTaskState running');
        times.fresh.push(performance.now() - started);
        running.push(key);
      }
      driver.close();
      const [p, f, n] = [median(times.progress), median(times.finish), median(times.fresh)];
      const slowest = Math.max(p, f, n);
      baseline ??= slowest;
      console.log(
        `  ${String(running.length).padStart(7)} ${String(open).padStart(10)} ${(distinct ? 'distinct' : 'one').padStart(9)} ${p.toFixed(2).padStart(18)} ${f.toFixed(2).padStart(16)} ${n.toFixed(2).padStart(12)} ` +
          `${open ? (((slowest - baseline) * 1000) / open).toFixed(2).padStart(13) : '-'.padStart(13)}`,
      );
    }
    console.log(
      '  (medians of 15 changes of each kind, each the round trip of one call on loopback; "µs/collector": the slowest of the three over the figure with none open, per collector)',
    );
    for (const connection of connections) connection.close();
  } finally {
    await server.stop();
  }
}
