import { sql, type Selectable, type Transaction } from 'kysely';
import { withTenant, type Database } from '../db/database.ts';
import { createDomainContext, type DomainContext } from '../domain/context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import type { Logger } from '../logger.ts';
import {
  connectionConnected,
  connectionDegraded,
  connectionDisconnected,
  connectionNeedsReauth,
  connectionRecovered,
  connectionRetryRequested,
  providerLabels,
  type ConnectionDto,
  type ListConnectionsInput,
} from './contracts.ts';
import type { IntegrationConnectionsTable, IntegrationsDB, StoredCredentials } from './db.ts';
import type { BreakerSnapshot, CallOutcome, ConnectionHealthStore, ConnectionRef, ProviderId, WebhookTarget, WebhookTargetResolver } from './ports.ts';
import type { Vault } from './vault.ts';

/**
 * The connections registry (§7): one row per external account of a tenant with its health. The
 * row's secrets (credentials, webhook secrets) are vault ciphertexts bound to tenant + connection
 * and never leave this package's services except decrypted for the adapter that calls out.
 */

type ConnectionRow = Selectable<IntegrationConnectionsTable>;

const CONNECTIONS = 'platform.integration_connections' as const;

/** Every column but the ciphertexts: what a DTO or an event may be built from. */
const publicColumns = [
  'id',
  'tenant_id',
  'provider',
  'account_label',
  'external_account_id',
  'owner_user_id',
  'scopes',
  'status',
  'last_success_at',
  'last_error_message',
  'last_error_code',
  'last_error_at',
  'consecutive_failures',
  'next_retry_at',
  'breaker_state',
  'breaker_opened_at',
  'token_expires_at',
  'created_at',
  'updated_at',
  'disconnected_at',
] as const;

type PublicRow = Pick<ConnectionRow, (typeof publicColumns)[number]> & { webhook_configured: boolean };

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toConnectionDto(row: PublicRow): ConnectionDto {
  return {
    id: row.id,
    provider: row.provider,
    providerLabel: providerLabels[row.provider],
    accountLabel: row.account_label,
    ownerUserId: row.owner_user_id,
    scopes: row.scopes,
    status: row.status,
    lastSuccessAt: iso(row.last_success_at),
    lastError:
      row.last_error_message && row.last_error_at ? { message: row.last_error_message, code: row.last_error_code, at: row.last_error_at.toISOString() } : null,
    consecutiveFailures: row.consecutive_failures,
    nextRetryAt: iso(row.next_retry_at),
    breaker: { state: row.breaker_state, openedAt: iso(row.breaker_opened_at) },
    webhookConfigured: row.webhook_configured,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    disconnectedAt: iso(row.disconnected_at),
  };
}

function connections(ctx: Pick<DomainContext, 'db'>) {
  return ctx.db<IntegrationsDB>().selectFrom(CONNECTIONS).select(publicColumns).select(sql<boolean>`cardinality(webhook_secrets) > 0`.as('webhook_configured'));
}

async function findConnection(ctx: Pick<DomainContext, 'db'>, id: string, lock = false): Promise<PublicRow> {
  const query = connections(ctx).where('id', '=', id);
  const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
  if (!row) throw new NotFoundError('Connection', id);
  return row;
}

function eventBase(row: Pick<PublicRow, 'id' | 'provider' | 'account_label'>) {
  return { connection_id: row.id, provider: row.provider, account_label: row.account_label };
}

export async function listConnections(ctx: DomainContext, input: ListConnectionsInput): Promise<{ items: ConnectionDto[] }> {
  let query = connections(ctx);
  if (input.provider) query = query.where('provider', '=', input.provider);
  if (!input.includeDisconnected) query = query.where('disconnected_at', 'is', null);
  const rows = await query.orderBy('created_at').orderBy('id').limit(500).execute();
  return { items: rows.map(toConnectionDto) };
}

export async function getConnection(ctx: DomainContext, id: string): Promise<ConnectionDto> {
  return toConnectionDto(await findConnection(ctx, id));
}

