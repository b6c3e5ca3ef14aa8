// A logged-in pooled session for the robustness suites (kept apart from client.ts, which the
// soak script runs outside vitest).

import { expect } from 'vitest';
import { FastSession, type Transport } from './client.js';

/** A new session on the transport, logged in as `user` (password the same unless given); Login must succeed. */
export async function loggedIn(transport: Transport, user: string, password = user): Promise<FastSession> {
  const s = new FastSession(transport);
  const res = await s.login(user, password);
  expect(res.status, res.body).toBe(200);
  return s;
}
