import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { activityOf, summarize } from '../src/summary.ts';

/** Client portal events read in words on the client's timeline, the portal user by name (through @ubos/portal/contracts). */
describe('portal summaries', () => {
  const user = { portal_user_id: uuidv7(), client_id: uuidv7(), contact_id: uuidv7(), name: 'Cleo Client', email: 'cleo@acme.test' };
  const approval = { approval_id: uuidv7(), client_id: user.client_id, title: 'Homepage design', kind: 'file' as const, file_id: uuidv7(), version: 2 };

  it('says who did what in the portal', () => {
    expect(summarize('portal.user.invited', { ...user, invited_by: uuidv7(), reinvited: false })).toBe(
      'Cleo Client invited to the client portal (cleo@acme.test)',
    );
    expect(summarize('portal.accessed', user)).toBe('Cleo Client signed in to the client portal');
    expect(summarize('portal.user.signed_out', { ...user, everywhere: true, sessions_ended: 3 })).toBe(
      'Cleo Client signed out of the client portal on every device',
    );
    expect(summarize('portal.user.revoked', { ...user, revoked_by: uuidv7(), sessions_ended: 1 })).toBe(
      "Cleo Client's client portal access revoked (1 session ended)",
    );
    expect(summarize('portal.approval.requested', { ...approval, version: 1, requested_by: uuidv7(), new_version: false })).toBe(
      'Approval requested from the client: "Homepage design"',
    );
    expect(summarize('portal.approval.requested', { ...approval, requested_by: null, new_version: true })).toBe(
      `Version 2 of "Homepage design" is waiting for the client's approval`,
    );
    const approved = { ...approval, decision: 'approved' as const, comment: null, portal_user_id: user.portal_user_id, portal_user_name: 'Cleo Client' };
    expect(summarize('portal.approval.submitted', approved)).toBe('Cleo Client approved "Homepage design" (version 2)');
    expect(summarize('portal.approval.submitted', { ...approved, decision: 'changes_requested', comment: 'Bigger logo' })).toBe(
      'Cleo Client asked for changes to "Homepage design" (version 2): Bigger logo',
    );
    expect(summarize('portal.client.notified', { client_id: user.client_id, subject: 'New files', path: '/portal/x/files', recipients: 2 })).toBe(
      'Client portal notice sent to 2 people: New files',
    );
  });

  it('files the decision under the client, with the portal user as actor', () => {
    const activity = activityOf({
      id: uuidv7(),
      tenant_id: uuidv7(),
      type: 'portal.approval.submitted',
      version: 1,
      payload: { ...approval, decision: 'approved', comment: null, portal_user_id: user.portal_user_id, portal_user_name: 'Cleo Client' },
      actor_id: user.portal_user_id,
      aggregate_type: 'portal.approval',
      aggregate_id: approval.approval_id,
      occurred_at: new Date().toISOString(),
      correlation_id: uuidv7(),
      causation_id: null,
    });
    expect(activity).toMatchObject({ clientId: user.client_id, actorId: user.portal_user_id, summary: 'Cleo Client approved "Homepage design" (version 2)' });
  });
});
