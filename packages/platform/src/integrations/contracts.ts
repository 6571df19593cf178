import { z } from 'zod';
import { defineEvent } from '../events/envelope.ts';
import { connectionStatuses, providers } from './ports.ts';

/**
 * Contracts of the connections registry (§7): its events (snake_case payloads, never a secret),
 * procedure inputs and DTOs (camelCase, never a secret).
 */

export const providerSchema = z.enum(providers);
export const connectionStatusSchema = z.enum(connectionStatuses);

/** The providers connected through OAuth 2.0 authorization code + PKCE. */
export const oauthProviders = ['google', 'microsoft', 'quickbooks', 'xero', 'docusign', 'dropbox_sign', 'pandadoc'] as const;
export type OAuthProviderId = (typeof oauthProviders)[number];
export const oauthProviderSchema = z.enum(oauthProviders, { message: 'Choose one of the providers UBOS connects to with OAuth' });

export const providerLabels: Readonly<Record<(typeof providers)[number], string>> = {
  google: 'Google',
  microsoft: 'Microsoft 365',
  imap: 'IMAP mail',
  smtp: 'SMTP mail',
  caldav: 'CalDAV calendar',
  docusign: 'DocuSign',
  dropbox_sign: 'Dropbox Sign',
  pandadoc: 'PandaDoc',
  quickbooks: 'QuickBooks Online',
  xero: 'Xero',
};

// ---------------------------------------------------------------- events

const AGGREGATE = 'platform.integration_connection';

const connectionBase = {
  connection_id: z.uuid(),
  provider: providerSchema,
  account_label: z.string(),
};

export const connectionConnected = defineEvent({
  type: 'platform.integrations.connection.connected',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object({ ...connectionBase, scopes: z.array(z.string()), reconnected: z.boolean() }),
});

export const connectionNeedsReauth = defineEvent({
  type: 'platform.integrations.connection.needs_reauth',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object({ ...connectionBase, reason: z.string() }),
});

export const connectionDisconnected = defineEvent({
  type: 'platform.integrations.connection.disconnected',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object(connectionBase),
});

export const connectionDegraded = defineEvent({
  type: 'platform.integrations.connection.degraded',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object({
    ...connectionBase,
    error_message: z.string(),
    error_code: z.string().nullable(),
    consecutive_failures: z.number().int(),
  }),
});

export const connectionRecovered = defineEvent({
  type: 'platform.integrations.connection.recovered',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object(connectionBase),
});

export const connectionRetryRequested = defineEvent({
  type: 'platform.integrations.connection.retry_requested',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object(connectionBase),
});

/** A staff member started an OAuth connect (or reconnect); `connected` follows when the provider sends them back. */
export const oauthStarted = defineEvent({
  type: 'platform.integrations.oauth.started',
  version: 1,
  aggregateType: AGGREGATE,
  payload: z.object({ attempt_id: z.uuid(), provider: providerSchema, connection_id: z.uuid().nullable() }),
});

export const integrationEvents = [
  connectionConnected,
  connectionNeedsReauth,
  connectionDisconnected,
  connectionDegraded,
  connectionRecovered,
  connectionRetryRequested,
  oauthStarted,
] as const;

// ---------------------------------------------------------------- inputs

export const connectionIdInput = z.object({ id: z.uuid({ message: 'Not a connection id' }) });
export type ConnectionIdInput = z.infer<typeof connectionIdInput>;

export const listConnectionsInput = z
  .object({
    provider: providerSchema.optional(),
    /** Disconnected connections are history: shown only on request. */
    includeDisconnected: z.boolean().default(false),
  })
  .default({ includeDisconnected: false });
export type ListConnectionsInput = z.infer<typeof listConnectionsInput>;

export const startOAuthInput = z.object({
  provider: oauthProviderSchema,
  /** Reconnect this connection (needs_reauth) instead of adding one. */
  connectionId: z.uuid().optional(),
  /** Where the app runs (`window.location.origin`); used for the callback URL when PUBLIC_URL is not set. */
  origin: z.url({ message: 'Not a URL' }).optional(),
});
export type StartOAuthInput = z.infer<typeof startOAuthInput>;

// ---------------------------------------------------------------- DTOs

export const connectionDto = z.object({
  id: z.uuid(),
  provider: providerSchema,
  providerLabel: z.string(),
  accountLabel: z.string(),
  ownerUserId: z.uuid().nullable(),
  scopes: z.array(z.string()),
  status: connectionStatusSchema,
  lastSuccessAt: z.string().nullable(),
  lastError: z.object({ message: z.string(), code: z.string().nullable(), at: z.string() }).nullable(),
  consecutiveFailures: z.number().int(),
  nextRetryAt: z.string().nullable(),
  breaker: z.object({ state: z.enum(['closed', 'open', 'half_open']), openedAt: z.string().nullable() }),
  webhookConfigured: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  disconnectedAt: z.string().nullable(),
});
export type ConnectionDto = z.infer<typeof connectionDto>;

export const connectionListDto = z.object({ items: z.array(connectionDto) });

export const oauthProviderDto = z.object({
  provider: oauthProviderSchema,
  label: z.string(),
  /** A client id and secret are configured on this server. */
  configured: z.boolean(),
});
export type OAuthProviderDto = z.infer<typeof oauthProviderDto>;

export const startOAuthDto = z.object({ authorizeUrl: z.string(), expiresAt: z.string() });
export type StartOAuthDto = z.infer<typeof startOAuthDto>;
