// Summarizes a V8 .cpuprofile (from BENCH_PROFILE=dir npm run bench) as text: self and total
// time per function, and self time per area (our src/ directories, fastify, Node internals),
// so a hot spot can be quoted in a report without opening DevTools.
// Usage: node dist/bench/profile.js dir/progress.cpuprofile [rows]

import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const dist = /\/dist\/(src\/[^/]+|bench)\//.exec(url);
  if (dist) return dist[1];
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile.js file.cpuprofile [rows]');
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map<number, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + dt);
  total += dt;
}

const selfByLabel = new Map<string, number>();
const totalByLabel = new Map<string, number>();
const selfByArea = new Map<string, number>();
let idle = 0;
for (const [id, time] of selfTime) {
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') idle += time;
  const key = label(node.callFrame);
  selfByLabel.set(key, (selfByLabel.get(key) ?? 0) + time);
  const a = area(node.callFrame.url, node.callFrame.functionName);
  selfByArea.set(a, (selfByArea.get(a) ?? 0) + time);
  // Total time: count each function once per sample even when it recurses.
  const seen = new Set<string>();
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
    const k = label(byId.get(cursor)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    totalByLabel.set(k, (totalByLabel.get(k) ?? 0) + time);
  }
}

const busy = total - idle;
const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle; percentages are of busy time`);
console.log('\nself time by area:');
for (const [k, t] of top(selfByArea, 20)) console.log(`  ${pct(t)}  ${k}`);
console.log('\nself time by function:');
for (const [k, t] of top(selfByLabel, rows)) console.log(`  ${pct(t)}  ${k}`);
console.log('\ntotal time by function (includes callees):');
for (const [k, t] of top(totalByLabel, rows)) console.log(`  ${pct(t)}  ${k}`);
