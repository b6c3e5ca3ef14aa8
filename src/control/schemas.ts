// The control API's JSON, as JSON schemas (what the routes and seed files accept) and the
// TypeScript types they guarantee. One Ajv instance per emulator compiles them, for fastify's
// routes and for seed files alike, so a bad body and a bad seed file get the same message.
// Values that are vim25 data (descriptions, results, fault fields, entities) are only shaped
// here; json-values.ts checks them against the WSDL types.

import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { TASK_STATES, type TaskState } from '../vim/task-state.js';
import { ControlError } from './errors.js';
import type { Json } from './json-values.js';

type JsonObject = { readonly [key: string]: Json };

export type FaultJson = {
  readonly type: string;
  readonly message?: string;
  readonly fields?: JsonObject;
};

export interface LifecycleJson {
  readonly startAfterMs?: number;
  readonly durationMs?: number;
  readonly progressSteps?: number;
  readonly outcome?: 'success' | 'error';
  readonly result?: Json;
  readonly fault?: FaultJson;
}

export interface TaskJson {
  readonly taskTypeId?: string;
  readonly entity?: JsonObject;
  readonly initiatedBy?: string;
  readonly cancelable?: boolean;
  readonly parentTaskKey?: string;
  readonly activationId?: string;
  readonly state?: TaskState;
  readonly progress?: number;
  readonly description?: JsonObject;
  readonly result?: Json;
  readonly fault?: FaultJson;
  readonly lifecycle?: LifecycleJson;
}

export interface FaultRuleJson {
  readonly method?: string;
  readonly task?: string;
  readonly taskTypeId?: string;
  readonly fault: FaultJson;
  readonly count?: number;
  readonly probability?: number;
}

export interface LatencyRuleJson {
  readonly method?: string;
  readonly delayMs: number;
  readonly jitterMs?: number;
}

export interface ExtensionJson {
  readonly key: string;
  readonly taskTypes: readonly string[];
  readonly label?: string;
}

export interface UserJson {
  readonly userName: string;
  readonly password: string;
  readonly role: string;
  readonly fullName?: string;
}

export type MethodOutcomeJson = 'success' | 'error' | 'hangUntilCancelled' | 'hangUntilFinished';

export interface MethodRuleJson {
  readonly method?: string;
  readonly entity?: string;
  readonly entityType?: string;
  readonly call?: number;
  readonly count?: number;
  readonly queueMs?: number;
  readonly durationMs?: number;
  readonly progressSteps?: number;
  readonly outcome?: MethodOutcomeJson;
  readonly cancelable?: boolean;
  readonly result?: Json;
  readonly fault?: FaultJson;
}

export interface FinishJson {
  readonly outcome: 'success' | 'error';
  readonly result?: Json;
  readonly fault?: FaultJson;
}

export interface VmJson {
  readonly name: string;
  readonly host?: string;
  readonly resourcePool?: string;
  readonly folder?: string;
  readonly powerState?: 'poweredOn' | 'poweredOff' | 'suspended';
  readonly numCPU?: number;
  readonly memoryMB?: number;
  readonly datastore?: string;
  readonly network?: string;
}

export interface InventoryJson {
  readonly datacenters: ReadonlyArray<{
    readonly name: string;
    readonly clusters?: ReadonlyArray<{ readonly name: string; readonly hosts?: readonly string[]; readonly resourcePools?: readonly string[] }>;
    readonly hosts?: readonly string[];
    readonly datastores?: readonly string[];
    readonly networks?: readonly string[];
    readonly vms?: readonly VmJson[];
  }>;
}

export interface SeedJson {
  readonly inventory?: InventoryJson;
  readonly methods?: readonly MethodRuleJson[];
  readonly extensions?: readonly ExtensionJson[];
  readonly users?: readonly UserJson[];
  readonly roles?: { readonly [role: string]: readonly string[] };
  readonly tasks?: readonly TaskJson[];
  readonly faults?: readonly FaultRuleJson[];
  readonly latency?: readonly LatencyRuleJson[];
}

const DAY_MS = 86_400_000;
const INT32 = { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 } as const;
const shortText = { type: 'string', maxLength: 1024 } as const;
const anyJson = {} as const;

const faultSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: { type: { type: 'string', minLength: 1, maxLength: 256 }, message: { type: 'string', maxLength: 65_536 }, fields: { type: 'object' } },
} as const;

const lifecycleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    startAfterMs: { type: 'number', minimum: 0, maximum: DAY_MS },
    durationMs: { type: 'number', minimum: 0, maximum: DAY_MS },
    progressSteps: { type: 'integer', minimum: 0, maximum: 100 },
    outcome: { enum: ['success', 'error'] },
    result: anyJson,
    fault: faultSchema,
  },
} as const;

export const taskSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    taskTypeId: shortText,
    entity: { type: 'object' },
    initiatedBy: shortText,
    cancelable: { type: 'boolean' },
    parentTaskKey: shortText,
    activationId: shortText,
    state: { enum: TASK_STATES },
    progress: INT32,
    description: { type: 'object' },
    result: anyJson,
    fault: faultSchema,
    lifecycle: lifecycleSchema,
  },
} as const;

export { lifecycleSchema };

