// Every setting in one place: its flag, its environment variable, its default and its help.
// Flags win over environment variables, which win over defaults.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { messageOf, parseDocument } from './documents.js';
import { DEFAULT_STATE_LIMITS, type StateLimits } from '../vim/limits.js';
import type { CancelMode } from '../vim/Task.js';

export interface Config extends StateLimits {
  host: string;
  port: number;
  tls: boolean;
  certFile: string | undefined;
  keyFile: string | undefined;
  usersFile: string | undefined;
  cancelMode: CancelMode;
  cancelTimeoutMs: number;
  /** Privilege CancelTask requires; empty: none beyond a session (the reference page). */
  cancelTaskPrivilege: string;
  sessionIdleTimeoutMs: number;
  recentTaskRetentionMs: number;
  maxTasks: number;
  maxCollector: number;
  /** How long a *_Task method's task runs when no method rule says otherwise. */
  taskDurationMs: number;
  apiVersion: string;
  logLevel: string;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  configFile: string | undefined;
  seedFile: string | undefined;
  /** Where the state document is kept across restarts (see src/server/state-file.ts). */
  stateFile: string | undefined;
  stateSaveIntervalMs: number;
  privilegesFile: string | undefined;
  controlToken: string | undefined;
  productVersion: string;
  productBuild: string;
  /** Port of the SDK tunnel listener (CONNECT sdkTunnel:8089, for certificate logins); undefined: none. */
  tunnelPort: number | undefined;
  /** NDJSON file every SOAP exchange is appended to (trace.ts); undefined: none. */
  traceFile: string | undefined;
  /** Exchanges GET /_emulator/trace keeps in memory; 0: no ring. */
  traceRing: number;
  /** The ring's bound on the bodies it holds (bytes). */
  traceRingBytes: number;
}

interface Setting {
  readonly key: keyof Config;
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'number' | 'boolean' | 'cancelMode';
  readonly help: string;
}

