import type { Subscription } from '@ubos/platform';
// Identity's published contracts by path: revenue has no package dependency on identity, and adding
// one would change the shared lockfile; the boundary check allows a domain's contracts file only.
import { memberJoined, memberRemoved, memberRoleChanged } from '../../identity/src/contracts.ts';
import type { BillsDB } from './db-bills.ts';
import * as repo from './repository-approvals.ts';

/**
 * Revenue's copy of who holds which role, from identity's membership events (ARCHITECTURE.md §4:
 * a domain keeps what its reads need from events): whom a role step reminds, and whose role a
 * delegate stands in for. In order per membership, so a removal never precedes its join.
 */
export const keepApproverDirectory: Subscription = {
  name: 'revenue.approver-directory',
  events: [memberJoined.type, memberRoleChanged.type, memberRemoved.type],
  ordered: true,
  async handle(event, ctx) {
    const db = ctx.db<BillsDB>();
    switch (event.type) {
      case memberJoined.type: {
        const payload = memberJoined.payload.parse(event.payload);
        await repo.upsertDirectoryMember(db, ctx.tenantId, payload.user_id, payload.role);
        return;
      }
      case memberRoleChanged.type: {
        const payload = memberRoleChanged.payload.parse(event.payload);
        await repo.upsertDirectoryMember(db, ctx.tenantId, payload.user_id, payload.role);
        return;
      }
      case memberRemoved.type: {
        const payload = memberRemoved.payload.parse(event.payload);
        await repo.removeDirectoryMember(db, payload.user_id);
        return;
      }
    }
  },
};

export const billsSubscriptions: readonly Subscription[] = [keepApproverDirectory];