export const faultRuleSchema = {
  type: 'object',
  required: ['fault'],
  additionalProperties: false,
  properties: {
    method: shortText,
    task: shortText,
    taskTypeId: shortText,
    fault: faultSchema,
    count: { type: 'integer', minimum: 1 },
    probability: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export const latencyRuleSchema = {
  type: 'object',
  required: ['delayMs'],
  additionalProperties: false,
  properties: { method: shortText, delayMs: { type: 'number', minimum: 0, maximum: 600_000 }, jitterMs: { type: 'number', minimum: 0, maximum: 600_000 } },
} as const;

const METHOD_OUTCOMES = ['success', 'error', 'hangUntilCancelled', 'hangUntilFinished'] as const;

export const methodRuleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    method: shortText,
    entity: shortText,
    entityType: shortText,
    call: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
    count: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
    queueMs: { type: 'number', minimum: 0, maximum: DAY_MS },
    durationMs: { type: 'number', minimum: 0, maximum: DAY_MS },
    progressSteps: { type: 'integer', minimum: 0, maximum: 100 },
    outcome: { enum: METHOD_OUTCOMES },
    cancelable: { type: 'boolean' },
    result: anyJson,
    fault: faultSchema,
  },
} as const;

export const finishSchema = {
  type: 'object',
  required: ['outcome'],
  additionalProperties: false,
  properties: { outcome: { enum: ['success', 'error'] }, result: anyJson, fault: faultSchema },
} as const;

const name = { type: 'string', minLength: 1, maxLength: 80 } as const;
const names = { type: 'array', maxItems: 10_000, items: name } as const;

export const inventorySchema = {
  type: 'object',
  required: ['datacenters'],
  additionalProperties: false,
  properties: {
    datacenters: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name,
          clusters: {
            type: 'array',
            maxItems: 10_000,
            items: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: { name, hosts: names, resourcePools: names },
            },
          },
          hosts: names,
          datastores: names,
          networks: names,
          vms: {
            type: 'array',
            maxItems: 10_000,
            items: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: {
                name,
                host: name,
                resourcePool: name,
                folder: shortText,
                powerState: { enum: ['poweredOn', 'poweredOff', 'suspended'] },
                numCPU: { type: 'integer', minimum: 1, maximum: 768 },
                memoryMB: { type: 'integer', minimum: 4, maximum: 24 * 1024 * 1024 },
                datastore: name,
                network: name,
              },
            },
          },
        },
      },
    },
  },
} as const;

export const seedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    inventory: inventorySchema,
    methods: { type: 'array', items: methodRuleSchema },
    extensions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'taskTypes'],
        additionalProperties: false,
        properties: { key: { type: 'string', minLength: 1, maxLength: 256 }, taskTypes: { type: 'array', items: shortText }, label: shortText },
      },
    },
    users: {
      type: 'array',
      items: {
        type: 'object',
        required: ['userName', 'password', 'role'],
        additionalProperties: false,
        properties: { userName: shortText, password: shortText, role: shortText, fullName: shortText },
      },
    },
    roles: { type: 'object', additionalProperties: { type: 'array', items: shortText } },
    tasks: { type: 'array', items: taskSchema },
    faults: { type: 'array', items: faultRuleSchema },
    latency: { type: 'array', items: latencyRuleSchema },
  },
} as const;

const require = createRequire(import.meta.url);

/** What fastify calls to validate a body, query or params; it reads `errors` after a refusal. */
export interface LazyValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * One compiled validator per schema, and the message for what it refused. Ajv is loaded and a
 * schema compiled on first use, not at start: loading and compiling them took a tenth of the
 * emulator's start-up, and most runs never call most routes.
 */
export class ControlSchemas {
  private instance: Ajv | undefined;
  private seedValidator: ValidateFunction<SeedJson> | undefined;

  get ajv(): Ajv {
    if (!this.instance) {
      const { Ajv: AjvClass }: typeof import('ajv') = require('ajv');
      this.instance = new AjvClass({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: true });
    }
    return this.instance;
  }

  /** A validator for `schema` that compiles it when first called. */
  lazy(schema: object): LazyValidator {
    let compiled: ValidateFunction | undefined;
    const validate: LazyValidator = (data: unknown) => {
      compiled ??= this.ajv.compile(schema);
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    };
    return validate;
  }

  /** A seed document as SeedJson, or a ControlError saying where it is wrong (`where` names the document). */
  seed(json: Json, where = 'seed'): SeedJson {
    this.seedValidator ??= this.ajv.compile<SeedJson>(seedSchema);
    if (this.seedValidator(json)) return json;
    throw new ControlError(describeErrors(this.seedValidator.errors ?? [], where));
  }
}

const ARTICLE: Readonly<Record<string, string>> = {
  array: 'an array',
  object: 'a JSON object',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
};

/** Ajv's errors as one sentence in the control API's words: `seed.tasks[0].state must be one of …`. */
export function describeErrors(errors: readonly ErrorObject[], root: string): string {
  const error = errors[0];
  if (!error) return `${root} is not valid`;
  const where = root + error.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key '${String(error.params.additionalProperty)}'`;
    case 'required':
      return `${where}.${String(error.params.missingProperty)} is required`;
    case 'type':
      return `${where} must be ${ARTICLE[String(error.params.type)] ?? String(error.params.type)}`;
    case 'enum':
      return `${where} must be one of ${[error.params.allowedValues].flat().join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}
