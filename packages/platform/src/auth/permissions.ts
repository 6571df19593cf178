/**
 * Roles and the permission mechanism. The permissions themselves are declared by each
 * domain module (`permissions` in defineDomain); the host builds one PermissionCatalog from
 * the module list, and the procedure guard, identity's effective-permission resolution and the
 * boot check read it. Adding a domain never edits this file.
 */
export const roles = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** The default grants a module gives its permissions (per-tenant overrides are identity's). */
export const grants = {
  everyone: ['owner', 'admin', 'member', 'viewer'],
  staff: ['owner', 'admin', 'member'],
  managers: ['owner', 'admin'],
  owners: ['owner'],
} as const satisfies Record<string, readonly Role[]>;

/** A permission name: `<domain>.<entity>.<verb>` or `<domain>.<verb>`, e.g. `crm.client.write`. */
export type Permission = string;

/** What a module declares: each permission and the roles that hold it by default. */
export type PermissionGrants = Readonly<Record<Permission, readonly Role[]>>;

export const permissionPattern = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*){1,2}$/;

/**
 * Declares a domain's permissions. Every name must start with `<domain>.`; the object is
 * returned as it is, so `typeof` it keeps the literal names.
 */
export function definePermissions<const Grants extends Record<string, readonly Role[]>>(domain: string, permissions: Grants): Grants {
  for (const [name, granted] of Object.entries(permissions)) {
    if (!permissionPattern.test(name) || !name.startsWith(`${domain}.`)) {
      throw new Error(`Permission "${name}" of module ${domain} must look like "${domain}.entity.verb"`);
    }
    for (const role of granted) if (!isRole(role)) throw new Error(`Permission "${name}" grants unknown role "${String(role)}"`);
  }
  return permissions;
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Every module's permissions in one lookup: built once by the host from the module list. */
export class PermissionCatalog {
  readonly #grants = new Map<Permission, readonly Role[]>();

  constructor(modules: readonly { name: string; permissions?: PermissionGrants | undefined }[]) {
    for (const module of modules) {
      for (const [permission, granted] of Object.entries(module.permissions ?? {})) {
        if (!permission.startsWith(`${module.name}.`)) throw new Error(`Module ${module.name} declares permission "${permission}" outside its name`);
        if (this.#grants.has(permission)) throw new Error(`Permission "${permission}" is declared twice`);
        this.#grants.set(permission, granted);
      }
    }
  }

  has(permission: string): boolean {
    return this.#grants.has(permission);
  }

  /** Every declared permission, in module order. */
  all(): Permission[] {
    return [...this.#grants.keys()];
  }

  /** Whether `role` holds `permission` by default (before a tenant's overrides). */
  roleHas(role: Role, permission: Permission): boolean {
    return this.#grants.get(permission)?.includes(role) ?? false;
  }

  /** The default permissions of a role. */
  forRole(role: Role): Permission[] {
    return this.all().filter((permission) => this.roleHas(role, permission));
  }
}

/**
 * Procedure-level access declaration: a permission, one of the two non-tenant levels, or
 * 'portal' (only a client portal session, scoped to its one client of one tenant; §3).
 */
export type Access = Permission | 'public' | 'authenticated' | 'portal';

/** The access levels that are not permissions of the matrix. */
export const accessLevels = ['public', 'authenticated', 'portal'] as const;
