import { UpcasterRegistry, readEnvelope, uuidv7 } from '@ubos/platform';
import { describe, expect, it } from 'vitest';
import { memberRoleChanged, memberRoleChangedV1, sessionSwitched } from '../src/contracts.ts';
import { identityModule } from '../src/module.ts';

/** Events already in an outbox were written as version 1 (camelCase): readers get version 2. */
describe('identity event versions', () => {
  const registry = new UpcasterRegistry(identityModule.upcasters);
  const envelope = (type: string, payload: Record<string, unknown>) => ({
    id: uuidv7(),
    tenant_id: uuidv7(),
    type,
    version: 1,
    payload,
    actor_id: null,
    aggregate_type: 'identity.membership',
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: 'c',
    causation_id: null,
  });

  it('upcasts a v1 role change to the v2 snake_case payload its contract accepts', () => {
    const v1 = { membershipId: uuidv7(), userId: uuidv7(), previousRole: 'member', role: 'admin', changedBy: uuidv7() };
    expect(memberRoleChangedV1.payload.parse(v1)).toEqual(v1);
    const read = readEnvelope(envelope(memberRoleChanged.type, v1), registry);
    expect(read.version).toBe(2);
    expect(memberRoleChanged.payload.parse(read.payload)).toEqual({
      membership_id: v1.membershipId,
      user_id: v1.userId,
      previous_role: 'member',
      role: 'admin',
      changed_by: v1.changedBy,
    });
  });

  it('keeps nulls through the upcast (organization switch from no organization)', () => {
    const userId = uuidv7();
    const read = readEnvelope(envelope(sessionSwitched.type, { userId, fromOrganizationId: null }), registry);
    expect(sessionSwitched.payload.parse(read.payload)).toEqual({ user_id: userId, from_organization_id: null });
  });

  it('publishes both versions of every event and writes only version 2', () => {
    const versions = new Map<string, number[]>();
    for (const contract of identityModule.events) versions.set(contract.type, [...(versions.get(contract.type) ?? []), contract.version].sort());
    // Events added after the switch to snake_case v2 payloads start at version 1 and have nothing to upcast.
    const introducedLater = new Set(['identity.password.reset_requested', 'identity.password.reset', 'identity.api_key.created', 'identity.api_key.revoked']);
    for (const [type, list] of versions) expect(list.join(), type).toBe(introducedLater.has(type) ? '1' : '1,2');
    expect(identityModule.upcasters.length).toBe(versions.size - introducedLater.size);
  });
});
