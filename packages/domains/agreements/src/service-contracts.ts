import { DomainError, hashLinkToken, newLinkToken, NotFoundError, sendSystemMail, uuidv7, type ActionRegistry, type DomainContext } from '@ubos/platform';
import {
  contractCreated,
  contractSent,
  contractVoided,
  type ContractDto,
  type ContractSummaryDto,
  type CreateContractFromProposalInput,
  type CreateContractInput,
  type ListContractsInput,
  type PacketDto,
  type Section,
  type SentContractDto,
  type SignerDto,
  type SignerInput,
} from './contracts.ts';
import type { AgreementsDB, AuditRow, ContractRow, SignerRow } from './db.ts';
import { contentHash, missingFields, renderSections } from './merge.ts';
import { pricingText, scheduleText } from './pricing.ts';
import * as repo from './repository.ts';
import { acceptedContent } from './service-proposals.ts';
import { usableTemplate } from './service-templates.ts';

/**
 * Contracts (ARCHITECTURE.md §4): standalone or from an accepted proposal (one live contract per
 * proposal, a partial unique index), with ordered signers. Sending fills the merge fields, freezes
 * the document with its SHA-256 (a trigger refuses later changes), opens the native signature
 * packet and makes one signing link per signer (256-bit token, only its SHA-256 stored).
 */

const db = (ctx: DomainContext) => ctx.db<AgreementsDB>();
export const SIGNING_LINK_DAYS = 30;

/** The stored form of a signing link's token (the kernel's link-token rule). */
export const hashToken = hashLinkToken;

export function signerDto(row: SignerRow): SignerDto {
  return {
    id: row.id,
    position: row.position,
    name: row.name,
    email: row.email,
    role: row.role,
    contactId: row.contact_id,
    status: row.status,
    viewedAt: row.viewed_at,
    signedAt: row.signed_at,
    declinedAt: row.declined_at,
    declineReason: row.decline_reason,
    tokenExpiresAt: row.token_expires_at,
    remindersSent: row.reminders_sent,
  };
}

/** Values every contract has besides its own: today and its title. */
function contractValues(row: ContractRow, today = new Date()): Record<string, string> {
  return { today: today.toISOString().slice(0, 10), 'contract.title': row.title, ...row.merge_values };
}

