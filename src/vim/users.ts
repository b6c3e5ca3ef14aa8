// Users, passwords and roles. With no users file anyone with a non-empty name and password is
// an Admin (what vcsim does, so existing scripts work unchanged); a users file makes it strict.

import { timingSafeEqual, createHash } from 'node:crypto';

export const READ_ONLY_PRIVILEGES = ['System.Anonymous', 'System.View', 'System.Read'];

export interface UserEntry {
  readonly userName: string;
  readonly password: string;
  readonly role: string;
  readonly fullName?: string;
}

export interface UsersFile {
  readonly users: readonly UserEntry[];
  /** Role name → privilege ids. Admin (all privileges) and ReadOnly are built in. */
  readonly roles?: Readonly<Record<string, readonly string[]>>;
}

export interface Principal {
  readonly userName: string;
  readonly fullName: string;
  readonly role: string;
  readonly privileges: ReadonlySet<string> | 'all';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Everything a UserDirectory holds, for a state document: roles with their full privilege lists. */
export interface UsersSnapshot {
  readonly open: boolean;
  readonly users: readonly UserEntry[];
  readonly roles: Readonly<Record<string, readonly string[] | 'all'>>;
}

export class UserDirectory {
  private readonly roles = new Map<string, ReadonlySet<string> | 'all'>();
  private readonly users = new Map<string, UserEntry>();
  /** No users known: anyone logs in as Admin (vcsim's behaviour). */
  private open = true;
  /** Counts changes, so a state file is not rewritten when nothing changed. */
  changes = 0;

  constructor(private readonly initial: UsersFile | undefined) {
    this.reset();
  }

  /** Back to the users file given at start. */
  reset(): void {
    this.roles.clear();
    this.users.clear();
    this.roles.set('Admin', 'all');
    this.roles.set('ReadOnly', new Set(READ_ONLY_PRIVILEGES));
    this.open = true;
    this.changes++;
    if (this.initial) this.load(this.initial);
  }

  snapshot(): UsersSnapshot {
    const roles: Record<string, readonly string[] | 'all'> = {};
    for (const [name, privileges] of this.roles) roles[name] = privileges === 'all' ? 'all' : [...privileges];
    return { open: this.open, users: [...this.users.values()], roles };
  }

  /** Exactly the users and roles of a snapshot (the built-in roles are in it). */
  restore(snapshot: UsersSnapshot): void {
    for (const user of snapshot.users) {
      if (snapshot.roles[user.role] === undefined) throw new Error(`user ${user.userName} has unknown role ${user.role}`);
    }
    this.roles.clear();
    this.users.clear();
    for (const [name, privileges] of Object.entries(snapshot.roles)) this.roles.set(name, privileges === 'all' ? 'all' : new Set(privileges));
    for (const user of snapshot.users) this.users.set(user.userName, user);
    this.open = snapshot.open;
    this.changes++;
  }

  /** Adds users and roles (a users file, or a seed's users); from then on only known users log in. */
  load(file: UsersFile): void {
    for (const [name, privileges] of Object.entries(file.roles ?? {})) {
      this.roles.set(name, new Set([...READ_ONLY_PRIVILEGES, ...privileges]));
    }
    for (const user of file.users) {
      if (!this.roles.has(user.role)) throw new Error(`users: user ${user.userName} has unknown role ${user.role}`);
    }
    for (const user of file.users) this.users.set(user.userName, user);
    this.open = false;
    this.changes++;
  }

  /**
   * Who a user name is, without a password: for questions about another user
   * (FetchUserPrivilegeOnEntities) and for logins that prove identity otherwise (an extension's
   * certificate). Without a users file every name is an Admin, as at Login.
   */
  principal(userName: string): Principal | undefined {
    if (!userName) return undefined;
    if (this.open) return { userName, fullName: userName, role: 'Admin', privileges: 'all' };
    const user = this.users.get(userName);
    const privileges = user && this.roles.get(user.role);
    if (!user || !privileges) return undefined;
    return { userName, fullName: user.fullName ?? userName, role: user.role, privileges };
  }

  /** Every role by name, built-in ones first, with its privileges ('all' for Admin). */
  roleList(): Array<[string, ReadonlySet<string> | 'all']> {
    return [...this.roles.entries()];
  }

  /** The principal for these credentials, or undefined when they are wrong. */
  authenticate(userName: string, password: string): Principal | undefined {
    if (!userName || !password) return undefined;
    if (this.open) return { userName, fullName: userName, role: 'Admin', privileges: 'all' };
    const user = this.users.get(userName);
    // Compare digests so the time taken does not depend on how much of the password matched.
    const ok = timingSafeEqual(digest(password), digest(user?.password ?? '\u0000no user'));
    const privileges = user && this.roles.get(user.role);
    if (!user || !ok || !privileges) return undefined;
    return { userName, fullName: user.fullName ?? userName, role: user.role, privileges };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Checks the shape of a users document (a users file) and returns it as one. */
export function parseUsersValue(parsed: unknown, source: string): UsersFile {
  if (!isRecord(parsed) || !Array.isArray(parsed.users)) throw new Error(`${source}: expected {"users": [...], "roles": {...}}`);
  const users: UserEntry[] = parsed.users.map((user: unknown) => {
    if (!isRecord(user) || typeof user.userName !== 'string' || typeof user.password !== 'string' || typeof user.role !== 'string') {
      throw new Error(`${source}: every user needs string userName, password and role`);
    }
    const fullName = typeof user.fullName === 'string' ? user.fullName : undefined;
    return { userName: user.userName, password: user.password, role: user.role, fullName };
  });
  if (parsed.roles === undefined) return { users };
  if (!isRecord(parsed.roles)) throw new Error(`${source}: roles must map role names to privilege ids`);
  const roles: Record<string, readonly string[]> = {};
  for (const [role, privileges] of Object.entries(parsed.roles)) {
    if (!isStringList(privileges)) throw new Error(`${source}: role ${role} must list privilege ids as strings`);
    roles[role] = privileges;
  }
  return { users, roles };
}
