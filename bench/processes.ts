// Starts the servers under test as child processes, each on a free loopback port, so the load
// generator (this process) and the server do not share an event loop.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/ (this file runs as dist/bench/processes.js). */
export const DIST = path.resolve(HERE, '..');

/**
 * With two or more cores and taskset(1), the load generator (this process) runs on core 0 and
 * every server on core 1. Unpinned, the scheduler sometimes puts both on one core and the
 * bare-server ceiling swung between 40k and 77k req/s from one run to the next; pinned, runs
 * agree within a few percent, so ratios between scenarios mean something.
 */
export const PINNING: boolean = os.cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** Pins this process (all its threads) to core 0; see PINNING. */
export function pinSelf(): void {
  if (PINNING) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
}

/** The command line that runs `node args` on the server core. */
export function serverCommand(args: readonly string[]): [string, string[]] {
  return PINNING ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, [...args]];
}

export interface ServerProcess {
  readonly url: URL;
  /**
   * CPU time the server has used so far (user + system, ms), from /proc; undefined where there
   * is no /proc. Unlike req/s it hardly moves when other processes compete for the cores.
   */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on Linux everywhere). */
const CLOCK_TICKS = 100;

function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the ")" that ends the command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A loopback port free a moment ago (the server that takes it may race another process; fine for a bench or a test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Waits until the port accepts connections (the emulator listens only once it is fully set up). */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface StartOptions {
  readonly tls: boolean;
  readonly extraArgs?: readonly string[];
  /** Directory for `node --cpu-prof` output (BENCH_PROFILE). */
  readonly profileDir?: string;
  readonly profileName?: string;
}

async function start(script: string, args: readonly string[], options: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const nodeArgs: string[] = [];
  if (options.profileDir) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    if (options.profileName) nodeArgs.push(`--cpu-prof-name=${options.profileName}.cpuprofile`);
  }
  const [command, commandArgs] = serverCommand([...nodeArgs, script, ...args, '--port', String(port), ...(options.extraArgs ?? [])]);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, child, 20_000);
  return {
    url: new URL(`${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/sdk`),
    // taskset execs node, so the child's pid is the server's.
    cpuMs: () => cpuMsOf(child.pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The emulator as users run it: `node dist/src/cli.js`, logging off (a log line per call is not what we measure). */
export function startEmulator(options: StartOptions): Promise<ServerProcess> {
  const args = ['--host', '127.0.0.1', '--log-level', process.env.BENCH_LOG_LEVEL || 'silent', ...(options.tls ? [] : ['--http'])];
  return start(path.join(DIST, 'src/cli.js'), args, options);
}

/** The ceiling: node:http(s) answering every POST with one fixed SOAP response. */
export function startBareServer(options: StartOptions): Promise<ServerProcess> {
  return start(path.join(DIST, 'bench/bare-server.js'), options.tls ? ['--tls'] : [], options);
}

/** A child on the load generator's core (where clients run), with an IPC channel. */
export function spawnClient(script: string, args: readonly string[]): ChildProcess {
  const command: [string, string[]] = PINNING
    ? ['taskset', ['-c', '0', process.execPath, path.join(DIST, script), ...args]]
    : [process.execPath, [path.join(DIST, script), ...args]];
  return spawn(command[0], command[1], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Runs a child on the server core to completion, passing its output through; rejects on a non-zero exit. */
export function runChild(script: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = serverCommand([...nodeArgs, path.join(DIST, script), ...args]);
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with code ${code}`))));
  });
}