/** Disconnects: the credentials and webhook secrets are erased, the row stays as history. */
export async function disconnectConnection(ctx: DomainContext, id: string): Promise<ConnectionDto> {
  const current = await findConnection(ctx, id, true);
  if (current.status === 'disconnected') return toConnectionDto(current);
  await ctx
    .db<IntegrationsDB>()
    .updateTable(CONNECTIONS)
    .set({
      status: 'disconnected',
      disconnected_at: new Date(),
      credentials: null,
      token_expires_at: null,
      webhook_secrets: [],
      next_retry_at: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
  await ctx.emit(connectionDisconnected, eventBase(current), { aggregateId: id });
  return toConnectionDto(await findConnection(ctx, id));
}

/** "Retry now": clears the wait and lets the breaker send one probe (half-open). */
export async function retryConnection(ctx: DomainContext, id: string): Promise<ConnectionDto> {
  const current = await findConnection(ctx, id, true);
  if (current.status === 'disconnected') throw new DomainError('PRECONDITION_FAILED', 'This connection is disconnected: connect the account again instead');
  if (current.status === 'needs_reauth') {
    throw new DomainError('PRECONDITION_FAILED', `${providerLabels[current.provider]} needs you to sign in again: use Reconnect instead of Retry`);
  }
  await ctx
    .db<IntegrationsDB>()
    .updateTable(CONNECTIONS)
    .set({
      next_retry_at: null,
      breaker_state: current.breaker_state === 'open' ? 'half_open' : current.breaker_state,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
  await ctx.emit(connectionRetryRequested, eventBase(current), { aggregateId: id });
  return toConnectionDto(await findConnection(ctx, id));
}

/** What a (re)connect writes: the connection row healthy again with fresh credentials. */
export interface ConnectedRow {
  id: string;
  /** An existing row (reconnect) is updated; otherwise one is created. */
  reconnected: boolean;
  provider: ProviderId;
  accountLabel: string;
  externalAccountId: string | null;
  ownerUserId: string | null;
  scopes: string[];
  /** Vault ciphertext bound to tenant + connection id. */
  credentials: string;
  tokenExpiresAt?: string | null;
}

/**
 * Marks a connection connected with fresh credentials (breaker closed, failures cleared), creating
 * the row when it is new, and emits `connection.connected` in the same transaction. Shared by the
 * OAuth flow and the password-style secret store.
 */
export async function writeConnected(ctx: DomainContext, row: ConnectedRow): Promise<void> {
  const db = ctx.db<IntegrationsDB>();
  const health = {
    status: 'connected' as const,
    credentials: row.credentials,
    ...(row.tokenExpiresAt !== undefined ? { token_expires_at: row.tokenExpiresAt } : {}),
    scopes: row.scopes,
    account_label: row.accountLabel,
    last_success_at: new Date(),
    consecutive_failures: 0,
    next_retry_at: null,
    breaker_state: 'closed' as const,
    breaker_opened_at: null,
    disconnected_at: null,
    updated_at: new Date(),
  };
  if (row.reconnected) {
    await db
      .updateTable(CONNECTIONS)
      .set({ ...health, ...(row.externalAccountId ? { external_account_id: row.externalAccountId } : {}) })
      .where('id', '=', row.id)
      .execute();
  } else {
    await db
      .insertInto(CONNECTIONS)
      .values({
        id: row.id,
        tenant_id: ctx.tenantId,
        provider: row.provider,
        external_account_id: row.externalAccountId,
        owner_user_id: row.ownerUserId,
        created_at: new Date(),
        ...health,
      })
      .execute();
  }
  await ctx.emit(
    connectionConnected,
    { connection_id: row.id, provider: row.provider, account_label: row.accountLabel, scopes: row.scopes, reconnected: row.reconnected },
    { aggregateId: row.id },
  );
}

export interface OAuthConnectionInput {
  provider: ProviderId;
  accountLabel: string;
  externalAccountId: string | null;
  ownerUserId: string | null;
  scopes: string[];
  credentials: StoredCredentials;
  /** The connection being reconnected, when the flow started from Reconnect. */
  connectionId: string | null;
}

/**
 * Stores a completed OAuth connect: updates the connection being reconnected (or the live one of
 * the same provider account), else creates one; the tokens go into the vault; one event.
 */
export async function saveOAuthConnection(ctx: DomainContext, vault: Vault, input: OAuthConnectionInput): Promise<ConnectionDto> {
  let existing: PublicRow | undefined;
  if (input.connectionId) {
    existing = await connections(ctx).where('id', '=', input.connectionId).where('provider', '=', input.provider).forUpdate().executeTakeFirst();
    if (!existing) throw new NotFoundError('Connection', input.connectionId);
  } else if (input.externalAccountId) {
    existing = await connections(ctx)
      .where('provider', '=', input.provider)
      .where('external_account_id', '=', input.externalAccountId)
      .where('disconnected_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
  }
  const id = existing?.id ?? uuidv7();
  const ciphertext = vault.encrypt(JSON.stringify(input.credentials), { tenantId: ctx.tenantId, subjectId: id });
  await writeConnected(ctx, {
    id,
    reconnected: existing !== undefined,
    provider: input.provider,
    accountLabel: input.accountLabel,
    externalAccountId: input.externalAccountId,
    ownerUserId: input.ownerUserId,
    scopes: input.scopes,
    credentials: ciphertext,
    tokenExpiresAt: input.credentials.expiresAt,
  });
  return toConnectionDto(await findConnection(ctx, id));
}

/** Sets a connection's webhook signing secrets (several while a provider key rotates), vault-encrypted. */
export async function setWebhookSecrets(ctx: DomainContext, vault: Vault, connectionId: string, secrets: readonly string[]): Promise<void> {
  await findConnection(ctx, connectionId, true);
  await ctx
    .db<IntegrationsDB>()
    .updateTable(CONNECTIONS)
    .set({
      webhook_secrets: secrets.map((secret) => vault.encrypt(secret, { tenantId: ctx.tenantId, subjectId: connectionId })),
      updated_at: new Date(),
    })
    .where('id', '=', connectionId)
    .execute();
}

/** Moves a connection to needs_reauth (once) with its event, in the caller's transaction. */
export async function markNeedsReauth(ctx: DomainContext, connectionId: string, reason: string, code: string | null): Promise<boolean> {
  const updated = await ctx
    .db<IntegrationsDB>()
    .updateTable(CONNECTIONS)
    .set({ status: 'needs_reauth', last_error_message: reason, last_error_code: code, last_error_at: new Date(), next_retry_at: null, updated_at: new Date() })
    .where('id', '=', connectionId)
    .where('status', 'not in', ['needs_reauth', 'disconnected'])
    .returning(['id', 'provider', 'account_label'])
    .executeTakeFirst();
  if (!updated) return false;
  await ctx.emit(connectionNeedsReauth, { ...eventBase(updated), reason }, { aggregateId: connectionId });
  return true;
}

// ---------------------------------------------------------------- kernel ports on the row

export interface RegistryDeps {
  db: Database;
  log: Logger;
}

/** A DomainContext for system work on one tenant's connection (no acting user). */
export function systemContext(deps: RegistryDeps, trx: Transaction<IntegrationsDB>, tenantId: string, correlationId: string): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId, log: deps.log });
}

/**
 * The circuit breaker and call outcomes on the connection row: a breaker that opens degrades a
 * connected account (event), the next success makes it connected again (event). needs_reauth and
 * disconnected are left alone: only a reconnect clears them.
 */
export function createConnectionHealthStore(deps: RegistryDeps): ConnectionHealthStore {
  return {
    async breaker(ref: ConnectionRef): Promise<BreakerSnapshot> {
      const row = await withTenant<
        IntegrationsDB,
        { breaker_state: BreakerSnapshot['state']; consecutive_failures: number; breaker_opened_at: Date | null } | undefined
      >(deps.db, { tenantId: ref.tenantId }, (trx) =>
        trx
          .selectFrom(CONNECTIONS)
          .select(['breaker_state', 'consecutive_failures', 'breaker_opened_at'])
          .where('id', '=', ref.connectionId)
          .executeTakeFirst(),
      );
      if (!row) throw new NotFoundError('Connection', ref.connectionId);
      return { state: row.breaker_state, consecutiveFailures: row.consecutive_failures, openedAt: row.breaker_opened_at };
    },
    async claimProbe(ref: ConnectionRef, expected: BreakerSnapshot, now: Date): Promise<boolean> {
      // One winner across processes: the breaker row moves only if it is still what the caller saw.
      if (expected.state === 'closed') return false;
      return withTenant<IntegrationsDB, boolean>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
        let query = trx
          .updateTable(CONNECTIONS)
          .set({ breaker_state: 'half_open', breaker_opened_at: now, updated_at: new Date() })
          .where('id', '=', ref.connectionId)
          .where('breaker_state', '=', expected.state);
        query = expected.openedAt ? query.where('breaker_opened_at', '=', expected.openedAt) : query.where('breaker_opened_at', 'is', null);
        const claimed = await query.returning('id').executeTakeFirst();
        return claimed !== undefined;
      });
    },
    async record(ref: ConnectionRef, outcome: CallOutcome, breaker: BreakerSnapshot): Promise<void> {
      await withTenant<IntegrationsDB, void>(deps.db, { tenantId: ref.tenantId }, async (trx) => {
        const ctx = systemContext(deps, trx, ref.tenantId, `integrations:health:${ref.connectionId}`);
        const row = await trx
          .selectFrom(CONNECTIONS)
          .select(['id', 'provider', 'account_label', 'status'])
          .where('id', '=', ref.connectionId)
          .forUpdate()
          .executeTakeFirst();
        if (!row) throw new NotFoundError('Connection', ref.connectionId);
        const breakerColumns = { breaker_state: breaker.state, breaker_opened_at: breaker.openedAt, consecutive_failures: breaker.consecutiveFailures };
        if (outcome.outcome === 'success') {
          const recovering = row.status === 'degraded';
          await trx
            .updateTable(CONNECTIONS)
            .set({
              ...breakerColumns,
              last_success_at: new Date(),
              next_retry_at: null,
              ...(recovering || row.status === 'syncing' ? { status: 'connected' as const } : {}),
              updated_at: new Date(),
            })
            .where('id', '=', ref.connectionId)
            .execute();
          if (recovering) await ctx.emit(connectionRecovered, eventBase(row), { aggregateId: row.id });
          return;
        }
        const degrading = breaker.state === 'open' && (row.status === 'connected' || row.status === 'syncing');
        await trx
          .updateTable(CONNECTIONS)
          .set({
            ...breakerColumns,
            last_error_message: outcome.message.slice(0, 1000),
            last_error_code: outcome.providerCode ?? null,
            last_error_at: new Date(),
            next_retry_at: outcome.retryAt ?? null,
            ...(degrading ? { status: 'degraded' as const } : {}),
            updated_at: new Date(),
          })
          .where('id', '=', ref.connectionId)
          .execute();
        if (degrading) {
          await ctx.emit(
            connectionDegraded,
            {
              ...eventBase(row),
              error_message: outcome.message.slice(0, 1000),
              error_code: outcome.providerCode ?? null,
              consecutive_failures: breaker.consecutiveFailures,
            },
            { aggregateId: row.id },
          );
        }
      });
    },
  };
}