export const SETTINGS: readonly Setting[] = [
  { key: 'host', flag: 'host', env: 'VTASK_HOST', kind: 'string', help: 'listen address' },
  { key: 'port', flag: 'port', env: 'VTASK_PORT', kind: 'number', help: 'listen port (0: any free port)' },
  { key: 'tls', flag: 'tls', env: 'VTASK_TLS', kind: 'boolean', help: 'serve HTTPS (self-signed unless --cert/--key); --http turns it off' },
  { key: 'certFile', flag: 'cert', env: 'VTASK_CERT', kind: 'string', help: 'PEM certificate file for HTTPS' },
  { key: 'keyFile', flag: 'key', env: 'VTASK_KEY', kind: 'string', help: 'PEM private key file for HTTPS' },
  { key: 'usersFile', flag: 'users', env: 'VTASK_USERS', kind: 'string', help: 'users file (JSON): users, passwords, roles; none: any user/password is Admin' },
  {
    key: 'cancelMode',
    flag: 'cancel-mode',
    env: 'VTASK_CANCEL_MODE',
    kind: 'cancelMode',
    help: 'immediate | cooperative: what CancelTask does to a running task',
  },
  {
    key: 'cancelTimeoutMs',
    flag: 'cancel-timeout-ms',
    env: 'VTASK_CANCEL_TIMEOUT_MS',
    kind: 'number',
    help: 'cooperative mode: complete a canceled running task after this long (0: never)',
  },
  {
    key: 'cancelTaskPrivilege',
    flag: 'cancel-privilege',
    env: 'VTASK_CANCEL_PRIVILEGE',
    kind: 'string',
    help: "privilege CancelTask requires, e.g. Global.CancelTask ('': none)",
  },
  { key: 'sessionIdleTimeoutMs', flag: 'session-idle-timeout-ms', env: 'VTASK_SESSION_IDLE_TIMEOUT_MS', kind: 'number', help: 'end sessions idle this long' },
  {
    key: 'recentTaskRetentionMs',
    flag: 'task-retention-ms',
    env: 'VTASK_TASK_RETENTION_MS',
    kind: 'number',
    help: 'how long a completed task stays in TaskManager.recentTask',
  },
  { key: 'maxTasks', flag: 'max-tasks', env: 'VTASK_MAX_TASKS', kind: 'number', help: 'tasks kept in memory; beyond it the oldest completed are forgotten' },
  {
    key: 'maxCollector',
    flag: 'max-collector',
    env: 'VTASK_MAX_COLLECTOR',
    kind: 'number',
    help: 'task history collectors per session (TaskManager.maxCollector), and event history collectors (EventManager.maxCollector)',
  },
  { key: 'maxSessions', flag: 'max-sessions', env: 'VTASK_MAX_SESSIONS', kind: 'number', help: 'sessions logged in at once; one more Login: LimitExceeded' },
  {
    key: 'maxSessionsPerUser',
    flag: 'max-sessions-per-user',
    env: 'VTASK_MAX_SESSIONS_PER_USER',
    kind: 'number',
    help: 'sessions logged in at once under one user name',
  },
  {
    key: 'maxFiltersPerSession',
    flag: 'max-filters',
    env: 'VTASK_MAX_FILTERS',
    kind: 'number',
    help: 'property filters per session (all its property collectors)',
  },
  { key: 'maxCollectorsPerSession', flag: 'max-collectors', env: 'VTASK_MAX_COLLECTORS', kind: 'number', help: 'property collectors a session may create' },
  {
    key: 'maxRetrieveTokens',
    flag: 'max-retrieve-tokens',
    env: 'VTASK_MAX_RETRIEVE_TOKENS',
    kind: 'number',
    help: 'unfinished RetrievePropertiesEx results (paging tokens) per session',
  },
  {
    key: 'retrieveTokenIdleMs',
    flag: 'retrieve-token-idle-ms',
    env: 'VTASK_RETRIEVE_TOKEN_IDLE_MS',
    kind: 'number',
    help: 'a paging token not continued for this long is forgotten',
  },
  { key: 'maxWaiters', flag: 'max-waiters', env: 'VTASK_MAX_WAITERS', kind: 'number', help: 'WaitForUpdates[Ex] calls blocked at once, all sessions together' },
  {
    key: 'maxStringBytes',
    flag: 'max-string-bytes',
    env: 'VTASK_MAX_STRING_BYTES',
    kind: 'number',
    help: 'longest string (UTF-8 bytes) a SOAP argument or control API body may carry; longer: refused',
  },
  { key: 'maxEvents', flag: 'max-events', env: 'VTASK_MAX_EVENTS', kind: 'number', help: 'events kept (a ring); past it the oldest are forgotten' },
  {
    key: 'maxViewsPerSession',
    flag: 'max-views',
    env: 'VTASK_MAX_VIEWS',
    kind: 'number',
    help: 'list and container views (ViewManager) a session holds at once',
  },
  {
    key: 'maxListViewItems',
    flag: 'max-list-view-items',
    env: 'VTASK_MAX_LIST_VIEW_ITEMS',
    kind: 'number',
    help: 'objects one list view holds',
  },
  {
    key: 'apiVersion',
    flag: 'api-version',
    env: 'VTASK_API_VERSION',
    kind: 'string',
    help: 'about.apiVersion in ServiceContent, and the newest version vimServiceVersions.xml offers',
  },
  { key: 'logLevel', flag: 'log-level', env: 'VTASK_LOG_LEVEL', kind: 'string', help: 'fatal | error | warn | info | debug | trace | silent' },
  { key: 'bodyLimitBytes', flag: 'body-limit', env: 'VTASK_BODY_LIMIT', kind: 'number', help: 'largest request body accepted (bytes); larger: HTTP 413' },
  {
    key: 'requestTimeoutMs',
    flag: 'request-timeout-ms',
    env: 'VTASK_REQUEST_TIMEOUT_MS',
    kind: 'number',
    help: 'time allowed to send a whole request; slower: HTTP 408',
  },
  { key: 'productVersion', flag: 'product-version', env: 'VTASK_PRODUCT_VERSION', kind: 'string', help: 'about.version reported in ServiceContent' },
  { key: 'productBuild', flag: 'product-build', env: 'VTASK_PRODUCT_BUILD', kind: 'string', help: 'about.build reported in ServiceContent' },
  {
    key: 'privilegesFile',
    flag: 'privileges',
    env: 'VTASK_PRIVILEGES',
    kind: 'string',
    help: 'privilege table file (JSON/YAML): {"Method": "Privilege.Id" or ""}',
  },
  {
    key: 'seedFile',
    flag: 'seed',
    env: 'VTASK_SEED',
    kind: 'string',
    help: 'seed file (JSON/YAML) loaded at start: tasks, extensions, users, fault and latency rules',
  },
  {
    key: 'stateFile',
    flag: 'state-file',
    env: 'VTASK_STATE_FILE',
    kind: 'string',
    help: 'state file (JSON): loaded at start if it exists (it wins over --seed), saved atomically at shutdown and while running',
  },
  {
    key: 'stateSaveIntervalMs',
    flag: 'state-save-interval-ms',
    env: 'VTASK_STATE_SAVE_INTERVAL_MS',
    kind: 'number',
    help: 'save the state file this often when something changed (0: only at shutdown)',
  },
  {
    key: 'controlToken',
    flag: 'control-token',
    env: 'VTASK_CONTROL_TOKEN',
    kind: 'string',
    help: 'bearer token the /_emulator/ control API requires (none: open on loopback; on any other address one is generated and printed at start)',
  },
  {
    key: 'tunnelPort',
    flag: 'tunnel-port',
    env: 'VTASK_TUNNEL_PORT',
    kind: 'number',
    help: 'plain-HTTP port that accepts only CONNECT sdkTunnel:8089 and then serves /sdk over TLS, as extensions reach vCenter to log in by certificate (needs TLS; 0: any free port)',
  },
  {
    key: 'taskDurationMs',
    flag: 'task-duration-ms',
    env: 'VTASK_TASK_DURATION_MS',
    kind: 'number',
    help: 'how long a *_Task method (PowerOnVM_Task, ...) runs before it succeeds, when no method rule says otherwise',
  },
  {
    key: 'traceFile',
    flag: 'trace-file',
    env: 'VTASK_TRACE_FILE',
    kind: 'string',
    help: 'append every SOAP exchange (bodies, user, status, duration; secrets redacted) to this file as NDJSON',
  },
  {
    key: 'traceRing',
    flag: 'trace-ring',
    env: 'VTASK_TRACE_RING',
    kind: 'number',
    help: 'keep the last N SOAP exchanges in memory for GET /_emulator/trace (0: off)',
  },
  {
    key: 'traceRingBytes',
    flag: 'trace-ring-bytes',
    env: 'VTASK_TRACE_RING_BYTES',
    kind: 'number',
    help: 'bound on the request and response bytes the trace ring holds; the oldest go first',
  },
  { key: 'configFile', flag: 'config', env: 'VTASK_CONFIG', kind: 'string', help: 'config file (JSON/YAML) whose keys are these flag names' },
];

