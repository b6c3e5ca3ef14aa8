// Start-up cost (issue 15): from spawning `node dist/src/cli.js --port 0` to its first answered
// SOAP request, and the resident memory of the idle server afterwards, beside two baselines that
// no emulator can beat: bare node:http, and node with fastify. Each figure is the median of
// STARTUP_RUNS cold starts (default 7), spawned one after another.
//
// Unlike the other scenarios' servers, these are not pinned to one core: a start runs V8's
// compiler and garbage collector threads beside the main one, and nobody starts the emulator
// pinned (pinned, every subject here took 10 to 20% longer).
//
// NODE_EXTRA_CA_CERTS makes node read and parse that file of CA certificates before it runs any
// JavaScript (about 45 ms for Debian's bundle on our 2-core machine). A server that trusts no CA
// has no use for it, but a machine may set it for every process: when it is set here, the
// subjects run without it, and two more lines show what it costs, bare node and the emulator
// alike.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST } from './processes.js';

const RETRIEVE =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>';

/** Where the idle RSS is read, after the first answer: long enough for start-up garbage to be collected lazily or not at all, as in use. */
const IDLE_MS = 1000;

interface Sample {
  readonly startMs: number;
  readonly rssMb: number;
}

function post(url: string): Promise<number> {
  const send = url.startsWith('https:') ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'POST', rejectUnauthorized: false, agent: false, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/7.0' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(RETRIEVE);
  });
}

function rssMbOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : Number.NaN;
}

interface Subject {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Logs to stderr (the CLI's log with --port 0), which the bench does not show. */
  readonly logs?: boolean;
}

async function coldStart({ script, args, env, logs }: Subject): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(DIST, script), ...args], { stdio: ['ignore', 'pipe', logs ? 'ignore' : 'inherit'], env });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`${script} exited with code ${code} before printing its URL`)));
    });
    const status = await post(url);
    const startMs = performance.now() - started;
    if (status !== 200) throw new Error(`${script}: the first request got HTTP ${status}`);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { startMs, rssMb: child.pid === undefined ? Number.NaN : rssMbOf(child.pid) };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

export async function runStartup(runs: number): Promise<void> {
  const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _left, ...withoutExtraCas } = process.env;
  const subjects: Subject[] = [
    { name: 'bare node:http', script: 'bench/startup-baseline.js', args: [], env: withoutExtraCas },
    { name: 'node + fastify', script: 'bench/startup-baseline.js', args: ['--fastify'], env: withoutExtraCas },
    { name: 'emulator, --http', script: 'src/cli.js', args: ['--port', '0', '--http', '--log-level', 'silent'], env: withoutExtraCas },
    { name: 'emulator, HTTPS (default)', script: 'src/cli.js', args: ['--port', '0', '--log-level', 'silent'], env: withoutExtraCas },
    // Every default: HTTPS, and the JSON log at info (a line per SOAP call).
    { name: 'emulator, HTTPS, logging', script: 'src/cli.js', args: ['--port', '0'], env: withoutExtraCas, logs: true },
  ];
  if (extraCaCerts) {
    subjects.push(
      { name: 'bare node:http, extra CAs', script: 'bench/startup-baseline.js', args: [], env: process.env },
      { name: 'emulator, HTTPS, extra CAs', script: 'src/cli.js', args: ['--port', '0', '--log-level', 'silent'], env: process.env },
    );
  }
  console.log(`\nstart-up: spawn to first answered SOAP request, then RSS after ${IDLE_MS} ms idle; median of ${runs} cold starts (targets: 200 ms, 65 MB)`);
  if (extraCaCerts) console.log(`  NODE_EXTRA_CA_CERTS=${extraCaCerts} is set here: the first five run without it, the "extra CAs" lines with it`);
  const samples = new Map<string, Sample[]>(subjects.map((s) => [s.name, []]));
  // Interleaved, so a burst of load from elsewhere hits every subject alike.
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) samples.get(subject.name)!.push(await coldStart(subject));
  }
  for (const subject of subjects) {
    const list = samples.get(subject.name)!;
    const starts = list.map((s) => s.startMs);
    console.log(
      `  ${subject.name.padEnd(28)} start ${median(starts).toFixed(0).padStart(5)} ms (min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)})` +
        `   idle RSS ${median(list.map((s) => s.rssMb))
          .toFixed(1)
          .padStart(5)} MB`,
    );
  }
}
