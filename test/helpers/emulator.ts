// Starts the real server in-process on an ephemeral loopback port for a test file, and the one
// start-and-login helper every suite uses.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, type Config } from '../../src/server/config.js';
import { createEmulator, type Emulator } from '../../src/server/app.js';
import { SoapSession, type SoapResponse } from './soap-client.js';
import { ok } from './tasks.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_USERS = path.join(ROOT, 'examples/users.json');

export async function startEmulator(overrides: Partial<Config> = {}): Promise<Emulator> {
  return createEmulator({ ...DEFAULTS, host: '127.0.0.1', port: 0, tls: false, logLevel: 'silent', ...overrides });
}

/** What can log in: the wire tests' SoapSession or the robustness suites' pooled FastSession. */
export interface LoginSession {
  login(userName: string, password: string): Promise<SoapResponse>;
}

/** How a test reaches a started emulator: it makes new (anonymous) sessions and is closed before the emulator. */
export interface Connection<S extends LoginSession = LoginSession> {
  session(): S;
  close(): void;
}

/** The default: a SoapSession per session, one HTTP connection per request, nothing to close. */
export class SoapConnection implements Connection<SoapSession> {
  constructor(readonly url: string) {}
  session(): SoapSession {
    return new SoapSession(this.url);
  }
  close(): void {}
}

type SessionOf<C> = C extends Connection<infer S> ? S : never;

export interface Running<C extends Connection> {
  readonly emulator: Emulator;
  /** The server's base URL, as Emulator.url() gives it. */
  url(): string;
  readonly connection: C;
  /** The session logged in at start. */
  readonly session: SessionOf<C>;
  /** A new session logged in as `user` (password the same unless given); Login must succeed. */
  login(user: string, password?: string): Promise<SessionOf<C>>;
  /** Closes the connection, then the emulator. */
  close(): Promise<void>;
}

export interface LoginOptions {
  /** Who logs in at start; admin unless given. */
  readonly user?: string;
  /** The password; the user name unless given. */
  readonly password?: string;
}

/** Logs `session` in; the answer must be HTTP 200 without a fault. */
export async function logIn<S extends LoginSession>(session: S, user: string, password = user): Promise<S> {
  ok(await session.login(user, password));
  return session;
}

/**
 * Starts an emulator (test defaults: loopback, ephemeral port, plain HTTP, silent, then
 * `overrides`) and logs one session in. Sessions are SoapSessions unless `connect` makes others.
 */
export function startLoggedIn(overrides?: Partial<Config>, options?: LoginOptions): Promise<Running<SoapConnection>>;
export function startLoggedIn<C extends Connection>(overrides: Partial<Config>, options: LoginOptions & { connect: (url: string) => C }): Promise<Running<C>>;
export async function startLoggedIn(
  overrides: Partial<Config> = {},
  options: LoginOptions & { connect?: (url: string) => Connection } = {},
): Promise<Running<Connection>> {
  const emulator = await startEmulator(overrides);
  const url = () => emulator.url();
  const connection = options.connect ? options.connect(url()) : new SoapConnection(url());
  const close = async () => {
    connection.close();
    await emulator.close();
  };
  const login = (user: string, password = user) => logIn(connection.session(), user, password);
  try {
    const session = await login(options.user ?? 'admin', options.password);
    return { emulator, url, connection, session, login, close };
  } catch (error) {
    await close(); // a failed start leaves no server behind
    throw error;
  }
}
