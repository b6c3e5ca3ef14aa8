// vim.SessionManager: Login, LoginExtensionByCertificate, Logout, SessionIsActive,
// TerminateSession, currentSession and sessionList. Sessions are keyed by an unguessable cookie
// value and end at Logout, TerminateSession or after an idle time.

import { randomBytes, randomUUID } from 'node:crypto';
import { ManagedObjectReference, type VimValue } from './data.js';
import { InvalidArgument, InvalidLogin, LimitExceeded, NoClientCertificate, NotAuthenticated, NotFound } from './faults.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import { hasPrivilege, type Session } from './session.js';
import { taskReasonUser } from './Task.js';
import type { Principal, UserDirectory } from './users.js';
import type { LoginArgs, LoginExtensionByCertificateArgs, SessionIsActiveArgs, TerminateSessionArgs, UserSession } from './vim-types.js';

/** Which client certificate each extension is bound to (ExtensionManager.SetExtensionCertificate). */
export interface ExtensionCertificates {
  /** Whether `extensionKey` is registered and bound to the certificate with this SHA-256 fingerprint. */
  certifies(extensionKey: string, fingerprint: string): boolean;
}

export interface SessionManagerOptions {
  readonly idleTimeoutMs: number;
  /** Sessions at once, all users together; a Login past it is refused with LimitExceeded. */
  readonly maxSessions: number;
  /** Sessions at once under one user name. */
  readonly maxSessionsPerUser: number;
  readonly extensions: ExtensionCertificates;
  readonly now?: () => number;
}

