// A Session value for unit tests that call managed objects directly, without logging in.

import type { Session } from '../../src/vim/session.js';
import { taskReasonUser } from '../../src/vim/Task.js';

/** A session keyed `key`, for user `key` with every privilege unless `overrides` says otherwise. */
export function testSession(key: string, overrides: Partial<Session> = {}): Session {
  const userName = overrides.userName ?? key;
  return {
    key,
    cookie: key,
    userName,
    fullName: userName,
    role: 'Admin',
    privileges: 'all',
    loginTime: '',
    lastActive: 0,
    callCount: 0,
    ipAddress: '',
    userAgent: '',
    locale: 'en_US',
    taskReason: taskReasonUser(userName),
    onEnd: new Set(),
    ...overrides,
  };
}
