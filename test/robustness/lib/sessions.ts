// Pooled sessions for the robustness suites (kept apart from client.ts, which the soak script
// runs outside vitest): a Connection for helpers/emulator.ts's startLoggedIn, and a login on a
// transport that a suite already holds.

import { logIn, type Connection } from '../../helpers/emulator.js';
import { FastSession, Transport } from './client.js';

/** Sessions over one keep-alive pool of connections to the server. */
export class Pool implements Connection<FastSession> {
  readonly transport: Transport;
  constructor(url: string, maxSockets?: number) {
    this.transport = new Transport(url, maxSockets);
  }
  session(style: 'pyvmomi' | 'govmomi' = 'pyvmomi'): FastSession {
    return new FastSession(this.transport, style);
  }
  close(): void {
    this.transport.close();
  }
}

/** startLoggedIn's `connect` for pooled sessions: `startLoggedIn(overrides, { connect: pooled(32) })`. */
export function pooled(maxSockets?: number): (url: string) => Pool {
  return (url) => new Pool(url, maxSockets);
}

/** A new session on the transport, logged in as `user` (password the same unless given); Login must succeed. */
export function loggedIn(transport: Transport, user: string, password = user): Promise<FastSession> {
  return logIn(new FastSession(transport), user, password);
}
