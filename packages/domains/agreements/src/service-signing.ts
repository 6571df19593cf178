import { createDomainContext, DomainError, withTenant, type Context, type DomainContext, type Transaction, type UntypedDB } from '@ubos/platform';
import { contractDeclined, contractSignerSigned, type SignInput, type SigningViewDto } from './contracts.ts';
import type { AgreementsDB, ContractRow, SignerRow } from './db.ts';
import * as repo from './repository.ts';
import { hashToken } from './service-contracts.ts';

/**
 * The public signing page (ARCHITECTURE.md §7 "tokens in links"): the token is the only
 * credential and names one signer of one contract. `view` reads (it records the first view in
 * the audit log, never consumes the link); `sign` and `decline` are mutations, each one
 * conditional UPDATE (repository.signSigner): a link signs once, in turn when the order is
 * sequential. The tenant comes from the token's hash through a SECURITY DEFINER lookup; the work
 * then runs inside that tenant's transaction.
 */

type SigningContext = Pick<Context, 'db' | 'log' | 'correlationId' | 'runtime' | 'rateLimiter' | 'ip' | 'userAgent'>;

const RATE_WINDOW_MS = 10 * 60_000;
const RATE_LIMIT = 300;
const INVALID_LINK = 'This signing link is not valid. Check that you copied all of it, or ask the sender for a new one.';

interface Resolved {
  domain: DomainContext;
  signer: SignerRow;
  contract: ContractRow;
  tokenHash: string;
}

/** Work done after the last signature commits: queue the sealing job (set by the host's tests or jobs). */
export type SealScheduler = (tenantId: string, contractId: string) => Promise<void>;

async function withSigner<T>(
  ctx: SigningContext,
  token: string,
  fn: (link: Resolved) => Promise<T>,
  afterCommit?: (task: () => Promise<void>) => void,
): Promise<T> {
  const limited = await ctx.rateLimiter.hit(`agreements.signing:${ctx.ip}`, RATE_LIMIT, RATE_WINDOW_MS);
  if (!limited.allowed) throw new DomainError('TOO_MANY_REQUESTS', 'Too many attempts from this address; wait a few minutes and try again');
  const tokenHash = hashToken(token);
  const found = await repo.signerByTokenHash(ctx.db.kysely, tokenHash);
  if (!found) throw new DomainError('NOT_FOUND', INVALID_LINK);
  return withTenant(ctx.db, { tenantId: found.tenant_id }, async (trx: Transaction<UntypedDB>) => {
    const domain = createDomainContext({
      trx,
      tenantId: found.tenant_id,
      actorId: null,
      correlationId: ctx.correlationId,
      causationId: null,
      log: ctx.log,
      services: ctx.runtime.services,
      ...(afterCommit ? { afterCommit } : {}),
    });
    const first = await repo.findSigner(domain.db<AgreementsDB>(), found.id);
    // The contract's row lock orders every signer's work on it; the signer is read again under it.
    const contract = first ? await repo.findContract(domain.db<AgreementsDB>(), first.contract_id, { forUpdate: true }) : undefined;
    const signer = contract ? await repo.findSigner(domain.db<AgreementsDB>(), found.id) : undefined;
    if (!signer || !contract) throw new DomainError('NOT_FOUND', INVALID_LINK);
    return fn({ domain, signer, contract, tokenHash });
  });
}

function closedReason(contract: ContractRow): string | null {
  switch (contract.status) {
    case 'voided':
      return 'This contract was withdrawn by the sender; there is nothing to sign.';
    case 'declined':
      return 'This contract was declined by a signer; there is nothing more to sign.';
    case 'signed':
      return 'Every signer has signed this contract. Thank you!';
    case 'expired':
      return 'This contract expired; ask the sender for a new one.';
    case 'draft':
      return 'This contract has not been sent yet.';
    default:
      return null;
  }
}

async function waitingReason(domain: DomainContext, signer: SignerRow, contract: ContractRow, signers: SignerRow[]): Promise<string | null> {
  if (signer.status === 'signed') return 'You have signed this contract. Thank you!';
  if (signer.status === 'declined') return 'You declined to sign this contract.';
  const closed = closedReason(contract);
  if (closed) return closed;
  if (!signer.token_expires_at || signer.token_expires_at <= new Date()) return 'This signing link has expired; ask the sender for a new one.';
  if (contract.signing_order === 'sequential') {
    const before = signers.find((s) => s.position < signer.position && s.status !== 'signed');
    if (before) return `${before.name} signs first; you will be able to sign once they have.`;
  }
  void domain;
  return null;
}

async function packetId(domain: DomainContext, contractId: string): Promise<string> {
  const packet = await repo.findPacketOf(domain.db<AgreementsDB>(), contractId);
  if (!packet) throw new DomainError('NOT_FOUND', INVALID_LINK);
  return packet.id;
}

