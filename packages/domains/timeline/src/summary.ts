import {
  connectionConnected,
  connectionDegraded,
  connectionDisconnected,
  connectionNeedsReauth,
  connectionRecovered,
  connectionRetryRequested,
  oauthStarted,
  providerLabels,
  type EventContract,
  type EventEnvelope,
} from '@ubos/platform';
import * as identity from '@ubos/identity/contracts';
import { z } from 'zod';

const uuid = z.uuid();

/** What the timeline stores for one event, derived from the envelope alone. */
export interface Activity {
  type: string;
  eventVersion: number;
  actorId: string | null;
  entityType: string | null;
  entityId: string | null;
  clientId: string | null;
  summary: string;
  payload: Record<string, unknown>;
  correlationId: string;
  occurredAt: string;
}

function asUuid(value: unknown): string | null {
  return typeof value === 'string' && uuid.safeParse(value).success ? value : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.trim().length > 0) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * The client an event concerns, when it says: a client aggregate (`crm.client`), or the payload's
 * `client_id` (payloads are snake_case, ARCHITECTURE.md §5). Read from the envelope alone, for any
 * event type, old aggregate spellings included (they never named a client aggregate).
 */
export function clientIdOf(event: Pick<EventEnvelope, 'aggregate_type' | 'aggregate_id' | 'payload'>): string | null {
  if (event.aggregate_type?.endsWith('.client')) {
    const fromAggregate = asUuid(event.aggregate_id);
    if (fromAggregate) return fromAggregate;
  }
  return asUuid(event.payload.client_id);
}

const words = (segment: string) => segment.replace(/[_-]+/g, ' ');

/** A label for the thing the event is about, from the usual payload fields. */
function labelOf(payload: Record<string, unknown>): string | null {
  for (const key of ['name', 'title', 'subject', 'number', 'email', 'fileName', 'filename']) {
    const value = text(payload[key]);
    if (value) return value.length > 120 ? `${value.slice(0, 117)}...` : value;
  }
  return null;
}

/** A summary line for one event type, reading the payload through that type's contract. */
interface Template {
  type: string;
  line(payload: Record<string, unknown>): string | null;
}

function template<Payload extends Record<string, unknown>>(contract: EventContract<string, Payload>, line: (payload: Payload) => string | null): Template {
  return {
    type: contract.type,
    line(payload) {
      const parsed = contract.payload.safeParse(payload);
      // A payload the contract rejects gets the generic line.
      return parsed.success ? line(parsed.data) : null;
    },
  };
}

// Identity's events at their current version, v2 (snake_case); the runner upcasts v1 before the handler sees it.
const templates: readonly Template[] = [
  template(identity.userCreated, (p) => (text(p.name) ? `User ${text(p.name)} signed up${text(p.email) ? ` (${text(p.email)})` : ''}` : null)),
  template(identity.organizationCreated, (p) => (text(p.name) ? `Organization ${text(p.name)} created` : null)),
  template(identity.memberInvited, (p) => (text(p.email) ? `${text(p.email)} invited as ${text(p.role) ?? 'member'}` : null)),
  template(identity.memberJoined, (p) => `A member joined as ${text(p.role) ?? 'member'}${text(p.via) ? ` (${words(p.via)})` : ''}`),
  template(identity.memberRoleChanged, (p) => `A member's role changed from ${text(p.previous_role) ?? '?'} to ${text(p.role) ?? '?'}`),
  template(identity.memberRemoved, () => 'A member was removed'),
  template(identity.invitationRevoked, (p) => (text(p.email) ? `Invitation for ${text(p.email)} revoked` : null)),
  // The kernel's integrations registry (§7): the provider's name, the account, what happened.
  template(connectionConnected, (p) => `${providerLabels[p.provider]} ${p.reconnected ? 'reconnected' : 'connected'}: ${p.account_label}`),
  template(connectionNeedsReauth, (p) => `${providerLabels[p.provider]} needs reconnecting: ${p.account_label}`),
  template(connectionDisconnected, (p) => `${providerLabels[p.provider]} disconnected: ${p.account_label}`),
  template(connectionDegraded, (p) => `${providerLabels[p.provider]} is failing (${p.account_label}): ${p.error_message}`),
  template(connectionRecovered, (p) => `${providerLabels[p.provider]} works again: ${p.account_label}`),
  template(connectionRetryRequested, (p) => `Retry requested for ${providerLabels[p.provider]}: ${p.account_label}`),
  template(oauthStarted, (p) => `Started ${p.connection_id ? 'reconnecting' : 'connecting'} ${providerLabels[p.provider]}`),
];
const specific = new Map(templates.map((entry) => [entry.type, entry]));

/**
 * A human-readable line built from the type and payload: a specific template when one exists,
 * else "<Entity> <verb>: <label>", e.g. crm.client.created {name: 'Acme'} -> "Client created: Acme".
 */
export function summarize(type: string, payload: Record<string, unknown>): string {
  const custom = specific.get(type)?.line(payload);
  if (custom) return custom;
  const segments = type.split('.');
  const verb = words(segments.at(-1) ?? 'happened');
  const entity = words(segments.slice(1, -1).join(' ')) || words(segments[0] ?? 'event');
  const head = `${entity.charAt(0).toUpperCase()}${entity.slice(1)} ${verb}`;
  const label = labelOf(payload);
  return label ? `${head}: ${label}` : head;
}

export function activityOf(event: EventEnvelope): Activity {
  return {
    type: event.type,
    eventVersion: event.version,
    actorId: event.actor_id,
    entityType: event.aggregate_type,
    entityId: event.aggregate_id,
    clientId: clientIdOf(event),
    summary: summarize(event.type, event.payload),
    payload: event.payload,
    correlationId: event.correlation_id,
    occurredAt: event.occurred_at,
  };
}
