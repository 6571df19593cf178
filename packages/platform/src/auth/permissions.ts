/**
 * THE permission matrix: every fine-grained permission and the roles that hold it.
 * The procedure guard reads this file (plus per-tenant overrides stored by identity).
 * Add a permission here before a procedure may declare it.
 */
export const roles = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

const everyone: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];
const staff: readonly Role[] = ['owner', 'admin', 'member'];
const managers: readonly Role[] = ['owner', 'admin'];
const owners: readonly Role[] = ['owner'];

export const permissionMatrix = {
  // identity
  'identity.organization.read': everyone,
  'identity.organization.manage': owners,
  'identity.member.read': everyone,
  'identity.member.invite': managers,
  'identity.member.manage': managers,
  'identity.role.manage': owners,
  // platform operations (dead letters, replay)
  'platform.events.admin': managers,
  // timeline
  'timeline.read': everyone,
  // crm
  'crm.client.read': everyone,
  'crm.client.write': staff,
  'crm.contact.read': everyone,
  'crm.contact.write': staff,
  'crm.deal.read': everyone,
  'crm.deal.write': staff,
  'crm.record.merge': managers,
  'crm.import.run': staff,
  'crm.export.run': staff,
  'crm.settings.manage': managers,
  // projects
  'projects.project.read': everyone,
  'projects.project.write': staff,
  'projects.task.write': staff,
  'projects.template.manage': managers,
  // search
  'search.query': everyone,
  'search.admin': managers,
  // workflow
  'workflow.definition.read': everyone,
  'workflow.definition.write': managers,
  'workflow.run.read': everyone,
  'workflow.run.manage': managers,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissionMatrix;

export const allPermissions = Object.keys(permissionMatrix) as Permission[];

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(permissionMatrix, value);
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return (permissionMatrix[permission] as readonly Role[]).includes(role);
}

export function permissionsForRole(role: Role): Permission[] {
  return allPermissions.filter((permission) => roleHasPermission(role, permission));
}

/** Procedure-level access declaration: a permission, or one of the two non-tenant levels. */
export type Access = Permission | 'public' | 'authenticated';
