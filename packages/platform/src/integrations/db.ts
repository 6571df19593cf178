import type { ColumnType, Generated } from 'kysely';
import type { BreakerState, ConnectionStatus, ProviderId } from './ports.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface IntegrationConnectionsTable {
  id: string;
  tenant_id: string;
  provider: ProviderId;
  account_label: string;
  external_account_id: string | null;
  owner_user_id: string | null;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<ConnectionStatus, ConnectionStatus | undefined, ConnectionStatus>;
  last_success_at: NullableTimestamp;
  last_error_message: string | null;
  last_error_code: string | null;
  last_error_at: NullableTimestamp;
  consecutive_failures: Generated<number>;
  next_retry_at: NullableTimestamp;
  breaker_state: ColumnType<BreakerState, BreakerState | undefined, BreakerState>;
  breaker_opened_at: NullableTimestamp;
  /** Vault ciphertexts. */
  webhook_secrets: ColumnType<string[], string[] | undefined, string[]>;
  /** Vault ciphertext of the StoredCredentials JSON. */
  credentials: string | null;
  token_expires_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  disconnected_at: NullableTimestamp;
}

export interface IntegrationOAuthStatesTable {
  state_hash: string;
  tenant_id: string;
  session_id: string;
  user_id: string;
  provider: ProviderId;
  connection_id: string | null;
  redirect_uri: string;
  /** Vault ciphertext of the PKCE verifier. */
  code_verifier: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
}

/** The registry's own tables (§4: the kernel's `platform` schema). */
export interface IntegrationsDB {
  'platform.integration_connections': IntegrationConnectionsTable;
  'platform.integration_oauth_states': IntegrationOAuthStatesTable;
}

/** What the vault keeps for an OAuth connection (one ciphertext). */
export interface StoredCredentials {
  accessToken: string;
  refreshToken: string | null;
  /** ISO time the access token expires, or null when the provider did not say. */
  expiresAt: string | null;
  tokenType: string;
}