export const DEFAULTS: Config = {
  ...DEFAULT_STATE_LIMITS,
  host: '127.0.0.1',
  port: 8989,
  tls: true,
  certFile: undefined,
  keyFile: undefined,
  usersFile: undefined,
  cancelMode: 'immediate',
  cancelTimeoutMs: 0,
  cancelTaskPrivilege: '',
  sessionIdleTimeoutMs: 30 * 60_000,
  recentTaskRetentionMs: 10 * 60_000,
  maxTasks: 10_000,
  maxCollector: 32,
  taskDurationMs: 100,
  apiVersion: '8.0.2.0',
  logLevel: 'info',
  bodyLimitBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 10_000,
  configFile: undefined,
  seedFile: undefined,
  stateFile: undefined,
  stateSaveIntervalMs: 5000,
  privilegesFile: undefined,
  controlToken: undefined,
  productVersion: '8.0.3',
  productBuild: '69507950',
  tunnelPort: undefined,
  traceFile: undefined,
  traceRing: 0,
  traceRingBytes: 16 * 1024 * 1024,
};

export class ConfigError extends Error {}

function convert(setting: Setting, raw: string | boolean | number, source: string): Config[keyof Config] {
  switch (setting.kind) {
    case 'string':
      if (typeof raw !== 'string') throw new ConfigError(`${source}: expected a string, got ${JSON.stringify(raw)}`);
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes|on)$/i.test(String(raw))) return true;
      if (/^(0|false|no|off)$/i.test(String(raw))) return false;
      throw new ConfigError(`${source}: expected true or false, got '${raw}'`);
    case 'number': {
      const n = Number(raw);
      if (typeof raw === 'boolean' || raw === '' || !Number.isInteger(n) || n < 0)
        throw new ConfigError(`${source}: expected a non-negative integer, got '${String(raw)}'`);
      return n;
    }
    case 'cancelMode':
      if (raw === 'immediate' || raw === 'cooperative') return raw;
      throw new ConfigError(`${source}: expected immediate or cooperative, got '${String(raw)}'`);
  }
}

