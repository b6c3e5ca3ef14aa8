// No Docker engine runs here, so the image is proven two ways: its policy is checked by reading
// the Dockerfile, and its exact build and start steps are replayed outside Docker (same
// commands, same environment, each stage in its own directory standing in for the image root).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { execForm, parseDockerfile, parseEnv, type Stage } from '../helpers/dockerfile.js';
import { ROOT } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, ok } from '../helpers/tasks.js';

const stages = parseDockerfile(readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1];
const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);

describe('Dockerfile policy', () => {
  test('multi-stage, every base image pinned to an exact Node LTS (even major) version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const match = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/.exec(stage.from);
      expect(match, `${stage.from} must be node:X.Y.Z-<debian>-slim`).not.toBeNull();
      expect(Number(match![1]) % 2, 'an LTS line (even major)').toBe(0);
    }
  });
  test('the runtime stage runs as a non-root user', () => {
    const user = last(runtime, 'USER');
    expect(user, 'USER in the final stage').toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user!.args);
  });
  test('exec-form ENTRYPOINT (node receives SIGTERM itself)', () => {
    const entrypoint = last(runtime, 'ENTRYPOINT');
    expect(entrypoint).toBeDefined();
    expect(execForm(entrypoint!.args)).toEqual(['node', 'dist/src/cli.js']);
  });
  test('HEALTHCHECK runs the /healthz probe; EXPOSE 8989; every setting by environment', () => {
    const health = last(runtime, 'HEALTHCHECK');
    expect(health?.args).toMatch(/CMD \["node", "dist\/src\/healthcheck.js"\]/);
    expect(readFileSync(path.join(ROOT, 'src/healthcheck.ts'), 'utf8')).toContain("path: '/healthz'");
    expect(last(runtime, 'EXPOSE')?.args).toBe('8989');
    const env = Object.fromEntries(runtime.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => parseEnv(i.args)));
    expect(env).toMatchObject({ VTASK_HOST: '0.0.0.0', VTASK_PORT: '8989', NODE_ENV: 'production' });
  });
  test('the runtime stage gets production dependencies only and no compiler', () => {
    const build = stages[0];
    expect(build.instructions.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(runtime.instructions.some((i) => i.keyword === 'RUN')).toBe(false);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies.some((c) => /src \.\/src/.test(c) && !c.includes('dist'))).toBe(false);
  });
  test('a volume for the state file, in a directory the runtime user owns', () => {
    const volume = last(runtime, 'VOLUME');
    expect(volume, 'VOLUME in the final stage').toBeDefined();
    const [directory] = execForm(volume!.args)!;
    const copy = runtime.instructions.find((i) => i.keyword === 'COPY' && i.args.endsWith('./state'));
    expect(copy?.args).toMatch(/--chown=node:node/);
    expect(directory).toBe(`${last(runtime, 'WORKDIR')!.args}/state`);
  });
  test('.dockerignore keeps node_modules, dist and .git out of the context', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) expect(ignore).toContain(entry);
  });
});

describe('the image build and start, replayed outside Docker', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'vtask-image-'));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));
  const rootOf = (stage: string) => path.join(workspace, stage);

  function replay(stage: Stage): { workdir: string; env: Record<string, string> } {
    const root = rootOf(stage.name);
    mkdirSync(root, { recursive: true });
    let workdir = root;
    const env: Record<string, string> = {};
    for (const { keyword, args } of stage.instructions) {
      switch (keyword) {
        case 'WORKDIR':
          workdir = path.join(root, args);
          mkdirSync(workdir, { recursive: true });
          break;
        case 'ENV':
          for (const [k, v] of parseEnv(args)) env[k] = v;
          break;
        case 'COPY': {
          const parts = args.split(/\s+/);
          const from = parts[0].startsWith('--from=') ? parts.shift()!.slice(7) : undefined;
          // Ownership (--chown) cannot be replayed without root; the policy test checks it.
          while (parts[0].startsWith('--chown=')) parts.shift();
          const dest = parts.pop()!;
          const target = path.isAbsolute(dest) ? path.join(root, dest) : path.join(workdir, dest);
          for (const source of parts) {
            const src = from ? path.join(rootOf(from), source) : path.join(ROOT, source);
            const into = dest.endsWith('/') ? path.join(target, path.basename(source)) : target;
            cpSync(src, into, { recursive: true });
          }
          break;
        }
        case 'RUN': {
          const run = spawnSync('sh', ['-c', args], { cwd: workdir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
          expect(run.status, `RUN ${args}\n${run.stdout}\n${run.stderr}`).toBe(0);
          break;
        }
        default:
          break; // USER, EXPOSE, HEALTHCHECK, ENTRYPOINT: used when starting
      }
    }
    return { workdir, env };
  }

  test('every stage builds with its own commands; the runtime starts, reports healthy, answers SOAP and stops on SIGTERM', async () => {
    let built: { workdir: string; env: Record<string, string> } | undefined;
    for (const stage of stages) built = replay(stage);
    const { workdir, env } = built!;
    expect(existsSync(path.join(workdir, 'node_modules/typescript')), 'no dev dependencies in the runtime').toBe(false);
    expect(existsSync(path.join(workdir, 'node_modules/fastify'))).toBe(true);

    const port = String(20000 + Math.floor(Math.random() * 20000));
    // The state file as the README's example keeps it, in the volume's directory (relative here).
    const runEnv = { ...process.env, ...env, VTASK_PORT: port, VTASK_LOG_LEVEL: 'warn', VTASK_STATE_FILE: 'state/state.json' };
    const [command, ...args] = execForm(last(runtime, 'ENTRYPOINT')!.args)!;
    const child = spawn(command, args, { cwd: workdir, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const health = execForm(last(runtime, 'HEALTHCHECK')!.args.replace(/^.*CMD\s+/, ''))!;
      let healthy = false;
      for (let i = 0; i < 100 && !healthy; i++) {
        healthy = spawnSync(health[0], health.slice(1), { cwd: workdir, env: runEnv }).status === 0;
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect(healthy, `HEALTHCHECK never passed:\n${output}`).toBe(true);
      const url = `https://127.0.0.1:${port}`;
      expect((await rawRequest(url, { method: 'GET', path: '/healthz' })).status).toBe(200);
      expect((await rawRequest(url, { method: 'GET', path: '/ui/' })).status, 'the Recent Tasks page is in the image').toBe(200);
      const s = new SoapSession(url);
      ok(await s.login('docker', 'user'));
      const task = await createTask(s);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const stopping = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(2000);
      const saved = JSON.parse(readFileSync(path.join(workdir, 'state/state.json'), 'utf8'));
      expect(saved.tasks.map((t: { info: { key: string } }) => t.info.key)).toEqual([task]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 300_000);
});
