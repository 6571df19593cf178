import type { ColumnType } from 'kysely';
import type { Role } from '@ubos/platform';

/** A timestamp column the database fills by default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface TenantsTable {
  id: string;
  name: string;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  disabled_at: NullableTimestamp;
  password_changed_at: CreatedAt;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface SessionsTable {
  /** SHA-256 hex of the session token. */
  id: string;
  user_id: string;
  active_tenant_id: string | null;
  ttl_seconds: number;
  expires_at: Timestamp;
  created_at: CreatedAt;
  ip: string | null;
  user_agent: string | null;
  last_seen_at: NullableTimestamp;
}

export interface MembershipsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  role: Role;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface InvitationsTable {
  id: string;
  tenant_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface RolePermissionsTable {
  tenant_id: string;
  role: Role;
  permission: string;
  granted: boolean;
  updated_by: string | null;
  updated_at: CreatedAt;
}

export interface PasswordResetsTable {
  /** SHA-256 hex of the emailed token. */
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  requested_ip: string | null;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  /** SHA-256 hex of the whole secret (`ubos_…`). */
  secret_hash: string;
  secret_prefix: string;
  role: Role;
  /** null: every permission of the role; else only these. */
  permissions: string[] | null;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
}

/** Only the identity schema: a query into another domain's tables does not type-check. */
export interface IdentityDB {
  'identity.tenants': TenantsTable;
  'identity.users': UsersTable;
  'identity.sessions': SessionsTable;
  'identity.memberships': MembershipsTable;
  'identity.invitations': InvitationsTable;
  'identity.role_permissions': RolePermissionsTable;
  'identity.password_resets': PasswordResetsTable;
  'identity.api_keys': ApiKeysTable;
}
