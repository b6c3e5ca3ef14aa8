// Starts the real server in-process on an ephemeral loopback port for a test file.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, type Config } from '../../src/server/config.js';
import { createEmulator, type Emulator } from '../../src/server/app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_USERS = path.join(ROOT, 'examples/users.json');

export async function startEmulator(overrides: Partial<Config> = {}): Promise<Emulator> {
  return createEmulator({ ...DEFAULTS, host: '127.0.0.1', port: 0, tls: false, logLevel: 'silent', ...overrides });
}
