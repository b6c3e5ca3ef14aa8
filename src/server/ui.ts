// The Recent Tasks page: GET /ui/ serves the built page (dist/ui, see ui/), GET /ui/api/stream
// its live feed of tasks (task-stream.ts), POST /ui/api/tasks/:key/cancel its cancel button.
// The page's other actions and a task's history use the control API under /_emulator/.
//
// The page's files are public; everything about tasks needs the control token when one is set.
// The page sends it as a bearer header (EventSource cannot, hence a fetch-read stream), so the
// token is never in a URL.

import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { DataObject } from '../vim/data.js';
import { MethodFault } from '../vim/faults.js';
import type { Inventory } from '../vim/inventory.js';
import type { ObjectRegistry } from '../vim/registry.js';
import type { Actor, Task } from '../vim/Task.js';
import type { Extension, TaskInfo } from '../vim/vim-types.js';
import { servePageFiles } from './page-files.js';
import { DEFAULT_STREAM_LIMITS, TaskStreams, type StreamLimits, type StreamSource } from './task-stream.js';

/**
 * One task as the page lists it: TaskInfo reduced to the Recent Tasks columns. The page's copy
 * of this shape is ui/src/protocol.ts; change both together.
 */
export interface TaskRow {
  readonly key: string;
  /** TaskInfo.descriptionId; the page shows the label the extension registered for it. */
  readonly type: string;
  /** TaskInfo.entityName, else the entity's reference value. */
  readonly target: string;
  /** The entity as "Type:value". */
  readonly entity: string;
  readonly state: string;
  readonly progress?: number;
  readonly cancelled: boolean;
  readonly cancelable: boolean;
  /** TaskInfo.description.message (else its key). */
  readonly details?: string;
  readonly initiator: string;
  readonly queueTime: string;
  readonly startTime?: string;
  readonly completeTime?: string;
  readonly fault?: { readonly type: string; readonly message: string };
  readonly parent?: string;
}

export type CancelOutcome = { readonly ok: true } | { readonly ok: false; readonly status: 404 | 409; readonly error: string };

export interface RecentTasksOptions {
  /** The change flow that also wakes PropertyCollector waiters: tasks and extensions report here. */
  readonly registry: Pick<ObjectRegistry, 'onChange' | 'onRemove'>;
  readonly tasks: () => Iterable<Task>;
  readonly task: (key: string) => Task | undefined;
  /** ExtensionManager.extensionList: where task types' labels come from. */
  readonly extensions: () => readonly Extension[];
  readonly cancel: (key: string) => CancelOutcome;
  /** When set, the stream and the cancel route need `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  readonly limits?: Partial<StreamLimits>;
  /** The built page; found next to the sources when not given. */
  readonly pageDirectory?: string;
}

/**
 * No inline script or style, nothing from elsewhere, no framing, and no string ever reaches an
 * HTML sink (Trusted Types with no policy: the page only sets text).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const CANCEL_ACTOR: Actor = { user: 'vtask-emulator', method: 'CancelTask (Recent Tasks page)' };

function initiatorOf(reason: DataObject | undefined): string {
  if (!reason) return '';
  switch (reason._type) {
    case 'TaskReasonUser':
      return String(reason.userName ?? '');
    case 'TaskReasonAlarm':
      return String(reason.alarmName ?? 'Alarm');
    case 'TaskReasonSchedule':
      return String(reason.name ?? 'Schedule');
    default:
      return 'System';
  }
}

export function taskRow(info: TaskInfo): TaskRow {
  const { entity, description, error } = info;
  return {
    key: info.key,
    type: info.descriptionId,
    target: info.entityName ?? entity?.value ?? '',
    entity: entity ? `${entity.type}:${entity.value}` : '',
    state: info.state,
    progress: info.progress,
    cancelled: info.cancelled,
    cancelable: info.cancelable,
    details: description?.message ?? description?.key,
    initiator: initiatorOf(info.reason),
    queueTime: info.queueTime,
    startTime: info.startTime,
    completeTime: info.completeTime,
    fault: error ? { type: error.fault._type, message: error.localizedMessage ?? '' } : undefined,
    parent: info.parentTaskKey,
  };
}

/** English first, as a client with no other preference would read them. */
function localeRank(locale: unknown): number {
  if (locale === 'en') return 0;
  return typeof locale === 'string' && locale.startsWith('en') ? 1 : 2;
}

/**
 * The names task types are shown by: an extension declares its task types in taskList and
 * their localized names in resourceList, module "task", key "<taskID>.label" (as it does for
 * events and faults). Types with no such resource are shown by their id.
 */
