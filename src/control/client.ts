// A typed client for the control API (/_emulator/), for test code that embeds the emulator or
// reaches one over the network. It speaks plain node:http(s), so an HTTPS emulator is reached by
// trusting its certificate (`ca`) rather than by turning verification off.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Json } from './json-values.js';
import type { FaultRuleJson, FinishJson, InventoryJson, LatencyRuleJson, LifecycleJson, MethodRuleJson, SeedJson, TaskJson } from './schemas.js';
import type { StateDocument } from './state.js';
import type { TaskState } from '../vim/task-state.js';
import type { TracePage } from './trace.js';

export interface ControlClientOptions {
  /** The emulator's base URL, e.g. https://127.0.0.1:8989 (a trailing /sdk is dropped). */
  readonly baseUrl: string;
  /** PEM certificate(s) to trust for HTTPS. */
  readonly ca?: string;
  /** The --control-token, when the emulator has one. */
  readonly token?: string;
}

/** A refusal from the control API: its HTTP status and the message it gave. */
export class ControlApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A task as the control API returns it: the SOAP TaskInfo as JSON (`key`, `state`, ...). */
export type TaskInfoJson = { readonly key: string; readonly state: TaskState } & { readonly [field: string]: Json };
/** A session as the control API lists it: the SOAP UserSession as JSON. */
export type UserSessionJson = { readonly key: string; readonly userName: string; readonly extensionSession: boolean } & { readonly [field: string]: Json };
export interface TransitionJson {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly changes: { readonly [field: string]: { readonly old: Json; readonly new: Json } };
}
export type FaultRuleInfo = FaultRuleJson & { readonly id: string; readonly hits: number };
export type LatencyRuleInfo = LatencyRuleJson & { readonly id: string };
export type MethodRuleInfo = MethodRuleJson & { readonly id: string; readonly seen: number; readonly hits: number };
export interface EntityInfo {
  readonly path: string;
  readonly type: string;
  readonly ref: string;
}
export interface SeedResult {
  readonly tasks: string[];
  readonly faults: number;
  readonly latency: number;
  readonly methods: number;
}

interface RuleApi<Rule, Info> {
  list(): Promise<Info[]>;
  add(rule: Rule): Promise<Info>;
  remove(id: string): Promise<void>;
  clear(): Promise<void>;
}

export class ControlClient {
  private readonly base: URL;

  constructor(private readonly options: ControlClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/sdk\/?$/, '').replace(/\/?$/, '/_emulator/'));
  }

  /** Loads a seed document (the same shape as a --seed file). */
  seed(document: SeedJson): Promise<SeedResult> {
    return this.call('POST', 'seed', document);
  }

  /** Forgets every task, rule and seeded user; sessions stay. */
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  readonly tasks = {
    list: async (state?: TaskState): Promise<TaskInfoJson[]> =>
      (await this.call<{ tasks: TaskInfoJson[] }>('GET', state ? `tasks?state=${encodeURIComponent(state)}` : 'tasks')).tasks,
    create: (task: TaskJson): Promise<TaskInfoJson> => this.call('POST', 'tasks', task),
    get: (key: string): Promise<TaskInfoJson> => this.call('GET', `tasks/${encodeURIComponent(key)}`),
    history: async (key: string): Promise<TransitionJson[]> =>
      (await this.call<{ history: TransitionJson[] }>('GET', `tasks/${encodeURIComponent(key)}/history`)).history,
    /** Scripts a task's future: states and progress over time. */
    lifecycle: (key: string, script: LifecycleJson): Promise<TaskInfoJson> => this.call('POST', `tasks/${encodeURIComponent(key)}/lifecycle`, script),
    /** Ends an unfinished *_Task method's task (one a rule keeps hanging, say) with success or an error. */
    finish: (key: string, outcome: FinishJson): Promise<TaskInfoJson> => this.call('POST', `tasks/${encodeURIComponent(key)}/finish`, outcome),
  };

  readonly state = {
    /** The whole state as one document: tasks with histories, extensions, users, rules, counters. */
    get: (): Promise<StateDocument> => this.call('GET', 'state'),
    /** Replaces the whole state with a document (from get() or a state file); every session ends. */
    put: (document: StateDocument): Promise<{ readonly restored: true; readonly tasks: number }> => this.call('PUT', 'state', document),
  };

  /** The live sessions (SessionManager.sessionList as an Admin sees it), and ending one. */
  readonly sessions = {
    list: async (): Promise<UserSessionJson[]> => (await this.call<{ sessions: UserSessionJson[] }>('GET', 'sessions')).sessions,
    /** Ends the session with this UserSession.key; its client's next call gets NotAuthenticated. */
    end: async (key: string): Promise<void> => void (await this.call('DELETE', `sessions/${encodeURIComponent(key)}`)),
  };
  readonly inventory = {
    /** Every entity under the root folder, with its inventory path and reference value. */
    list: async (): Promise<EntityInfo[]> => (await this.call<{ entities: EntityInfo[] }>('GET', 'inventory')).entities,
    /** Replaces the inventory. */
    load: (inventory: InventoryJson): Promise<{ entities: number }> => this.call('PUT', 'inventory', inventory),
  };

  /** Rules for the tasks *_Task methods start: which calls, and how their tasks run. */
  readonly methods: RuleApi<MethodRuleJson, MethodRuleInfo> = this.rules('methods');
  /**
   * The SOAP exchanges after `since` (an id; 0 or none: all the ring holds), from the emulator's
   * trace ring (--trace-ring / traceRing; a 409 ControlApiError when it is off). Pass the page's
   * `last` as `since` next time to get only newer ones.
   */
  trace(since = 0): Promise<TracePage> {
    return this.call('GET', since > 0 ? `trace?since=${since}` : 'trace');
  }

  readonly faults: RuleApi<FaultRuleJson, FaultRuleInfo> = this.rules('faults');
  readonly latency: RuleApi<LatencyRuleJson, LatencyRuleInfo> = this.rules('latency');

  private rules<Rule, Info>(path: string): RuleApi<Rule, Info> {
    return {
      list: async () => (await this.call<{ rules: Info[] }>('GET', path)).rules,
      add: (rule) => this.call('POST', path, rule),
      remove: async (id) => void (await this.call('DELETE', `${path}/${encodeURIComponent(id)}`)),
      clear: async () => void (await this.call('DELETE', path)),
    };
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.options.ca }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status >= 400) {
            const message = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String(parsed.error) : text;
            reject(new ControlApiError(status, `${method} /_emulator/${path}: ${status} ${message}`));
          } else {
            resolve(parsed as T);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
