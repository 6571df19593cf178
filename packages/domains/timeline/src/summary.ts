import type { EventEnvelope } from '@ubos/platform';
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

/** The client an event concerns, when it says: a client aggregate, or payload.client_id / clientId. */
export function clientIdOf(event: Pick<EventEnvelope, 'aggregate_type' | 'aggregate_id' | 'payload'>): string | null {
  const aggregate = event.aggregate_type ?? '';
  if (aggregate === 'client' || aggregate.endsWith('.client')) {
    const fromAggregate = asUuid(event.aggregate_id);
    if (fromAggregate) return fromAggregate;
  }
  return asUuid(event.payload.client_id) ?? asUuid(event.payload.clientId);
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

const specific: Record<string, (payload: Record<string, unknown>) => string | null> = {
  'identity.user.created': (p) => (text(p.name) ? `User ${text(p.name)} signed up${text(p.email) ? ` (${text(p.email)})` : ''}` : null),
  'identity.organization.created': (p) => (text(p.name) ? `Organization ${text(p.name)} created` : null),
  'identity.member.invited': (p) => (text(p.email) ? `${text(p.email)} invited as ${text(p.role) ?? 'member'}` : null),
  'identity.member.joined': (p) => `A member joined as ${text(p.role) ?? 'member'}${text(p.via) ? ` (${words(String(p.via))})` : ''}`,
  'identity.member.role_changed': (p) => `A member's role changed from ${text(p.previousRole) ?? '?'} to ${text(p.role) ?? '?'}`,
  'identity.member.removed': () => 'A member was removed',
  'identity.invitation.revoked': (p) => (text(p.email) ? `Invitation for ${text(p.email)} revoked` : null),
};

/**
 * A human-readable line built from the type and payload: a specific template when one exists,
 * else "<Entity> <verb>: <label>", e.g. crm.client.created {name: 'Acme'} -> "Client created: Acme".
 */
export function summarize(type: string, payload: Record<string, unknown>): string {
  const custom = specific[type]?.(payload);
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
