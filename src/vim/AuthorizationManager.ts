// vim.AuthorizationManager as far as a client asks before it acts: the roles and privileges of
// the users file (roleList, privilegeList, description) and whether a session or a user holds
// privileges on entities. The answers come from the same check the dispatcher makes before every
// call (grants() in session.ts), so "may I?" and "did it let me?" never disagree. Privileges are
// global here (no per-entity permissions): an entity only has to exist.

import { ManagedObjectReference, type VimValue } from './data.js';
import { InvalidArgument, ManagedObjectNotFound } from './faults.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import { grants, type Session } from './session.js';
import { READ_ONLY_PRIVILEGES, type UserDirectory } from './users.js';
import type {
  AuthorizationDescription,
  AuthorizationPrivilege,
  AuthorizationRole,
  ElementDescription,
  EntityPrivilege,
  FetchUserPrivilegeOnEntitiesArgs,
  HasPrivilegeOnEntitiesArgs,
  HasPrivilegeOnEntityArgs,
  UserPrivilegeResult,
} from './vim-types.js';

/** vCenter's ids for its system roles; roles of the users file count up from 1 in file order. */
const SYSTEM_ROLE_IDS: Readonly<Record<string, number>> = { Admin: -1, ReadOnly: -2 };

export interface AuthorizationDependencies {
  readonly users: UserDirectory;
  readonly registry: ObjectRegistry;
  /** The live session with a UserSession.key. */
  readonly sessionByKey: (key: string) => Session | undefined;
  /** The privileges the operation table requires (the WSDL's, with the configured overrides). */
  readonly operationPrivileges: readonly string[];
}

/** "Task.Create" → group "Task", name "Create". */
function splitPrivilege(privId: string): [group: string, name: string] {
  const dot = privId.lastIndexOf('.');
  return dot === -1 ? ['', privId] : [privId.slice(0, dot), privId.slice(dot + 1)];
}

export class AuthorizationManager extends ManagedObject {
  readonly ref = new ManagedObjectReference('AuthorizationManager', 'AuthorizationManager');
  readonly typeChain = ['AuthorizationManager', 'ManagedObject'];
  readonly propertyTypes = {
    privilegeList: 'ArrayOfAuthorizationPrivilege',
    roleList: 'ArrayOfAuthorizationRole',
    description: 'AuthorizationDescription',
  };

  constructor(private readonly deps: AuthorizationDependencies) {
    super();
  }

  readonly methods: Methods<'HasPrivilegeOnEntities' | 'HasPrivilegeOnEntity' | 'FetchUserPrivilegeOnEntities', AuthorizationManager> = {
    HasPrivilegeOnEntities: (_ctx, args) => this.hasPrivilegeOnEntities(args),
    HasPrivilegeOnEntity: (_ctx, args) => this.hasPrivilegeOnEntity(args),
    FetchUserPrivilegeOnEntities: (ctx, args) => this.fetchUserPrivileges(ctx, args),
  };

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'privilegeList':
        return this.privilegeIds().map(privilege);
      case 'roleList':
        return this.roleList();
      case 'description':
        return this.description();
      default:
        return undefined;
    }
  }

  /**
   * Every privilege the server knows: those its operations require, System.Anonymous, View and
   * Read, and any a role of the users file names; sorted, each once.
   */
  privilegeIds(): string[] {
    const ids = new Set<string>([...READ_ONLY_PRIVILEGES, ...this.deps.operationPrivileges]);
    for (const [, privileges] of this.deps.users.roleList()) if (privileges !== 'all') for (const id of privileges) ids.add(id);
    return [...ids].sort();
  }

  private roleList(): AuthorizationRole[] {
    const all = this.privilegeIds();
    let next = 1;
    return this.deps.users.roleList().map(([name, privileges]) => {
      const systemId = SYSTEM_ROLE_IDS[name];
      return {
        _type: 'AuthorizationRole',
        roleId: systemId ?? next++,
        system: systemId !== undefined,
        name,
        info: { _type: 'Description', label: name, summary: systemId !== undefined ? `System role ${name}` : `Role ${name} of the users file` },
        privilege: privileges === 'all' ? all : [...privileges].sort(),
      };
    });
  }

  private description(): AuthorizationDescription {
    const ids = this.privilegeIds();
    const groups = [...new Set(ids.map((id) => splitPrivilege(id)[0]).filter((group) => group !== ''))].sort();
    const element = (key: string): ElementDescription => ({ _type: 'ElementDescription', key, label: key, summary: key });
    return { _type: 'AuthorizationDescription', privilege: ids.map(element), privilegeGroup: groups.map(element) };
  }

  /** Entities must exist for the asking session; privileges here do not depend on which one. */
  private checkEntities(entities: readonly ManagedObjectReference[], session: Session | undefined): void {
    for (const entity of entities) {
      if (!this.deps.registry.get(entity)?.visibleTo(session)) throw new ManagedObjectNotFound(entity);
    }
  }

  private sessionFor(sessionId: string): Session {
    const session = this.deps.sessionByKey(sessionId);
    if (!session) throw new InvalidArgument('sessionId', `No session with key '${sessionId}' exists.`);
    return session;
  }

  private hasPrivilegeOnEntities(args: HasPrivilegeOnEntitiesArgs): EntityPrivilege[] {
    const session = this.sessionFor(args.sessionId);
    this.checkEntities(args.entity, session);
    const privIds = args.privId ?? [];
    return args.entity.map((entity) => ({
      _type: 'EntityPrivilege',
      entity,
      privAvailability: privIds.map((privId) => ({ _type: 'PrivilegeAvailability', privId, isGranted: grants(session.privileges, privId) })),
    }));
  }

  private hasPrivilegeOnEntity(args: HasPrivilegeOnEntityArgs): boolean[] {
    const session = this.sessionFor(args.sessionId);
    this.checkEntities([args.entity], session);
    return (args.privId ?? []).map((privId) => grants(session.privileges, privId));
  }

  private fetchUserPrivileges(ctx: CallContext, args: FetchUserPrivilegeOnEntitiesArgs): UserPrivilegeResult[] {
    const principal = this.deps.users.principal(args.userName);
    if (!principal) throw new InvalidArgument('userName', `No user '${args.userName}' is known.`);
    this.checkEntities(args.entities, ctx.session);
    const held = this.privilegeIds().filter((id) => grants(principal.privileges, id));
    return args.entities.map((entity) => ({ _type: 'UserPrivilegeResult', entity, privileges: held }));
  }
}

function privilege(privId: string): AuthorizationPrivilege {
  const [privGroupName, name] = splitPrivilege(privId);
  return { _type: 'AuthorizationPrivilege', privId, onParent: false, name, privGroupName };
}