/** Reads the config file named by --config / VTASK_CONFIG: an object keyed by flag names. */
function readConfigFile(file: string, readFile: (path: string) => string): Record<string, string | number | boolean> {
  let parsed: unknown;
  try {
    parsed = parseDocument(readFile(file), file);
  } catch (error) {
    throw new ConfigError(messageOf(error));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${file}: expected an object keyed by flag names`);
  const known = new Set(SETTINGS.map((s) => s.flag));
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key) || key === 'config') throw new ConfigError(`${file}: unknown setting '${key}' (use the flag names from --help)`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new ConfigError(`${file}: '${key}' must be a string, number or boolean`);
    settings[key] = value;
  }
  return settings;
}

/** The settings a config file sets, converted and checked (for code that starts the emulator itself). */
export function configFileSettings(file: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Partial<Config> {
  const fromFile = readConfigFile(file, readFile);
  const settings: Partial<Config> = {};
  for (const s of SETTINGS) if (fromFile[s.flag] !== undefined) Object.assign(settings, { [s.key]: convert(s, fromFile[s.flag], `${file}: ${s.flag}`) });
  return settings;
}

export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config | 'help' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, http: { type: 'boolean' } };
  for (const s of SETTINGS) options[s.flag] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(messageOf(error));
  }
  if (values.help) return 'help';
  const config: Config = { ...DEFAULTS };
  const assign = <K extends keyof Config>(key: K, value: Config[keyof Config]) => {
    config[key] = value as Config[K];
  };
  const configFile = (typeof values.config === 'string' ? values.config : undefined) ?? (env.VTASK_CONFIG || undefined);
  if (configFile) {
    const fromFile = readConfigFile(configFile, readFile);
    for (const s of SETTINGS) if (fromFile[s.flag] !== undefined) assign(s.key, convert(s, fromFile[s.flag], `${configFile}: ${s.flag}`));
  }
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') assign(s.key, convert(s, fromEnv, s.env));
    const fromFlag = values[s.flag];
    if (fromFlag !== undefined) assign(s.key, convert(s, fromFlag, `--${s.flag}`));
  }
  if (values.http) config.tls = false;
  if (config.port > 65535) throw new ConfigError(`port ${config.port} is out of range`);
  if (config.tunnelPort !== undefined && config.tunnelPort > 65535) throw new ConfigError(`tunnel port ${config.tunnelPort} is out of range`);
  if (config.tunnelPort !== undefined && !config.tls) throw new ConfigError('--tunnel-port needs TLS: the tunnel carries TLS to the SDK (drop --http)');
  if ((config.certFile === undefined) !== (config.keyFile === undefined)) throw new ConfigError('--cert and --key go together');
  return config;
}

export function helpText(): string {
  const lines = ['Usage: vtask-emulator [options]', '', 'Options (each also settable by the environment variable shown):'];
  for (const s of SETTINGS) {
    const def = DEFAULTS[s.key];
    lines.push(`  --${s.flag.padEnd(26)} ${s.env.padEnd(32)} ${s.help}${def === undefined || def === '' ? '' : ` (default: ${String(def)})`}`);
  }
  lines.push(`  --${'http'.padEnd(26)} ${''.padEnd(32)} serve plain HTTP (same as --tls=false / VTASK_TLS=false)`);
  lines.push(`  --${'help'.padEnd(26)} ${''.padEnd(32)} print this help`);
  return lines.join('\n');
}
