import { sql } from 'kysely';
import { withTenant, type Database } from '../db/database.ts';
import { uuidv7 } from '../ids.ts';
import { writeEvent } from '../events/outbox.ts';
import type { ProviderId, VerifiedWebhookEvent, WebhookTarget } from '../integrations/ports.ts';
import { webhookReceived } from './contracts.ts';

/** Headers never stored with a delivery: credentials and shared channel tokens. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-goog-channel-token', 'x-api-key']);

export function storableHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !SECRET_HEADERS.has(name.toLowerCase())) kept[name.toLowerCase()] = value;
  return kept;
}

/** The raw body with every occurrence of an active secret blanked (Graph puts its clientState in the body). */
export function redactSecrets(raw: Buffer, secrets: readonly string[]): Buffer {
  let body = raw;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const needle = Buffer.from(secret);
    let index = body.indexOf(needle);
    if (index < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (index >= 0) {
      parts.push(body.subarray(from, index), Buffer.from('[redacted]'));
      from = index + needle.length;
      index = body.indexOf(needle, from);
    }
    parts.push(body.subarray(from));
    body = Buffer.concat(parts);
  }
  return body;
}

function deepRedact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return secrets.some((secret) => secret.length >= 4 && value.includes(secret)) ? '[redacted]' : value;
  if (Array.isArray(value)) return value.map((item) => deepRedact(item, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepRedact(item, secrets)]));
  return value;
}

export interface StoreDeliveryInput {
  target: WebhookTarget;
  events: readonly VerifiedWebhookEvent[];
  rawBody: Buffer;
  headers: Readonly<Record<string, string | undefined>>;
  correlationId: string;
}

export interface StoredDelivery {
  deliveryId: string;
  providerEventId: string;
}

/**
 * Stores a verified delivery's events once each (INSERT … ON CONFLICT DO NOTHING on the provider's
 * event id) and, in the same transaction and only for the rows it inserted, emits
 * `platform.integrations.webhook.received`. Returns what was new; a redelivery returns [].
 */
export async function storeWebhookDelivery(db: Database, input: StoreDeliveryInput): Promise<StoredDelivery[]> {
  const { target } = input;
  if (input.events.length === 0) return [];
  const headers = JSON.stringify(storableHeaders(input.headers));
  const rawBody = redactSecrets(input.rawBody, target.secrets);
  return withTenant(db, { tenantId: target.tenantId }, async (trx) => {
    const stored: StoredDelivery[] = [];
    for (const event of input.events) {
      const id = uuidv7();
      const payload = deepRedact(event.payload ?? {}, target.secrets);
      const inserted = await sql<{ id: string }>`
        INSERT INTO platform.webhook_deliveries (id, tenant_id, connection_id, provider, provider_event_id, event_type, payload, raw_body, headers)
        VALUES (${id}::uuid, ${target.tenantId}::uuid, ${target.connectionId}::uuid, ${target.provider}, ${event.providerEventId}, ${event.eventType},
                ${JSON.stringify(payload)}::jsonb, ${rawBody}, ${headers}::jsonb)
        ON CONFLICT (tenant_id, provider, provider_event_id) DO NOTHING
        RETURNING id`.execute(trx);
      if (inserted.rows.length === 0) continue;
      const needsRefetch = typeof payload === 'object' && payload !== null && (payload as Record<string, unknown>).needs_refetch === true;
      await writeEvent(
        trx,
        webhookReceived,
        {
          provider: target.provider,
          connection_id: target.connectionId,
          delivery_id: id,
          provider_event_id: event.providerEventId,
          event_type: event.eventType,
          needs_refetch: needsRefetch,
        },
        { tenantId: target.tenantId, actorId: null, correlationId: input.correlationId, aggregateId: id },
      );
      stored.push({ deliveryId: id, providerEventId: event.providerEventId });
    }
    return stored;
  });
}

export interface WebhookDelivery {
  id: string;
  tenantId: string;
  connectionId: string;
  provider: ProviderId;
  providerEventId: string;
  eventType: string;
  payload: unknown;
  rawBody: Buffer;
  headers: Record<string, string>;
  receivedAt: Date;
}

/** One stored delivery of the current tenant (the handler of webhook.received reads it), or null. */
export async function readWebhookDelivery(db: Database, tenantId: string, deliveryId: string): Promise<WebhookDelivery | null> {
  return withTenant(db, { tenantId }, async (trx) => {
    const result = await sql<{
      id: string;
      tenant_id: string;
      connection_id: string;
      provider: ProviderId;
      provider_event_id: string;
      event_type: string;
      payload: unknown;
      raw_body: Buffer;
      headers: Record<string, string>;
      received_at: Date;
    }>`SELECT * FROM platform.webhook_deliveries WHERE id = ${deliveryId}::uuid`.execute(trx);
    const row = result.rows[0];
    if (!row) return null;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      connectionId: row.connection_id,
      provider: row.provider,
      providerEventId: row.provider_event_id,
      eventType: row.event_type,
      payload: row.payload,
      rawBody: row.raw_body,
      headers: row.headers,
      receivedAt: row.received_at,
    };
  });
}
