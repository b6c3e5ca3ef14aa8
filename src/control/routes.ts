// The control API for test authors: JSON over HTTP under /_emulator/, a fastify plugin with
// JSON schemas, guarded by a bearer token when one is configured. It only translates HTTP to
// EmulatorControl operations and their errors to 4xx answers.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ControlError, type ControlErrorKind, type EmulatorControl } from './control.js';
import {
  describeErrors,
  faultRuleSchema,
  finishSchema,
  inventorySchema,
  methodRuleSchema,
  type FinishJson,
  type InventoryJson,
  type MethodRuleJson,
  latencyRuleSchema,
  lifecycleSchema,
  seedSchema,
  taskSchema,
  type ControlSchemas,
  type FaultRuleJson,
  type LatencyRuleJson,
  type LifecycleJson,
  type SeedJson,
  type TaskJson,
} from './schemas.js';
import { TASK_STATES, type TaskState } from '../vim/task-state.js';
import type { FaultRule, LatencyRule } from './injection.js';
import type { MethodRule } from './method-rules.js';
import { vimToJson, type Json } from './json-values.js';
import type { Task, TaskTransition } from '../vim/Task.js';
import { stateRoutes, type StateRoutesOptions } from './state-routes.js';
import type { WireTrace } from './trace.js';

export interface ControlApiOptions {
  readonly control: EmulatorControl;
  readonly schemas: ControlSchemas;
  /** When set, every request needs `Authorization: Bearer <token>` (or `X-Emulator-Token`). */
  readonly token: string | undefined;
  /** GET/PUT /state, when the emulator offers them. */
  readonly state?: StateRoutesOptions;
  /** The wire trace, when --trace-file or --trace-ring is set; GET /trace serves its ring. */
  readonly trace?: WireTrace | undefined;
}

const STATUS_OF: Readonly<Record<ControlErrorKind, number>> = { invalid: 400, 'not-found': 404, conflict: 409 };

const keyParams = { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1 } } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1 } } } as const;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function taskJson(task: Task): Json {
  return vimToJson(task.info);
}

function transitionJson(t: TaskTransition): Json {
  const changes: { [field: string]: Json } = {};
  for (const [field, change] of Object.entries(t.changes)) {
    changes[field] = { old: change.old === undefined ? null : vimToJson(change.old), new: change.new === undefined ? null : vimToJson(change.new) };
  }
  return { time: t.time, user: t.user, method: t.method, changes };
}

function faultRuleJson(rule: FaultRule): Json {
  const out: { [key: string]: Json } = { id: rule.id, fault: rule.faultJson, hits: rule.hits };
  if (rule.method !== undefined) out.method = rule.method;
  if (rule.task !== undefined) out.task = rule.task;
  if (rule.taskTypeId !== undefined) out.taskTypeId = rule.taskTypeId;
  if (rule.count !== undefined) out.count = rule.count;
  if (rule.probability !== undefined) out.probability = rule.probability;
  return out;
}

function latencyRuleJson(rule: LatencyRule): Json {
  const out: { [key: string]: Json } = { id: rule.id, delayMs: rule.delayMs };
  if (rule.method !== undefined) out.method = rule.method;
  if (rule.jitterMs !== undefined) out.jitterMs = rule.jitterMs;
  return out;
}

function methodRuleJson(rule: MethodRule): Json {
  return { ...rule.json, id: rule.id, seen: rule.seen, hits: rule.hits };
}

