import type { Config } from '../config.ts';
import type { DomainContext } from '../domain/context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { connectionConnected, type ConnectionDto } from './contracts.ts';
import type { IntegrationsDB } from './db.ts';
import type { ProviderId } from './ports.ts';
import { disconnectConnection, getConnection } from './registry.ts';
import { VaultUnavailableError, vaultFromConfig, type Vault } from './vault.ts';

function requireVault(config: Config): Vault {
  try {
    return vaultFromConfig(config);
  } catch (error) {
    if (error instanceof VaultUnavailableError) throw new DomainError('PRECONDITION_FAILED', error.message);
    throw error;
  }
}

/**
 * Connections whose credentials are not OAuth tokens but a secret the person typed (an IMAP/SMTP
 * or CalDAV password, §7): the same registry row with health, the secret as a vault ciphertext
 * bound to tenant + connection, never in a DTO, event or log. Domains reach it through
 * `ctx.services.connections.secrets` / `JobContext.services.connections.secrets`.
 */
export interface SecretConnectionInput {
  provider: ProviderId;
  accountLabel: string;
  /** The provider account (one live connection per provider account and tenant). */
  externalAccountId: string;
  ownerUserId: string | null;
  /** Key/value secret (e.g. `{ password }`), stored encrypted. */
  secret: Readonly<Record<string, string>>;
}

export interface ConnectionSecretStore {
  /** Creates the connection (or reconnects the live one of the same provider account) with its secret; one event. */
  save(ctx: DomainContext, input: SecretConnectionInput): Promise<ConnectionDto>;
  /** The decrypted secret of a live connection; PRECONDITION_FAILED once disconnected. */
  read(ctx: DomainContext, connectionId: string): Promise<Record<string, string>>;
  get(ctx: DomainContext, connectionId: string): Promise<ConnectionDto>;
  /** Disconnects: the secret is erased, the row stays as history (with its event). */
  disconnect(ctx: DomainContext, connectionId: string): Promise<ConnectionDto>;
}

const CONNECTIONS = 'platform.integration_connections' as const;

export function createConnectionSecretStore(deps: { config: Config }): ConnectionSecretStore {
  return {
    async save(ctx, input) {
      const vault = requireVault(deps.config);
      const db = ctx.db<IntegrationsDB>();
      const existing = await db
        .selectFrom(CONNECTIONS)
        .select(['id'])
        .where('provider', '=', input.provider)
        .where('external_account_id', '=', input.externalAccountId)
        .where('disconnected_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      const id = existing?.id ?? uuidv7();
      const credentials = vault.encrypt(JSON.stringify(input.secret), { tenantId: ctx.tenantId, subjectId: id });
      const health = {
        status: 'connected' as const,
        credentials,
        account_label: input.accountLabel,
        last_success_at: new Date(),
        consecutive_failures: 0,
        next_retry_at: null,
        breaker_state: 'closed' as const,
        breaker_opened_at: null,
        disconnected_at: null,
        updated_at: new Date(),
      };
      if (existing) await db.updateTable(CONNECTIONS).set(health).where('id', '=', id).execute();
      else {
        await db
          .insertInto(CONNECTIONS)
          .values({
            id,
            tenant_id: ctx.tenantId,
            provider: input.provider,
            external_account_id: input.externalAccountId,
            owner_user_id: input.ownerUserId,
            created_at: new Date(),
            ...health,
          })
          .execute();
      }
      await ctx.emit(
        connectionConnected,
        { connection_id: id, provider: input.provider, account_label: input.accountLabel, scopes: [], reconnected: existing !== undefined },
        { aggregateId: id },
      );
      return getConnection(ctx, id);
    },
    async read(ctx, connectionId) {
      const row = await ctx.db<IntegrationsDB>().selectFrom(CONNECTIONS).select(['credentials', 'status']).where('id', '=', connectionId).executeTakeFirst();
      if (!row) throw new NotFoundError('Connection', connectionId);
      if (row.status === 'disconnected' || !row.credentials)
        throw new DomainError('PRECONDITION_FAILED', 'This account is disconnected: connect it again to use it');
      const plain = requireVault(deps.config).decrypt(row.credentials, { tenantId: ctx.tenantId, subjectId: connectionId });
      return JSON.parse(plain) as Record<string, string>;
    },
    get: (ctx, connectionId) => getConnection(ctx, connectionId),
    disconnect: (ctx, connectionId) => disconnectConnection(ctx, connectionId),
  };
}
