import { roles, type Permission, type PermissionCatalog, type Role } from '@ubos/platform';

export interface PermissionOverride {
  role: Role;
  permission: string;
  granted: boolean;
}

/** The one permission an owner can never lose: otherwise an organization could lock itself out. */
export const OWNER_LOCKED_PERMISSION: Permission = 'identity.role.manage';

export function isLockedGrant(role: Role, permission: Permission): boolean {
  return role === 'owner' && permission === OWNER_LOCKED_PERMISSION;
}

/** Effective permissions of a role in a tenant: the modules' default grants ± the tenant's overrides. */
export function effectivePermissions(catalog: PermissionCatalog, role: Role, overrides: readonly PermissionOverride[]): Set<Permission> {
  const effective = new Set<Permission>(catalog.forRole(role));
  for (const override of overrides) {
    if (override.role !== role || !catalog.has(override.permission)) continue; // stale rows are ignored
    if (override.granted) effective.add(override.permission);
    else effective.delete(override.permission);
  }
  if (role === 'owner') effective.add(OWNER_LOCKED_PERMISSION);
  return effective;
}

export interface MatrixEntry {
  permission: Permission;
  role: Role;
  granted: boolean;
  defaultGranted: boolean;
  overridden: boolean;
  editable: boolean;
}

export function effectiveMatrix(catalog: PermissionCatalog, overrides: readonly PermissionOverride[]): MatrixEntry[] {
  const byRole = new Map<Role, Set<Permission>>(roles.map((role) => [role, effectivePermissions(catalog, role, overrides)]));
  const overridden = new Set(overrides.filter((override) => catalog.has(override.permission)).map((override) => `${override.role}:${override.permission}`));
  const entries: MatrixEntry[] = [];
  for (const permission of catalog.all()) {
    for (const role of roles) {
      entries.push({
        permission,
        role,
        granted: byRole.get(role)?.has(permission) ?? false,
        defaultGranted: catalog.roleHas(role, permission),
        overridden: overridden.has(`${role}:${permission}`) && !isLockedGrant(role, permission),
        editable: !isLockedGrant(role, permission),
      });
    }
  }
  return entries;
}
