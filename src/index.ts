// The package's entry point for code that embeds the emulator: `import { startEmulator } from
// 'vtask-emulator'`. Each call builds its own server, inventory and control; nothing is shared
// between emulators in one process.

import { createEmulator, type Emulator } from './server/app.js';
import { configFileSettings, DEFAULTS, type Config } from './server/config.js';
import { ControlClient } from './control/client.js';

export {
  ControlApiError,
  ControlClient,
  type ControlClientOptions,
  type EntityInfo,
  type FaultRuleInfo,
  type LatencyRuleInfo,
  type MethodRuleInfo,
  type SeedResult,
  type TaskInfoJson,
  type TransitionJson,
  type UserSessionJson,
} from './control/client.js';
export type { Config } from './server/config.js';
export type { StateDocument } from './control/state.js';
export type { TraceEntry, TracePage } from './control/trace.js';
export type {
  FaultJson,
  FaultRuleJson,
  FinishJson,
  InventoryJson,
  LatencyRuleJson,
  LifecycleJson,
  MethodRuleJson,
  SeedJson,
  TaskJson,
  UserJson,
  ExtensionJson,
  VmJson,
} from './control/schemas.js';

/**
 * Every setting the CLI takes, by its Config name (`--cancel-mode` is `cancelMode`), all
 * optional. Embedded defaults differ from the CLI's in three: port 0 (any free port), host
 * 127.0.0.1 and logLevel 'silent'. `configFile` is read as --config reads it; the other
 * options win over it.
 */
export type EmulatorOptions = Partial<Config>;

export interface RunningEmulator {
  /** The SDK URL clients connect to, e.g. https://127.0.0.1:41234/sdk */
  readonly url: string;
  readonly port: number;
  /** The certificate HTTPS serves (PEM), to trust instead of disabling verification; undefined over HTTP. */
  readonly certificatePem: string | undefined;
  /**
   * The SDK tunnel's port when `tunnelPort` was given (0 picks a free one): govmomi reaches it
   * with GOVMOMI_TUNNEL_PROXY_PORT, pyVmomi with httpProxyPort and sslProxyPath='sdkTunnel:8089'.
   */
  readonly tunnelPort: number | undefined;
  /** The control API, typed (seed, reset, tasks, faults, latency, state, sessions). */
  readonly control: ControlClient;
  /** The in-process emulator, for what the control API does not offer. */
  readonly emulator: Emulator;
  /** Stops the server and its timers; the port is free once this resolves. */
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const fromFile = options.configFile ? configFileSettings(options.configFile) : {};
  const config: Config = { ...DEFAULTS, host: '127.0.0.1', port: 0, logLevel: 'silent', ...fromFile, ...definedOnly(options) };
  const emulator = await createEmulator(config);
  const base = emulator.url();
  return {
    url: `${base}/sdk`,
    port: Number(new URL(base).port),
    certificatePem: emulator.certificatePem,
    tunnelPort: emulator.tunnelPort,
    control: new ControlClient({ baseUrl: base, ca: emulator.certificatePem, token: config.controlToken }),
    emulator,
    close: () => emulator.close(),
  };
}

/** `{ port: undefined }` means "the default", as a missing flag does. */
function definedOnly(options: EmulatorOptions): EmulatorOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