/**
 * Webhook ingress's lookup by the URL's provider and connection id, across tenants (a SECURITY
 * DEFINER function, §4), returning the tenant and the decrypted signing secrets.
 */
export function createWebhookTargetResolver(deps: { db: Database; vault: Vault; log?: Logger }): WebhookTargetResolver {
  return {
    async resolve(provider: ProviderId, connectionId: string): Promise<WebhookTarget | null> {
      if (!/^[0-9a-f-]{36}$/i.test(connectionId)) return null;
      const result = await sql<{ tenant_id: string; connection_id: string; provider: ProviderId; webhook_secrets: string[] }>`
        SELECT * FROM platform.integration_webhook_target(${provider}, ${connectionId}::uuid)`.execute(deps.db.kysely);
      const row = result.rows[0];
      if (!row) return null;
      const subject = { tenantId: row.tenant_id, subjectId: row.connection_id };
      const secrets: string[] = [];
      for (const ciphertext of row.webhook_secrets) {
        try {
          secrets.push(deps.vault.decrypt(ciphertext, subject));
        } catch (error) {
          // An unreadable secret verifies nothing; the message names no secret.
          deps.log?.warn({ connectionId: row.connection_id, reason: error instanceof Error ? error.message : 'unknown' }, 'webhook secret does not decrypt');
        }
      }
      return { tenantId: row.tenant_id, connectionId: row.connection_id, provider: row.provider, secrets };
    },
  };
}