export function viewSigning(ctx: SigningContext, token: string): Promise<SigningViewDto> {
  return withSigner(ctx, token, async ({ domain, signer, contract }) => {
    if (contract.status === 'draft' || !contract.document_hash) throw new DomainError('NOT_FOUND', INVALID_LINK);
    const db = domain.db<AgreementsDB>();
    const signers = await repo.findSigners(db, contract.id);
    // The first view is recorded (audit log); it changes nothing the link can do.
    if (!signer.viewed_at && signer.status === 'pending' && !closedReason(contract)) {
      const viewed = await repo.markSignerViewed(db, signer.id);
      if (viewed) {
        await repo.appendAudit(db, {
          tenantId: domain.tenantId,
          packetId: await packetId(domain, contract.id),
          type: 'viewed',
          actorName: signer.name,
          actorEmail: signer.email,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          data: { signer_id: signer.id },
        });
      }
    }
    const reason = await waitingReason(domain, signer, contract, signers);
    return {
      contractTitle: contract.title,
      status: contract.status,
      sections: contract.sections,
      documentHash: contract.document_hash,
      signer: { name: signer.name, email: signer.email, status: signer.status, position: signer.position },
      signers: signers.map((s) => ({ name: s.name, position: s.position, status: s.status })),
      signingOrder: contract.signing_order,
      canSign: reason === null,
      waitingReason: reason,
      expiresAt: signer.token_expires_at ?? new Date(0),
    };
  });
}

/**
 * Signs: consent and signature recorded by one conditional UPDATE under the contract's row lock
 * (so the last of several concurrent signers is seen exactly once). The last signature moves the
 * contract to `signed` with sealing `pending`, and the sealing job is queued after the commit.
 */
export function sign(ctx: SigningContext, input: SignInput, scheduleSeal: SealScheduler | null) {
  const tasks: (() => Promise<void>)[] = [];
  const run = withSigner(ctx, input.token, async ({ domain, signer, contract, tokenHash }) => {
    const db = domain.db<AgreementsDB>();
    const signed = await repo.signSigner(db, {
      signerId: signer.id,
      tokenHash,
      kind: input.signature.kind,
      text: input.signature.kind === 'typed' ? input.signature.text : null,
      image: input.signature.kind === 'drawn' ? input.signature.image : null,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    if (!signed) {
      const reason = await waitingReason(domain, signer, contract, await repo.findSigners(db, contract.id));
      throw new DomainError(signer.status === 'signed' ? 'CONFLICT' : 'PRECONDITION_FAILED', reason ?? 'This contract cannot be signed right now');
    }
    const packet = await packetId(domain, contract.id);
    const actor = { actorName: signed.name, actorEmail: signed.email, ip: ctx.ip, userAgent: ctx.userAgent };
    await repo.appendAudit(db, {
      tenantId: domain.tenantId,
      packetId: packet,
      type: 'consented',
      ...actor,
      data: { signer_id: signed.id, text: 'I agree to sign this document electronically.' },
    });
    await repo.appendAudit(db, {
      tenantId: domain.tenantId,
      packetId: packet,
      type: 'signed',
      ...actor,
      data: { signer_id: signed.id, signature_kind: signed.signature_kind, document_hash: contract.document_hash },
    });
    const remaining = (await repo.findSigners(db, contract.id)).filter((s) => s.status !== 'signed').length;
    const fields = {
      contract_id: contract.id,
      client_id: contract.client_id,
      contact_id: contract.contact_id,
      engagement_id: contract.engagement_id,
      proposal_id: contract.proposal_id,
      title: contract.title,
    };
    await domain.emit(contractSignerSigned, { ...fields, signer_id: signed.id, signer_name: signed.name, remaining }, { aggregateId: contract.id });
    let status: ContractRow['status'] = 'partially_signed';
    if (remaining === 0) {
      status = 'signed';
      await repo.updateContract(db, contract.id, { status: 'signed', signed_at: new Date(), seal_state: 'pending' });
      await repo.appendAudit(db, { tenantId: domain.tenantId, packetId: packet, type: 'completed', data: { document_hash: contract.document_hash } });
      if (scheduleSeal) tasks.push(() => scheduleSeal(domain.tenantId, contract.id));
    } else if (contract.status !== 'partially_signed') {
      await repo.updateContract(db, contract.id, { status: 'partially_signed' });
    }
    return { status: 'signed' as const, contractStatus: status, remaining };
  });
  return run.then(async (result) => {
    for (const task of tasks) {
      await task().catch((error: unknown) => ctx.log.warn({ err: error }, 'sealing job not queued; the sweeper will seal the contract'));
    }
    return result;
  });
}

export function decline(ctx: SigningContext, input: { token: string; reason: string | null }) {
  return withSigner(ctx, input.token, async ({ domain, signer, contract, tokenHash }) => {
    const db = domain.db<AgreementsDB>();
    const declined = await repo.declineSigner(db, { signerId: signer.id, tokenHash, reason: input.reason, ip: ctx.ip, userAgent: ctx.userAgent });
    if (!declined) {
      const reason = await waitingReason(domain, signer, contract, await repo.findSigners(db, contract.id));
      throw new DomainError('PRECONDITION_FAILED', reason ?? 'This contract cannot be declined right now');
    }
    const updated = await repo.updateContract(db, contract.id, { status: 'declined', declined_at: new Date() });
    await repo.appendAudit(db, {
      tenantId: domain.tenantId,
      packetId: await packetId(domain, contract.id),
      type: 'declined',
      actorName: declined.name,
      actorEmail: declined.email,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      data: { signer_id: declined.id, reason: input.reason },
    });
    await domain.emit(
      contractDeclined,
      {
        contract_id: updated.id,
        client_id: updated.client_id,
        contact_id: updated.contact_id,
        engagement_id: updated.engagement_id,
        proposal_id: updated.proposal_id,
        title: updated.title,
        signer_id: declined.id,
        signer_name: declined.name,
        reason: input.reason,
      },
      { aggregateId: updated.id },
    );
    return { status: 'declined' as const, contractStatus: updated.status, remaining: 0 };
  });
}