export const controlApi: FastifyPluginAsync<ControlApiOptions> = async (app: FastifyInstance, options) => {
  const { control, token, schemas, trace } = options;
  // Every body is checked by the control schemas' own Ajv (strict: no coercion, no silent
  // removal), and a refusal is worded as the seed file's would be.
  app.setValidatorCompiler(({ schema }) => schemas.lazy(schema));
  const refused = (root: string) => (errors: FastifySchemaValidationError[]) => new ControlError(describeErrors(errors, root));

  if (token) {
    const expected = digest(token);
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization;
      const given = header?.startsWith('Bearer ') ? header.slice(7) : request.headers['x-emulator-token'];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        return reply.code(401).send({ error: 'the control API needs the token: Authorization: Bearer <token>' });
      }
    });
  }

  app.setErrorHandler((error: FastifyError | ControlError, _request, reply) => {
    if (error instanceof ControlError) return reply.code(STATUS_OF[error.kind]).send({ error: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 500) app.log.error({ err: error }, 'control API error');
    return reply.code(status).send({ error: error.message });
  });

  app.get<{ Querystring: { state?: TaskState } }>(
    '/tasks',
    { schema: { querystring: { type: 'object', properties: { state: { type: 'string', enum: TASK_STATES } }, additionalProperties: false } } },
    async (request) => ({ tasks: control.tasks(request.query.state).map(taskJson) }),
  );
  app.post<{ Body: TaskJson }>('/tasks', { schema: { body: taskSchema }, schemaErrorFormatter: refused('task') }, async (request, reply) =>
    reply.code(201).send(taskJson(control.createTask(request.body))),
  );
  app.get<{ Params: { key: string } }>('/tasks/:key', { schema: { params: keyParams } }, async (request) => taskJson(control.task(request.params.key)));
  app.get<{ Params: { key: string } }>('/tasks/:key/history', { schema: { params: keyParams } }, async (request) => {
    const task = control.task(request.params.key);
    return { task: task.key, history: task.history.map(transitionJson) };
  });
  app.post<{ Params: { key: string }; Body: LifecycleJson }>(
    '/tasks/:key/lifecycle',
    {
      schema: { params: keyParams, body: lifecycleSchema },
      schemaErrorFormatter: refused('lifecycle'),
      // Which task comes before what is asked of it: an unknown one is 404, a finished one 409.
      preValidation: async (request) => void control.scriptable(request.params.key),
    },
    async (request, reply) => reply.code(202).send(taskJson(control.scriptTask(request.params.key, request.body))),
  );

  app.get('/sessions', async () => ({ sessions: control.sessions().map((session) => vimToJson(session)) }));
  app.delete<{ Params: { key: string } }>('/sessions/:key', { schema: { params: keyParams } }, async (request, reply) => {
    control.endSession(request.params.key);
    return reply.code(204).send();
  });

  app.post<{ Params: { key: string }; Body: FinishJson }>(
    '/tasks/:key/finish',
    { schema: { params: keyParams, body: finishSchema }, schemaErrorFormatter: refused('finish') },
    async (request) => taskJson(control.finishTask(request.params.key, request.body)),
  );

  app.get('/inventory', async () => ({ entities: control.inventory() }));
  app.put<{ Body: InventoryJson }>('/inventory', { schema: { body: inventorySchema }, schemaErrorFormatter: refused('inventory') }, async (request) =>
    control.loadInventory(request.body),
  );

  app.get('/methods', async () => ({ rules: control.methodRules.list().map(methodRuleJson) }));
  app.post<{ Body: MethodRuleJson }>('/methods', { schema: { body: methodRuleSchema }, schemaErrorFormatter: refused('rule') }, async (request, reply) =>
    reply.code(201).send(methodRuleJson(control.addMethodRule(request.body))),
  );
  app.delete('/methods', async (_request, reply) => {
    control.methodRules.clear();
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/methods/:id', { schema: { params: idParams } }, async (request, reply) => {
    if (!control.methodRules.remove(request.params.id)) throw new ControlError(`no method rule '${request.params.id}'`, 'not-found');
    return reply.code(204).send();
  });

  app.post('/reset', async () => {
    control.reset();
    return { reset: true };
  });
  app.post<{ Body: SeedJson }>('/seed', { schema: { body: seedSchema }, schemaErrorFormatter: refused('seed') }, async (request) => control.seed(request.body));

  if (options.state) stateRoutes(app, options.state);
  // The query string arrives as text and the validator does not coerce: `since` is checked as digits.
  app.get<{ Querystring: { since?: string } }>(
    '/trace',
    {
      schema: { querystring: { type: 'object', properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$' } }, additionalProperties: false } },
      schemaErrorFormatter: refused('query'),
    },
    async (request) => {
      if (!trace?.ringEnabled)
        throw new ControlError('the trace ring is off: start the emulator with --trace-ring N (VTASK_TRACE_RING, traceRing)', 'conflict');
      return trace.since(Number(request.query.since ?? 0));
    },
  );

  app.get('/faults', async () => ({ rules: control.faultRules().map(faultRuleJson) }));
  app.post<{ Body: FaultRuleJson }>('/faults', { schema: { body: faultRuleSchema }, schemaErrorFormatter: refused('rule') }, async (request, reply) =>
    reply.code(201).send(faultRuleJson(control.addFaultRule(request.body))),
  );
  app.delete('/faults', async (_request, reply) => {
    control.clearFaultRules();
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/faults/:id', { schema: { params: idParams } }, async (request, reply) => {
    if (!control.removeFaultRule(request.params.id)) throw new ControlError(`no fault rule '${request.params.id}'`, 'not-found');
    return reply.code(204).send();
  });

  app.get('/latency', async () => ({ rules: control.latencyRules().map(latencyRuleJson) }));
  app.post<{ Body: LatencyRuleJson }>('/latency', { schema: { body: latencyRuleSchema }, schemaErrorFormatter: refused('rule') }, async (request, reply) =>
    reply.code(201).send(latencyRuleJson(control.addLatencyRule(request.body))),
  );
  app.delete('/latency', async (_request, reply) => {
    control.clearLatencyRules();
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/latency/:id', { schema: { params: idParams } }, async (request, reply) => {
    if (!control.removeLatencyRule(request.params.id)) throw new ControlError(`no latency rule '${request.params.id}'`, 'not-found');
    return reply.code(204).send();
  });
};
