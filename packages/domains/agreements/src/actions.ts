import { DomainError, StillWaiting, defineAction, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import {
  acceptedProposalDto,
  contractSigned,
  clientProposalJson,
  clientProposalSummaryJson,
  declinedProposalDto,
  currencyCode,
  lineInput,
  mergeValuesSchema,
  paymentScheduleSchema,
  settingsSchema,
  signerInput,
  signingOrder,
  updateSettingsInput,
} from './contracts.ts';
import * as repo from './repository.ts';
import * as service from './service.ts';
import { contractOrNotFound, createContractFromProposal, sendContract } from './service-contracts.ts';
import { acceptClientProposal, createProposal, declineClientProposal, getClientProposal, listClientProposals } from './service-proposals.ts';
import type { AgreementsDB } from './db.ts';

/**
 * Workflow actions of the agreements domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date).
 */

export const updateSettingsAction = defineAction({
  name: 'agreements.updateSettings',
  description: "Change the tenant's agreements settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

export const createProposalFromTemplateAction = defineAction({
  name: 'agreements.createProposalFromTemplate',
  description: 'Create a draft proposal for a client from a proposal template (sections copied, merge values and pricing given)',
  input: z.object({
    templateId: z.uuid(),
    clientId: z.uuid(),
    contactId: z.uuid().nullable().default(null),
    engagementId: z.uuid().nullable().default(null),
    projectId: z.uuid().nullable().default(null),
    title: z.string().trim().min(1).max(200).optional(),
    currency: currencyCode,
    lines: z.array(lineInput).max(500).default([]),
    paymentSchedule: paymentScheduleSchema.optional(),
    mergeValues: mergeValuesSchema.default({}),
  }),
  output: z.object({ proposalId: z.uuid(), version: z.number().int(), missingFields: z.array(z.string()) }),
  run: async (input, ctx) => {
    const template = await repo.findTemplate(ctx.db<AgreementsDB>(), input.templateId);
    const proposal = await createProposal(ctx, {
      ...input,
      title: input.title ?? template?.name ?? 'Proposal',
      paymentSchedule: input.paymentSchedule ?? { depositPercent: 0, milestones: [], recurring: null },
      expiresAt: null,
    });
    return { proposalId: proposal.id, version: proposal.currentVersion, missingFields: proposal.missingFields };
  },
});

/**
 * The flagship step after `agreements.proposal.accepted`: the proposal's contract (made once: a
 * live contract per proposal is unique), sent for signature if it is still a draft. Running it
 * again for the same proposal — another run, another key — answers the same contract and sends
 * nothing twice. Its output holds no signing token (links go to the signers by email).
 */
export const sendContractForSignatureAction = defineAction({
  name: 'agreements.sendContractForSignature',
  description: 'Make the contract of an accepted proposal (once per proposal) and send it for signature; outputs the contract id',
  input: z.object({
    proposalId: z.uuid(),
    templateId: z.uuid().nullable().default(null),
    signers: z.array(signerInput).min(1).max(20).optional(),
    signingOrder: signingOrder.default('sequential'),
    reminderDays: z.number().int().min(0).max(30).default(3),
  }),
  output: z.object({ contractId: z.uuid(), status: z.string(), created: z.boolean(), sent: z.boolean() }),
  run: async (input, ctx) => {
    const { contract, created } = await createContractFromProposal(ctx, input);
    if (contract.status !== 'draft') return { contractId: contract.id, status: contract.status, created, sent: false };
    const sent = await sendContract(ctx, contract.id);
    return { contractId: contract.id, status: sent.contract.status, created, sent: true };
  },
});

/**
 * Waits for `agreements.contract.signed` of a contract. The workflow engine has no event wait
 * (only `core.wait` by time), so this step answers at once when the contract is sealed and
 * otherwise fails with PRECONDITION_FAILED, which the engine's step retries repeat: the wait is
 * bounded by the run's retry policy until the engine can park a step on an event.
 */
export const awaitSignatureAction = defineAction({
  name: 'agreements.awaitSignature',
  description: 'Wait until the contract is signed and sealed (agreements.contract.signed); outputs the sealed file id and SHA-256',
  input: z.object({ contractId: z.uuid(), timeoutDays: z.number().int().min(1).max(365).default(30) }),
  output: z.object({ contractId: z.uuid(), sealedFileId: z.uuid(), sealedSha256: z.string(), signedAt: z.string() }),
  idempotent: false,
  // The engine parks the step until agreements.contract.signed of this contract (no polling):
  // ARCHITECTURE.md §6 "Waiting for an event".
  awaits: (input) => ({ event: contractSigned.type, match: { contract_id: input.contractId }, timeoutSeconds: input.timeoutDays * 86_400 }),
  run: async (input, ctx) => {
    const contract = await contractOrNotFound(ctx, input.contractId);
    if (contract.seal_state === 'sealed' && contract.sealed_file_id && contract.sealed_sha256) {
      return {
        contractId: contract.id,
        sealedFileId: contract.sealed_file_id,
        sealedSha256: contract.sealed_sha256,
        signedAt: (contract.sealed_at ?? new Date()).toISOString(),
      };
    }
    if (['declined', 'voided', 'expired'].includes(contract.status)) {
      throw new DomainError('PRECONDITION_FAILED', `The contract was ${contract.status}; it will not be signed`);
    }
    throw new StillWaiting(`The contract is not signed yet (${contract.status.replaceAll('_', ' ')})`);
  },
});

// ---------------------------------------------------------------- the client portal's side

const portalClient = { clientId: z.uuid() };

/** The proposals a client was sent (for the portal, which checked the session's client itself). Reads only. */
export const listClientProposalsAction = defineAction({
  name: 'agreements.listClientProposals',
  description: 'The proposals sent to a client (newest first), for a caller that checked who the client is',
  input: z.object(portalClient),
  output: z.array(clientProposalSummaryJson),
  idempotent: false,
  run: async (input, ctx) =>
    (await listClientProposals(ctx, input.clientId)).map((p) => ({
      ...p,
      sentAt: p.sentAt.toISOString(),
      expiresAt: p.expiresAt?.toISOString() ?? null,
      acceptedAt: p.acceptedAt?.toISOString() ?? null,
    })),
});

/** One proposal as the client reads it; the first read marks it viewed (an event, no version change). */
export const getClientProposalAction = defineAction({
  name: 'agreements.getClientProposal',
  description: 'A proposal as its client reads it (newest sent version); marks it viewed on the first read',
  input: z.object({ ...portalClient, proposalId: z.uuid(), viewerName: z.string().max(200).nullable().default(null) }),
  output: clientProposalJson,
  idempotent: false,
  run: async (input, ctx) => {
    const p = await getClientProposal(ctx, input);
    return { ...p, sentAt: p.sentAt.toISOString(), expiresAt: p.expiresAt?.toISOString() ?? null, acceptedAt: p.acceptedAt?.toISOString() ?? null };
  },
});

/** Accepts the version whose content hash the client read; refused once a newer version exists. */
export const acceptProposalAction = defineAction({
  name: 'agreements.acceptProposal',
  description: 'Accept a proposal on behalf of its client, bound to the content hash of the version read',
  input: z.object({ ...portalClient, proposalId: z.uuid(), contentHash: z.string().regex(/^[0-9a-f]{64}$/), acceptedBy: z.string().trim().min(1).max(200) }),
  output: acceptedProposalDto,
  run: (input, ctx) => acceptClientProposal(ctx, input),
});

export const declineProposalAction = defineAction({
  name: 'agreements.declineProposal',
  description: 'Decline a proposal on behalf of its client, with an optional reason',
  input: z.object({
    ...portalClient,
    proposalId: z.uuid(),
    reason: z.string().trim().max(1000).nullable().default(null),
    declinedBy: z.string().trim().min(1).max(200),
  }),
  output: declinedProposalDto,
  run: (input, ctx) => declineClientProposal(ctx, input),
});

export const agreementsActions: readonly ActionDefinition[] = [
  updateSettingsAction,
  createProposalFromTemplateAction,
  sendContractForSignatureAction,
  awaitSignatureAction,
  listClientProposalsAction,
  getClientProposalAction,
  acceptProposalAction,
  declineProposalAction,
];
