import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import { delegationCreated, delegationRevoked, type CreateDelegationInput, type DelegationDto } from './contracts-bills.ts';
import type { ApprovalDelegationRow, BillsDB } from './db-bills.ts';
import * as repo from './repository-approvals.ts';

/**
 * Delegation when an approver is away (the approval engine, engine-approvals.ts, reads the active
 * ones when it finds a decider's seat): a record from member, to member, date range, revocable.
 */

function delegationDto(row: ApprovalDelegationRow): DelegationDto {
  return {
    id: row.id,
    fromMember: row.from_member,
    toMember: row.to_member,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    note: row.note,
    revoked: row.revoked_at !== null,
    createdAt: row.created_at,
  };
}

/** A member's approvals go to another member for a date range; managers may set one for anyone. */
export async function createDelegation(ctx: DomainContext, input: CreateDelegationInput, canManage: boolean): Promise<DelegationDto> {
  const actor = ctx.actorId;
  if (!actor) throw new DomainError('FORBIDDEN', 'A delegation is made by a signed-in member');
  const from = input.fromMember ?? actor;
  if (from !== actor && !canManage) throw new DomainError('FORBIDDEN', "Only owners and admins may delegate another member's approvals");
  if (from === input.toMember)
    throw new DomainError('BAD_REQUEST', 'A member cannot delegate to themselves', [{ path: ['toMember'], message: 'Choose someone else' }]);
  await ctx.requireReferences([
    { kind: 'identity.member', id: from, path: ['fromMember'], label: 'member delegating' },
    { kind: 'identity.member', id: input.toMember, path: ['toMember'], label: 'delegate' },
  ]);
  const row = await repo.insertDelegation(ctx.db<BillsDB>(), {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    from_member: from,
    to_member: input.toMember,
    starts_on: input.startsOn,
    ends_on: input.endsOn,
    note: input.note ?? null,
    created_by: actor,
  });
  await ctx.emit(
    delegationCreated,
    { delegation_id: row.id, from_member: row.from_member, to_member: row.to_member, starts_on: row.starts_on, ends_on: row.ends_on },
    { aggregateId: row.id },
  );
  return delegationDto(row);
}

export async function listDelegations(ctx: DomainContext, canManage: boolean): Promise<DelegationDto[]> {
  return (await repo.listDelegations(ctx.db<BillsDB>(), canManage ? null : ctx.actorId)).map(delegationDto);
}

export async function revokeDelegation(ctx: DomainContext, delegationId: string, canManage: boolean): Promise<DelegationDto> {
  const db = ctx.db<BillsDB>();
  const found = await repo.findDelegation(db, delegationId);
  if (!found || (!canManage && found.from_member !== ctx.actorId && found.to_member !== ctx.actorId)) throw new NotFoundError('Delegation', delegationId);
  const row = await repo.revokeDelegation(db, delegationId);
  if (!row) return delegationDto(found);
  await ctx.emit(delegationRevoked, { delegation_id: row.id, from_member: row.from_member, to_member: row.to_member }, { aggregateId: row.id });
  return delegationDto(row);
}