export function taskLabels(extensions: readonly Extension[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const extension of extensions) {
    const resources = (extension.resourceList ?? []).filter((r) => r.module === 'task').sort((a, b) => localeRank(a.locale) - localeRank(b.locale));
    for (const taskType of extension.taskList ?? []) {
      const id = taskType.taskID;
      for (const resource of resources) {
        const entry = resource.data.find((d) => d.key === `${id}.label`);
        if (entry?.value) {
          labels[id] = entry.value;
          break;
        }
      }
    }
  }
  return labels;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Same rule as the control API: `Authorization: Bearer <token>` or `X-Emulator-Token`. */
function tokenCheck(token: string | undefined): (headers: IncomingHttpHeaders) => boolean {
  if (!token) return () => true;
  const expected = digest(token);
  return (headers) => {
    const header = headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : headers['x-emulator-token'];
    return typeof given === 'string' && timingSafeEqual(digest(given), expected);
  };
}

/** dist/ui, whether this file runs compiled (dist/src/server) or from source (src/server). */
export function defaultPageDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../ui'), path.resolve(here, '../../dist/ui')];
  return candidates.find((dir) => existsSync(path.join(dir, 'main.js'))) ?? candidates[1];
}

function streamSource(options: RecentTasksOptions): StreamSource {
  let labels: Record<string, string> | undefined;
  return {
    row: (key) => {
      const task = options.task(key);
      return task ? taskRow(task.info) : undefined;
    },
    rows: () => Array.from(options.tasks(), (task) => taskRow(task.info)),
    labels: () => (labels ??= taskLabels(options.extensions())),
    subscribe(taskChanged, labelsChanged) {
      // Labels are cached only while changes are heard.
      labels = undefined;
      const offChange = options.registry.onChange((object) => {
        const { type, value } = object.ref;
        if (type === 'Task') taskChanged(value);
        else if (type === 'ExtensionManager') {
          labels = undefined;
          labelsChanged();
        }
      });
      const offRemove = options.registry.onRemove((ref) => {
        if (ref.type === 'Task') taskChanged(ref.value);
      });
      return () => {
        offChange();
        offRemove();
      };
    },
  };
}

export const recentTasksPage: FastifyPluginAsync<RecentTasksOptions> = async (app: FastifyInstance, options) => {
  const authorized = tokenCheck(options.token);
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
  const streams = new TaskStreams(streamSource(options), limits);

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  // Open streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    streams.close();
    done();
  });

  const pageDirectory = options.pageDirectory ?? defaultPageDirectory();
  if (existsSync(path.join(pageDirectory, 'main.js'))) {
    servePageFiles(app, pageDirectory, '/ui/');
    app.get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  } else {
    const notBuilt = `The Recent Tasks page is not built (${pageDirectory} has no main.js): run npm run build.\n`;
    app.get('/ui', (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').send(notBuilt));
    app.get('/ui/*', (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').send(notBuilt));
  }

  const unauthorized = { error: 'the Recent Tasks feed needs the control token: Authorization: Bearer <token>' };

  app.get('/ui/api/stream', (request, reply) => {
    if (!authorized(request.headers)) return reply.code(401).send(unauthorized);
    if (streams.size >= limits.maxStreams) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: `${limits.maxStreams} pages are already open (the limit); close one or retry later` });
    }
    reply.hijack();
    // Refused only while the server closes.
    if (!streams.open(reply.raw)) reply.raw.writeHead(503).end();
  });

  // The key is checked here, not by a route schema: one schema outside the control API made
  // fastify load and run its Ajv compiler at every start (about 100 ms of CPU).
  app.post<{ Params: { key: string } }>('/ui/api/tasks/:key/cancel', (request, reply) => {
    if (!authorized(request.headers)) return reply.code(401).send(unauthorized);
    if (!request.params.key) return reply.code(400).send({ error: 'a task key is required' });
    const outcome = options.cancel(request.params.key);
    if (!outcome.ok) return reply.code(outcome.status).send({ error: outcome.error });
    return reply.code(204).send();
  });
};

/** The page's options for one emulator: its registry and managers, and cancel as a page user. */
export function recentTasksOptions(inventory: Inventory, token: string | undefined): RecentTasksOptions {
  return {
    registry: inventory.registry,
    tasks: () => inventory.taskManager.allTasks(),
    task: (key) => inventory.taskManager.task(key),
    extensions: () => inventory.extensionManager.list(),
    cancel: (key) => {
      const task = inventory.taskManager.task(key);
      if (!task) return { ok: false, status: 404, error: `no task '${key}'` };
      try {
        task.cancel(CANCEL_ACTOR);
        return { ok: true };
      } catch (error) {
        if (error instanceof MethodFault) return { ok: false, status: 409, error: `${error.faultType}: ${error.message}` };
        throw error;
      }
    },
    token,
  };
}