export class SessionManager extends ManagedObject {
  readonly ref = new ManagedObjectReference('SessionManager', 'SessionManager');
  readonly typeChain = ['SessionManager', 'ManagedObject'];
  readonly propertyTypes = { currentSession: 'UserSession', sessionList: 'ArrayOfUserSession', defaultLocale: 'xsd:string' };
  private readonly sessions = new Map<string, Session>();
  /** User name → sessions logged in under it. */
  private readonly perUser = new Map<string, number>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly users: UserDirectory,
    private readonly options: SessionManagerOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
    // Sessions whose clients vanished without Logout are ended here, so they cannot pile up.
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, options.idleTimeoutMs / 2)));
    this.sweeper.unref();
  }

  private sweep(): void {
    const cutoff = this.now() - this.options.idleTimeoutMs;
    for (const session of [...this.sessions.values()]) if (session.lastActive < cutoff) this.end(session);
  }

  readonly methods: Methods<'Login' | 'LoginExtensionByCertificate' | 'Logout' | 'SessionIsActive' | 'TerminateSession', SessionManager> = {
    Login: (ctx, args) => this.login(ctx, args),
    LoginExtensionByCertificate: (ctx, args) => this.loginExtension(ctx, args),
    Logout: (ctx) => this.logout(ctx),
    SessionIsActive: (_ctx, args) => this.sessionIsActive(args),
    TerminateSession: (ctx, args) => this.terminate(ctx, args),
  };

  getProperty(name: string, session: Session | undefined): VimValue | undefined {
    switch (name) {
      case 'currentSession':
        return session && userSession(session);
      case 'sessionList':
        return this.sessionList(session);
      case 'defaultLocale':
        return 'en_US';
      default:
        return undefined;
    }
  }

  /** The live session for a cookie value; touches it, or ends it if it sat idle too long. */
  lookup(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined;
    const session = this.sessions.get(cookie);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastActive > this.options.idleTimeoutMs) {
      this.end(session);
      return undefined;
    }
    session.lastActive = now;
    session.callCount++;
    return session;
  }

  private login(ctx: CallContext, args: LoginArgs): UserSession {
    const principal = this.users.authenticate(args.userName, args.password);
    if (!principal) throw new InvalidLogin();
    return this.open(ctx, principal, args.locale, false);
  }

  /**
   * An extension proves who it is by the TLS client certificate on the connection, which
   * SetExtensionCertificate bound to its key. The session's user is the extension key; its role
   * is that of a user of that name in the users file, else Admin (extensions act for vCenter).
   */
  private loginExtension(ctx: CallContext, args: LoginExtensionByCertificateArgs): UserSession {
    const fingerprint = ctx.connection.clientCertificate;
    if (!fingerprint) throw new NoClientCertificate();
    if (!this.options.extensions.certifies(args.extensionKey, fingerprint))
      throw new InvalidLogin(`No extension '${args.extensionKey}' is bound to the client certificate this connection presented.`);
    const principal = this.users.principal(args.extensionKey) ?? { userName: args.extensionKey, fullName: args.extensionKey, role: 'Admin', privileges: 'all' };
    return this.open(ctx, principal, args.locale, true);
  }

  private open(ctx: CallContext, principal: Principal, locale: string | undefined, extensionSession: boolean): UserSession {
    if (ctx.session) this.end(ctx.session);
    this.admit(principal.userName);
    const now = this.now();
    const session: Session = {
      key: randomUUID(),
      cookie: randomBytes(32).toString('hex'),
      userName: principal.userName,
      fullName: principal.fullName,
      role: principal.role,
      privileges: principal.privileges,
      loginTime: new Date(now).toISOString(),
      lastActive: now,
      callCount: 1,
      ipAddress: ctx.connection.ipAddress,
      userAgent: ctx.connection.userAgent,
      locale: locale || 'en_US',
      extensionSession,
      taskReason: taskReasonUser(principal.userName),
      onEnd: new Set(),
    };
    this.sessions.set(session.cookie, session);
    this.perUser.set(session.userName, (this.perUser.get(session.userName) ?? 0) + 1);
    ctx.connection.sessionChanged(session);
    return userSession(session);
  }

  /**
   * Refuses a Login past the session limits. Sessions idle past their timeout are ended first,
   * so a limit reached only by abandoned sessions does not lock everyone out until the sweep.
   */
  private admit(userName: string): void {
    const { maxSessions, maxSessionsPerUser } = this.options;
    if (this.sessions.size >= maxSessions || (this.perUser.get(userName) ?? 0) >= maxSessionsPerUser) this.sweep();
    if (this.sessions.size >= maxSessions)
      throw new LimitExceeded('maxSessions', maxSessions, `The server already has ${this.sessions.size} sessions; log out unused ones`);
    const mine = this.perUser.get(userName) ?? 0;
    if (mine >= maxSessionsPerUser)
      throw new LimitExceeded('maxSessionsPerUser', maxSessionsPerUser, `User '${userName}' already has ${mine} sessions; log out unused ones`);
  }

  /**
   * vCenter shows every session only to holders of Sessions.TerminateSession (the privilege to
   * end them); anyone else sees only the session that asks.
   */
  private sessionList(session: Session | undefined): UserSession[] {
    if (!session) return [];
    if (!hasPrivilege(session, 'Sessions.TerminateSession')) return [userSession(session)];
    return [...this.sessions.values()].map(userSession);
  }

  /**
   * Ends the sessions named by key, all or none: every key is checked first. Like vCenter, a
   * session cannot end itself this way (that is Logout): InvalidArgument; an unknown key is
   * NotFound. The ended sessions' clients get NotAuthenticated on their next call.
   */
  private terminate(ctx: CallContext, args: TerminateSessionArgs): void {
    const byKey = new Map<string, Session>();
    for (const session of this.sessions.values()) byKey.set(session.key, session);
    const ending: Session[] = [];
    for (const key of args.sessionId) {
      if (ctx.session && key === ctx.session.key) throw new InvalidArgument('sessionId', `Session '${key}' is the caller's own; use Logout to end it.`);
      const session = byKey.get(key);
      if (!session) throw new NotFound(`No session with key '${key}' exists.`);
      ending.push(session);
    }
    for (const session of ending) this.end(session);
  }

  /** The live session with this key (UserSession.key), if any. */
  byKey(key: string): Session | undefined {
    for (const session of this.sessions.values()) if (session.key === key) return session;
    return undefined;
  }

  /** The sessions logged in now (the control API lists them). */
  list(): UserSession[] {
    return [...this.sessions.values()].map(userSession);
  }

  /** Ends the session with this key, as TerminateSession would; false when there is none. */
  terminateByKey(key: string): boolean {
    const session = this.byKey(key);
    if (session) this.end(session);
    return session !== undefined;
  }

  private logout(ctx: CallContext): void {
    if (!ctx.session) throw new NotAuthenticated(this.ref);
    this.end(ctx.session);
    ctx.connection.sessionChanged(undefined);
  }

  private sessionIsActive(args: SessionIsActiveArgs): boolean {
    for (const session of this.sessions.values()) {
      if (session.key === args.sessionID) return session.userName === args.userName && this.now() - session.lastActive <= this.options.idleTimeoutMs;
    }
    return false;
  }

  /** Ends a session and everything it owns. */
  end(session: Session): void {
    if (!this.sessions.delete(session.cookie)) return;
    const left = (this.perUser.get(session.userName) ?? 1) - 1;
    if (left > 0) this.perUser.set(session.userName, left);
    else this.perUser.delete(session.userName);
    const cleanups = [...session.onEnd];
    session.onEnd.clear();
    for (const cleanup of cleanups) cleanup();
  }

  /** Ends every session, as a restart would (a state restore); clients log in again. */
  endSessions(): void {
    for (const session of [...this.sessions.values()]) this.end(session);
  }

  endAll(): void {
    clearInterval(this.sweeper);
    this.endSessions();
  }

  get count(): number {
    return this.sessions.size;
  }
}

function userSession(session: Session): UserSession {
  return {
    _type: 'UserSession',
    key: session.key,
    userName: session.userName,
    fullName: session.fullName,
    loginTime: session.loginTime,
    lastActiveTime: new Date(session.lastActive).toISOString(),
    locale: session.locale,
    messageLocale: session.locale,
    extensionSession: session.extensionSession === true,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    callCount: session.callCount,
  };
}
