// A logged-in session: who it is and what it may do. Owned by the SessionManager; other
// objects (filters, collectors, retrieve tokens) hang off it and die with it.

import type { TaskReasonUser } from './vim-types.js';

export interface Session {
  /** Public id (UserSession.key, object names); not a credential. */
  readonly key: string;
  /** The vmware_soap_session cookie value: the secret that identifies the session. */
  readonly cookie: string;
  readonly userName: string;
  readonly fullName: string;
  readonly role: string;
  readonly privileges: ReadonlySet<string> | 'all';
  readonly loginTime: string;
  lastActive: number;
  callCount: number;
  readonly ipAddress: string;
  readonly userAgent: string;
  readonly locale: string;
  /** Logged in by LoginExtensionByCertificate (UserSession.extensionSession). */
  readonly extensionSession?: boolean;
  /** The reason the tasks this session starts give (TaskInfo.reason): one object for all of them. */
  readonly taskReason: TaskReasonUser;
  /** Cleanups registered by objects the session owns; run at Logout or expiry. */
  readonly onEnd: Set<() => void>;
}

/** The one privilege check: the dispatcher's, and AuthorizationManager's answers about it. */
export function grants(privileges: ReadonlySet<string> | 'all', privilege: string): boolean {
  return privileges === 'all' || privileges.has(privilege);
}

export function hasPrivilege(session: Session, privilege: string): boolean {
  return grants(session.privileges, privilege);
}