function summaryDto(row: ContractRow): ContractSummaryDto {
  return {
    id: row.id,
    clientId: row.client_id,
    contactId: row.contact_id,
    engagementId: row.engagement_id,
    proposalId: row.proposal_id,
    templateId: row.template_id,
    title: row.title,
    status: row.status,
    signingOrder: row.signing_order,
    reminderDays: row.reminder_days,
    documentHash: row.document_hash,
    sentAt: row.sent_at,
    signedAt: row.signed_at,
    declinedAt: row.declined_at,
    voidedAt: row.voided_at,
    voidReason: row.void_reason,
    sealState: row.seal_state,
    sealAttempts: row.seal_attempts,
    sealError: row.seal_error,
    sealedFileId: row.sealed_file_id,
    sealedSha256: row.sealed_sha256,
    sealedAt: row.sealed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function contractDto(ctx: DomainContext, row: ContractRow): Promise<ContractDto> {
  const signers = await repo.findSigners(db(ctx), row.id);
  let missing: string[] = [];
  if (!row.sent_at) {
    try {
      missing = missingFields(row.sections, contractValues(row));
    } catch {
      missing = [];
    }
  }
  return { ...summaryDto(row), sections: row.sections, mergeValues: row.merge_values, signers: signers.map(signerDto), missingFields: missing };
}

export async function contractOrNotFound(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<ContractRow> {
  const row = await repo.findContract(db(ctx), id, options);
  if (!row) throw new NotFoundError('Contract', id);
  return row;
}

export async function getContract(ctx: DomainContext, id: string): Promise<ContractDto> {
  return contractDto(ctx, await contractOrNotFound(ctx, id));
}

export async function listContracts(ctx: DomainContext, input: ListContractsInput): Promise<ContractSummaryDto[]> {
  return (await repo.listContracts(db(ctx), input)).map(summaryDto);
}

function eventFields(row: ContractRow) {
  return {
    contract_id: row.id,
    client_id: row.client_id,
    contact_id: row.contact_id,
    engagement_id: row.engagement_id,
    proposal_id: row.proposal_id,
    title: row.title,
  };
}

async function insertWithSigners(
  ctx: DomainContext,
  input: {
    clientId: string;
    contactId: string | null;
    engagementId: string | null;
    proposalId: string | null;
    templateId: string | null;
    title: string;
    sections: Section[];
    mergeValues: Record<string, string>;
    signers: readonly SignerInput[];
    signingOrder: 'parallel' | 'sequential';
    reminderDays: number;
  },
): Promise<ContractRow | undefined> {
  await ctx.requireReferences(
    input.signers.map((signer, index) => ({
      kind: 'crm.contact' as const,
      id: signer.contactId,
      path: ['signers', index, 'contactId'],
      label: 'signer contact',
    })),
  );
  const emails = input.signers.map((signer) => signer.email.toLowerCase());
  const repeated = emails.find((email, index) => emails.indexOf(email) !== index);
  if (repeated) throw new DomainError('BAD_REQUEST', `${repeated} is listed twice as a signer`, [{ path: ['signers'], message: 'Repeated signer' }]);
  missingFields(input.sections, {});
  const row = await repo.insertContract(db(ctx), { id: uuidv7(), tenantId: ctx.tenantId, ...input, createdBy: ctx.actorId });
  if (!row) return undefined;
  await repo.insertSigners(
    db(ctx),
    ctx.tenantId,
    row.id,
    input.signers.map((signer) => ({ id: uuidv7(), name: signer.name, email: signer.email, role: signer.role, contactId: signer.contactId })),
  );
  await ctx.emit(contractCreated, eventFields(row), { aggregateId: row.id });
  return row;
}

export async function createContract(ctx: DomainContext, input: CreateContractInput): Promise<ContractDto> {
  await ctx.requireReferences([
    { kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' },
    { kind: 'crm.contact', id: input.contactId, path: ['contactId'], label: 'contact' },
    { kind: 'crm.engagement', id: input.engagementId, path: ['engagementId'], label: 'engagement' },
  ]);
  const template = input.templateId ? await usableTemplate(ctx, input.templateId, 'contract') : null;
  const sections = input.sections ?? template?.sections ?? [];
  if (sections.length === 0)
    throw new DomainError('BAD_REQUEST', 'A contract needs at least one section (or a contract template)', [{ path: ['sections'], message: 'Empty' }]);
  const row = await insertWithSigners(ctx, { ...input, proposalId: null, templateId: template?.id ?? null, sections });
  if (!row) throw new DomainError('CONFLICT', 'The contract could not be created; try again');
  return contractDto(ctx, row);
}

/**
 * A contract from an accepted proposal: the contract template's sections (if any), then the
 * accepted version's sections filled, its pricing and its schedule. One live contract per
 * proposal: a second call answers the existing one (the unique index decides under concurrency).
 */
export async function createContractFromProposal(
  ctx: DomainContext,
  input: CreateContractFromProposalInput,
): Promise<{ contract: ContractDto; created: boolean }> {
  const existing = await repo.findLiveContractForProposal(db(ctx), input.proposalId);
  if (existing) return { contract: await contractDto(ctx, existing), created: false };
  const { proposal, version, values } = await acceptedContent(ctx, input.proposalId);
  const template = input.templateId ? await usableTemplate(ctx, input.templateId, 'contract') : null;
  const proposalSections = renderSections(version.sections, values, 'proposal');
  const pricing: Section[] = version.lines.length > 0 ? [{ title: 'Pricing', body: pricingText(version.lines, version.totals, version.currency) }] : [];
  const scheduleBody = scheduleText(version.paymentSchedule, version.totals.totalMinor, version.currency);
  const schedule: Section[] = scheduleBody ? [{ title: 'Payment schedule', body: scheduleBody }] : [];
  const signers =
    input.signers ??
    (values['contact.email'] && (values['contact.name'] || values['contact.first_name'])
      ? [{ name: values['contact.name'] ?? values['contact.first_name'] ?? '', email: values['contact.email'], role: 'Client', contactId: proposal.contact_id }]
      : null);
  if (!signers) {
    throw new DomainError('BAD_REQUEST', 'Name the signers: the proposal has no contact.name and contact.email to sign it', [
      { path: ['signers'], message: 'Required' },
    ]);
  }
  const row = await insertWithSigners(ctx, {
    clientId: proposal.client_id,
    contactId: proposal.contact_id,
    engagementId: proposal.engagement_id,
    proposalId: proposal.id,
    templateId: template?.id ?? null,
    title: version.title,
    sections: [...(template?.sections ?? []), ...proposalSections, ...pricing, ...schedule],
    mergeValues: { ...version.mergeValues, 'proposal.title': values['proposal.title'] ?? version.title, 'proposal.total': values['proposal.total'] ?? '' },
    signers,
    signingOrder: input.signingOrder,
    reminderDays: input.reminderDays,
  });
  if (!row) {
    const raced = await repo.findLiveContractForProposal(db(ctx), input.proposalId);
    if (!raced) throw new DomainError('CONFLICT', 'The contract could not be created; try again');
    return { contract: await contractDto(ctx, raced), created: false };
  }
  return { contract: await contractDto(ctx, row), created: true };
}

/**
 * Sends the contract for signature: fills the merge fields (refusing unknown ones by name),
 * freezes the document and its hash, opens the native packet with its first audit entry, and
 * answers one signing link per signer — the only time the tokens exist outside the signer's mail.
 */
export async function sendContract(ctx: DomainContext, id: string, options: { appUrl?: string } = {}): Promise<SentContractDto> {
  const row = await contractOrNotFound(ctx, id, { forUpdate: true });
  if (row.status !== 'draft') throw new DomainError('PRECONDITION_FAILED', `This contract is ${row.status.replaceAll('_', ' ')}; only a draft can be sent`);
  const sections = renderSections(row.sections, contractValues(row), 'contract');
  const signers = await repo.findSigners(db(ctx), id);
  const documentHash = contentHash({
    contractId: row.id,
    title: row.title,
    sections,
    signingOrder: row.signing_order,
    signers: signers.map((s) => ({ position: s.position, name: s.name, email: s.email, role: s.role })),
  });
  const sent = await repo.updateContract(db(ctx), id, { sections, document_hash: documentHash, sent_at: new Date(), status: 'out_for_signature' });
  const packet = await repo.insertPacket(db(ctx), { id: uuidv7(), tenantId: ctx.tenantId, contractId: id });
  await repo.appendAudit(db(ctx), {
    tenantId: ctx.tenantId,
    packetId: packet.id,
    type: 'sent',
    data: {
      document_hash: documentHash,
      signers: signers.map((s) => ({ position: s.position, name: s.name, email: s.email })),
      signing_order: row.signing_order,
      by: ctx.actorId,
    },
  });
  const expiresAt = new Date(Date.now() + SIGNING_LINK_DAYS * 86_400_000);
  const links: SentContractDto['links'] = [];
  for (const signer of signers) {
    const token = newLinkToken();
    await repo.setSignerToken(db(ctx), signer.id, hashToken(token), expiresAt);
    links.push(await mailLink(ctx, sent, signer, token, expiresAt, options.appUrl ?? ''));
  }
  await ctx.emit(
    contractSent,
    {
      ...eventFields(sent),
      document_hash: documentHash,
      signing_order: sent.signing_order,
      signers: signers.map((s) => ({ signer_id: s.id, name: s.name, email: s.email, position: s.position, signed_at: null })),
    },
    { aggregateId: id },
  );
  return { contract: await contractDto(ctx, sent), links };
}

/**
 * A fresh link for a signer who has not signed yet (lost email, expired link): a new token
 * replaces the old one's hash in one conditional UPDATE, so the old link stops working; the new
 * one is emailed and answered once, like at sending. Recorded in the audit log.
 */
export async function resendSigningLink(
  ctx: DomainContext,
  input: { id: string; signerId: string },
  options: { appUrl?: string; reminder?: boolean; at?: Date } = {},
): Promise<SentContractDto['links'][number]> {
  const row = await contractOrNotFound(ctx, input.id, { forUpdate: true });
  const token = newLinkToken();
  const expiresAt = new Date(Date.now() + SIGNING_LINK_DAYS * 86_400_000);
  const signer = await repo.rotateSignerToken(db(ctx), {
    contractId: row.id,
    signerId: input.signerId,
    tokenHash: hashToken(token),
    expiresAt,
    reminder: options.reminder ?? false,
    ...(options.at ? { sentAt: options.at } : {}),
  });
  if (!signer) {
    const known = (await repo.findSigners(db(ctx), row.id)).find((s) => s.id === input.signerId);
    if (!known) throw new NotFoundError('Signer', input.signerId);
    throw new DomainError(
      'PRECONDITION_FAILED',
      known.status !== 'pending' ? `${known.name} already ${known.status}` : `This contract is ${row.status.replaceAll('_', ' ')}; there is nothing to sign`,
    );
  }
  const packet = await repo.findPacketOf(db(ctx), row.id);
  if (packet)
    await repo.appendAudit(db(ctx), {
      tenantId: ctx.tenantId,
      packetId: packet.id,
      type: options.reminder ? 'reminded' : 'link_resent',
      data: { signer_id: signer.id, by: ctx.actorId },
    });
  return mailLink(ctx, row, signer, token, expiresAt, options.appUrl ?? '', options.reminder ?? false);
}

async function mailLink(
  ctx: DomainContext,
  row: ContractRow,
  signer: SignerRow,
  token: string,
  expiresAt: Date,
  appUrl: string,
  reminder = false,
): Promise<SentContractDto['links'][number]> {
  // The link goes by email too (sent when this transaction commits); the path-only link is
  // completed with the app's address on delivery (§7 "Mail port").
  await sendSystemMail(ctx, {
    to: { email: signer.email, name: signer.name },
    template: 'message',
    data: {
      subject: `${reminder ? 'Reminder: please sign' : 'Please sign'}: ${row.title}`,
      body: `${signer.name}, you are asked to sign "${row.title}".${row.signing_order === 'sequential' && signer.position > 1 ? ' The signers before you sign first; the link lets you sign once they have.' : ''}\n\nThe link is yours alone and works until ${expiresAt.toISOString().slice(0, 10)}.`,
      url: `/sign#token=${token}`,
      urlLabel: 'Review and sign',
    },
  });
  return { signerId: signer.id, name: signer.name, email: signer.email, url: `${appUrl}/sign#token=${token}`, expiresAt };
}

export async function voidContract(ctx: DomainContext, input: { id: string; reason: string }): Promise<ContractDto> {
  const row = await contractOrNotFound(ctx, input.id, { forUpdate: true });
  if (row.status === 'voided') return contractDto(ctx, row);
  if (!['draft', 'out_for_signature', 'partially_signed'].includes(row.status)) {
    throw new DomainError('PRECONDITION_FAILED', `This contract is ${row.status.replaceAll('_', ' ')}; it can no longer be voided`);
  }
  const voided = await repo.updateContract(db(ctx), row.id, { status: 'voided', voided_at: new Date(), void_reason: input.reason });
  const packet = await repo.findPacketOf(db(ctx), row.id);
  if (packet) await repo.appendAudit(db(ctx), { tenantId: ctx.tenantId, packetId: packet.id, type: 'voided', data: { reason: input.reason, by: ctx.actorId } });
  await ctx.emit(contractVoided, { ...eventFields(voided), reason: input.reason, voided_by: ctx.actorId }, { aggregateId: row.id });
  return contractDto(ctx, voided);
}

/** A short-lived download URL of the sealed PDF, through the files domain's action. */
export async function downloadUrl(ctx: DomainContext, actions: ActionRegistry, id: string) {
  const row = await contractOrNotFound(ctx, id);
  if (row.seal_state !== 'sealed' || !row.sealed_file_id || !row.sealed_sha256) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      row.status === 'signed' ? 'The signed PDF is being sealed; try again in a moment' : 'This contract has no signed PDF yet',
    );
  }
  const sign = actions.get('files.signDownload');
  if (!sign) throw new DomainError('PRECONDITION_FAILED', 'Files are not available in this installation');
  const signed = (await sign.run({ fileId: row.sealed_file_id }, { ...ctx, idempotencyKey: `agreements.download:${row.id}` })) as {
    url: string;
    filename: string;
    expiresAt: string;
  };
  return { url: signed.url, filename: signed.filename, expiresAt: signed.expiresAt, sha256: row.sealed_sha256 };
}

function auditDto(row: AuditRow) {
  return {
    seq: row.seq,
    type: row.type,
    actorName: row.actor_name,
    actorEmail: row.actor_email,
    ip: row.ip,
    userAgent: row.user_agent,
    at: row.at,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export async function getPacket(ctx: DomainContext, contractId: string): Promise<PacketDto> {
  const contract = await contractOrNotFound(ctx, contractId);
  const packet = await repo.findPacketOf(db(ctx), contractId);
  if (!packet) throw new DomainError('NOT_FOUND', 'This contract has not been sent for signature yet');
  const [signers, audit, chain] = await Promise.all([
    repo.findSigners(db(ctx), contractId),
    repo.listAudit(db(ctx), packet.id),
    repo.verifyAudit(db(ctx), packet.id),
  ]);
  return {
    id: packet.id,
    contractId,
    provider: packet.provider,
    externalEnvelopeId: packet.external_envelope_id,
    contractStatus: contract.status,
    sealState: contract.seal_state,
    signers: signers.map(signerDto),
    audit: audit.map(auditDto),
    chain: { valid: chain.valid, entries: chain.entries, brokenSeq: chain.broken_seq, reason: chain.reason },
  };
}
