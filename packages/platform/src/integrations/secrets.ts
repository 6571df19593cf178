import type { Config } from '../config.ts';
import type { DomainContext } from '../domain/context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { ConnectionDto } from './contracts.ts';
import type { IntegrationsDB } from './db.ts';
import type { ProviderId } from './ports.ts';
import { disconnectConnection, getConnection, writeConnected } from './registry.ts';
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
      await writeConnected(ctx, {
        id,
        reconnected: existing !== undefined,
        provider: input.provider,
        accountLabel: input.accountLabel,
        externalAccountId: input.externalAccountId,
        ownerUserId: input.ownerUserId,
        scopes: [],
        credentials,
      });
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
