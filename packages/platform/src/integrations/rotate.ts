import { sql } from 'kysely';
import { withTenant, type Database } from '../db/database.ts';
import type { IntegrationsDB } from './db.ts';
import type { Vault } from './vault.ts';

export interface RotationResult {
  tenants: number;
  /** Ciphertexts re-encrypted with the current key. */
  reencrypted: number;
  /** Ciphertexts no configured key opens (left as they are, counted). */
  unreadable: number;
}

/**
 * `pnpm ubos vault:rotate` (§7): re-encrypts every ciphertext written with an older key (one of
 * VAULT_KEYS) with the current VAULT_KEY, tenant by tenant under RLS, each tenant in one
 * transaction holding its rows' locks. Idempotent: a second run finds nothing to do.
 */
export async function rotateVault(db: Database, vault: Vault, onTenant?: (tenantId: string, reencrypted: number) => void): Promise<RotationResult> {
  const tenants = await sql<{ tenant_id: string }>`SELECT tenant_id FROM platform.integration_vault_tenants()`.execute(db.kysely);
  const result: RotationResult = { tenants: 0, reencrypted: 0, unreadable: 0 };
  for (const { tenant_id: tenantId } of tenants.rows) {
    result.tenants += 1;
    const counts = await withTenant<IntegrationsDB, { reencrypted: number; unreadable: number }>(db, { tenantId }, async (trx) => {
      let reencrypted = 0;
      let unreadable = 0;
      const redo = (ciphertext: string, subjectId: string): string => {
        if (!vault.isStale(ciphertext)) return ciphertext;
        try {
          const next = vault.reencrypt(ciphertext, { tenantId, subjectId });
          reencrypted += 1;
          return next;
        } catch {
          unreadable += 1;
          return ciphertext;
        }
      };
      const rows = await trx.selectFrom('platform.integration_connections').select(['id', 'credentials', 'webhook_secrets']).forUpdate().execute();
      for (const row of rows) {
        const credentials = row.credentials ? redo(row.credentials, row.id) : null;
        const secrets = row.webhook_secrets.map((secret) => redo(secret, row.id));
        if (credentials !== row.credentials || secrets.some((secret, index) => secret !== row.webhook_secrets[index])) {
          await trx.updateTable('platform.integration_connections').set({ credentials, webhook_secrets: secrets }).where('id', '=', row.id).execute();
        }
      }
      const states = await trx
        .selectFrom('platform.integration_oauth_states')
        .select(['state_hash', 'code_verifier'])
        .where('consumed_at', 'is', null)
        .forUpdate()
        .execute();
      for (const state of states) {
        const verifier = redo(state.code_verifier, `oauth_state:${state.state_hash}`);
        if (verifier !== state.code_verifier) {
          await trx.updateTable('platform.integration_oauth_states').set({ code_verifier: verifier }).where('state_hash', '=', state.state_hash).execute();
        }
      }
      return { reencrypted, unreadable };
    });
    result.reencrypted += counts.reencrypted;
    result.unreadable += counts.unreadable;
    onTenant?.(tenantId, counts.reencrypted);
  }
  return result;
}
