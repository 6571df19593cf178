// Public contracts of the agreements domain: event and DTO schemas other packages may import
// (ARCHITECTURE.md §2): templates, proposals with immutable versions, contracts, signers,
// signature packets and their hash-chained audit log.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

// ---------------------------------------------------------------- shared shapes

const id = z.uuid();
const nullableId = z.uuid().nullable();
/** Money: integer minor units (cents) of the record's ISO currency. */
export const minorUnits = z.number().int().min(0).max(1_000_000_000_000);
export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'An ISO 4217 currency code, e.g. EUR');

/**
 * The tenant's settings of the domain. Keys are single words so the camelCase DTO and the
 * snake_case event payload can share them; map explicitly once a key needs two words.
 */
export const settingsSchema = z.object({
  /** Whether the domain is switched on for the tenant. */
  enabled: z.boolean(),
  /** What the tenant calls this area in its workspace; null keeps the default name. */
  label: z.string().trim().min(1).max(100).nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingKeySchema = settingsSchema.keyof();
export type SettingKey = z.infer<typeof settingKeySchema>;

/** What a tenant that never changed anything gets. */
export const defaultSettings: Settings = { enabled: true, label: null };

/** A section of a template, proposal or contract: a title and plain text with {{merge.fields}}. */
export const sectionSchema = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(20_000),
});
export type Section = z.infer<typeof sectionSchema>;
const sections = z.array(sectionSchema).max(100);

/** Values of merge fields the caller fills (`client.name`, `contact.first_name`, `engagement.name`, …). */
export const mergeFieldName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'A field name such as client.name');
export const mergeValuesSchema = z.record(mergeFieldName, z.string().max(2000));

/** One pricing line. Quantities are whole units; the discount is an amount off this line. */
export const lineInput = z
  .object({
    description: z.string().trim().min(1).max(500),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPriceMinor: minorUnits,
    discountMinor: minorUnits.default(0),
    /** Tax rate in basis points (2000 = 20%). */
    taxRateBp: z.number().int().min(0).max(10_000).default(0),
    /** An optional line the client may tick; counted in the totals only while selected. */
    optional: z.boolean().default(false),
    selected: z.boolean().default(true),
  })
  .refine((line) => line.discountMinor <= line.quantity * line.unitPriceMinor, { message: 'The discount is larger than the line', path: ['discountMinor'] });
export type LineInput = z.infer<typeof lineInput>;

/** What revenue turns into an invoice plan once the proposal is accepted. */
export const paymentScheduleSchema = z
  .object({
    /** Percent of the total invoiced on acceptance. */
    depositPercent: z.number().int().min(0).max(100).default(0),
    milestones: z
      .array(z.object({ label: z.string().trim().min(1).max(200), percent: z.number().int().min(1).max(100) }))
      .max(20)
      .default([]),
    recurring: z
      .object({
        label: z.string().trim().min(1).max(200),
        amountMinor: minorUnits,
        interval: z.literal('month'),
        /** Number of months; null until cancelled. */
        count: z.number().int().min(1).max(120).nullable(),
      })
      .nullable()
      .default(null),
  })
  .refine((s) => s.depositPercent + s.milestones.reduce((sum, m) => sum + m.percent, 0) <= 100, {
    message: 'The deposit and milestones add up to more than 100%',
    path: ['milestones'],
  });
export type PaymentSchedule = z.infer<typeof paymentScheduleSchema>;
export const defaultSchedule: PaymentSchedule = { depositPercent: 0, milestones: [], recurring: null };

export const templateKind = z.enum(['proposal', 'contract']);
export const proposalStatus = z.enum(['draft', 'sent', 'viewed', 'accepted', 'declined', 'withdrawn', 'expired']);
export const contractStatus = z.enum(['draft', 'out_for_signature', 'partially_signed', 'signed', 'declined', 'voided', 'expired']);
export const signingOrder = z.enum(['parallel', 'sequential']);
export const sealState = z.enum(['none', 'pending', 'sealing', 'sealed']);

// ---------------------------------------------------------------- money in words (for every reader: timeline, screens, PDFs)

const digitsCache = new Map<string, number>();
function fractionDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** "EUR 1,234.50" from 123450 minor units: string arithmetic, no float. */
export function formatMoney(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  const negative = minor < 0;
  const text = Math.abs(minor)
    .toString()
    .padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${currency} ${whole}${fraction}`;
}

// ---------------------------------------------------------------- event payloads

export const settingsUpdatedPayload = z.object({
  enabled: z.boolean(),
  label: z.string().nullable(),
  /** The settings this change altered (at least one). */
  changed_keys: z.array(settingKeySchema).min(1),
  updated_by: z.uuid().nullable(),
});
export type SettingsUpdatedPayload = z.infer<typeof settingsUpdatedPayload>;

/** The tenant's settings changed; aggregate id = tenant id (one settings record per tenant). */
export const settingsUpdated = defineEvent({
  type: 'agreements.settings.updated',
  version: 1,
  aggregateType: 'agreements.settings',
  payload: settingsUpdatedPayload,
});

const templateFields = { template_id: id, kind: templateKind, name: z.string() };
export const templateCreated = defineEvent({
  type: 'agreements.template.created',
  version: 1,
  aggregateType: 'agreements.template',
  payload: z.object(templateFields),
});
export const templateUpdated = defineEvent({
  type: 'agreements.template.updated',
  version: 1,
  aggregateType: 'agreements.template',
  payload: z.object(templateFields),
});
export const templateArchived = defineEvent({
  type: 'agreements.template.archived',
  version: 1,
  aggregateType: 'agreements.template',
  payload: z.object(templateFields),
});

const proposalFields = {
  proposal_id: id,
  client_id: id,
  contact_id: nullableId,
  engagement_id: nullableId,
  project_id: nullableId,
  title: z.string(),
  /** The version this event is about. */
  version: z.number().int().min(1),
  currency: z.string(),
  total_minor: z.number().int(),
};

export const proposalCreated = defineEvent({
  type: 'agreements.proposal.created',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object(proposalFields),
});
/** An edit: of the draft version, or (after sending) a new version. */
export const proposalRevised = defineEvent({
  type: 'agreements.proposal.revised',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({ ...proposalFields, new_version: z.boolean() }),
});
export const proposalSent = defineEvent({
  type: 'agreements.proposal.sent',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({ ...proposalFields, content_hash: z.string(), sent_by: nullableId }),
});
export const proposalViewed = defineEvent({
  type: 'agreements.proposal.viewed',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({ ...proposalFields, viewer_name: z.string().nullable() }),
});
export const proposalAccepted = defineEvent({
  type: 'agreements.proposal.accepted',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({
    ...proposalFields,
    content_hash: z.string(),
    accepted_by: z.string(),
    /** The schedule revenue turns into an invoice plan, amounts in minor units of `currency`. */
    payment_schedule: z.object({
      deposit_percent: z.number().int(),
      milestones: z.array(z.object({ label: z.string(), percent: z.number().int() })),
      recurring: z.object({ label: z.string(), amount_minor: z.number().int(), interval: z.literal('month'), count: z.number().int().nullable() }).nullable(),
    }),
    lines: z.array(
      z.object({
        description: z.string(),
        quantity: z.number().int(),
        unit_price_minor: z.number().int(),
        total_minor: z.number().int(),
        tax_rate_bp: z.number().int(),
      }),
    ),
  }),
});
export const proposalDeclined = defineEvent({
  type: 'agreements.proposal.declined',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({ ...proposalFields, declined_by: z.string(), reason: z.string().nullable() }),
});
export const proposalWithdrawn = defineEvent({
  type: 'agreements.proposal.withdrawn',
  version: 1,
  aggregateType: 'agreements.proposal',
  payload: z.object({ ...proposalFields, withdrawn_by: nullableId }),
});

const contractFields = {
  contract_id: id,
  client_id: id,
  contact_id: nullableId,
  engagement_id: nullableId,
  proposal_id: nullableId,
  title: z.string(),
};
const signerSummary = z.object({ signer_id: id, name: z.string(), email: z.string(), position: z.number().int(), signed_at: z.string().nullable() });

export const contractCreated = defineEvent({
  type: 'agreements.contract.created',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object(contractFields),
});
export const contractSent = defineEvent({
  type: 'agreements.contract.sent',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object({ ...contractFields, document_hash: z.string(), signing_order: signingOrder, signers: z.array(signerSummary) }),
});
/** One signer signed (the contract is signed, and sealed, with `agreements.contract.signed`). */
export const contractSignerSigned = defineEvent({
  type: 'agreements.contract.signer_signed',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object({ ...contractFields, signer_id: id, signer_name: z.string(), remaining: z.number().int() }),
});
/** Every signer signed and the sealed PDF is stored in files (its id and SHA-256). */
export const contractSigned = defineEvent({
  type: 'agreements.contract.signed',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object({
    ...contractFields,
    document_hash: z.string(),
    sealed_file_id: id,
    sealed_sha256: z.string(),
    signers: z.array(signerSummary),
  }),
});
export const contractDeclined = defineEvent({
  type: 'agreements.contract.declined',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object({ ...contractFields, signer_id: id, signer_name: z.string(), reason: z.string().nullable() }),
});
export const contractVoided = defineEvent({
  type: 'agreements.contract.voided',
  version: 1,
  aggregateType: 'agreements.contract',
  payload: z.object({ ...contractFields, reason: z.string(), voided_by: nullableId }),
});

export const agreementsEvents = [
  settingsUpdated,
  templateCreated,
  templateUpdated,
  templateArchived,
  proposalCreated,
  proposalRevised,
  proposalSent,
  proposalViewed,
  proposalAccepted,
  proposalDeclined,
  proposalWithdrawn,
  contractCreated,
  contractSent,
  contractSignerSigned,
  contractSigned,
  contractDeclined,
  contractVoided,
] as const;

// ---------------------------------------------------------------- procedure inputs

/** Only the settings to change; at least one, unknown keys are refused. */
export const updateSettingsInput = z
  .strictObject({
    enabled: settingsSchema.shape.enabled.optional(),
    label: settingsSchema.shape.label.optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one setting' });
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;

export const idInput = z.object({ id });

export const createTemplateInput = z.object({
  kind: templateKind,
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullable().default(null),
  sections: sections.min(1),
});
export type CreateTemplateInput = z.infer<typeof createTemplateInput>;
export const updateTemplateInput = z.object({
  id,
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().max(2000).nullable().optional(),
  sections: sections.min(1).optional(),
});
export type UpdateTemplateInput = z.infer<typeof updateTemplateInput>;
export const listTemplatesInput = z.object({ kind: templateKind.optional(), includeArchived: z.boolean().default(false) }).default({ includeArchived: false });
export type ListTemplatesInput = z.infer<typeof listTemplatesInput>;

export const createProposalInput = z.object({
  clientId: id,
  contactId: nullableId.default(null),
  engagementId: nullableId.default(null),
  projectId: nullableId.default(null),
  /** Sections are copied from this proposal template when `sections` is not given. */
  templateId: nullableId.default(null),
  title: z.string().trim().min(1).max(200),
  sections: sections.optional(),
  currency: currencyCode,
  lines: z.array(lineInput).max(500).default([]),
  paymentSchedule: paymentScheduleSchema.default(defaultSchedule),
  mergeValues: mergeValuesSchema.default({}),
  expiresAt: z.coerce.date().nullable().default(null),
});
export type CreateProposalInput = z.infer<typeof createProposalInput>;

export const updateProposalInput = z.object({
  id,
  title: z.string().trim().min(1).max(200).optional(),
  contactId: nullableId.optional(),
  sections: sections.optional(),
  currency: currencyCode.optional(),
  lines: z.array(lineInput).max(500).optional(),
  paymentSchedule: paymentScheduleSchema.optional(),
  mergeValues: mergeValuesSchema.optional(),
  expiresAt: z.coerce.date().nullable().optional(),
});
export type UpdateProposalInput = z.infer<typeof updateProposalInput>;

export const getProposalInput = z.object({ id, version: z.number().int().min(1).optional() });
export const listProposalsInput = z
  .object({ clientId: id.optional(), status: proposalStatus.optional(), limit: z.number().int().min(1).max(200).default(50) })
  .default({ limit: 50 });
export type ListProposalsInput = z.infer<typeof listProposalsInput>;

export const signerInput = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  role: z.string().trim().max(100).nullable().default(null),
  contactId: nullableId.default(null),
});
export type SignerInput = z.infer<typeof signerInput>;

export const createContractInput = z.object({
  clientId: id,
  contactId: nullableId.default(null),
  engagementId: nullableId.default(null),
  templateId: nullableId.default(null),
  title: z.string().trim().min(1).max(200),
  sections: sections.optional(),
  mergeValues: mergeValuesSchema.default({}),
  signers: z.array(signerInput).min(1).max(20),
  signingOrder: signingOrder.default('sequential'),
  /** Remind a signer whose turn it is every this many days (0: never), at most five times. */
  reminderDays: z.number().int().min(0).max(30).default(3),
});
export type CreateContractInput = z.infer<typeof createContractInput>;

export const createContractFromProposalInput = z.object({
  proposalId: id,
  /** A contract template whose sections come first; the accepted version's sections and pricing follow. */
  templateId: nullableId.default(null),
  /** Default: the proposal's contact, as given in `mergeValues` (contact.name / contact.email). */
  signers: z.array(signerInput).min(1).max(20).optional(),
  signingOrder: signingOrder.default('sequential'),
  reminderDays: z.number().int().min(0).max(30).default(3),
});
export type CreateContractFromProposalInput = z.infer<typeof createContractFromProposalInput>;

export const listContractsInput = z
  .object({ clientId: id.optional(), status: contractStatus.optional(), limit: z.number().int().min(1).max(200).default(50) })
  .default({ limit: 50 });
export type ListContractsInput = z.infer<typeof listContractsInput>;
export const voidContractInput = z.object({ id, reason: z.string().trim().min(1).max(1000) });
/** A new signing link for a signer who has not signed (the old link stops working). */
export const resendSigningInput = z.object({ id, signerId: id });
export const packetInput = z.object({ contractId: id });

/** The signing link's token (256-bit, base64url): the only credential of the public signing page. */
export const signingToken = z.string().min(20).max(200);
export const signingViewInput = z.object({ token: signingToken });
/** A drawn signature: a PNG data URL of at most ~200 kB. */
const drawnImage = z
  .string()
  .max(300_000)
  .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, 'A PNG image');
export const signInput = z.object({
  token: signingToken,
  /** The signer agrees to sign electronically; required. */
  consent: z.literal(true, { error: 'Agree to sign electronically to continue' }),
  signature: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('typed'), text: z.string().trim().min(2).max(200) }),
    z.object({ kind: z.literal('drawn'), image: drawnImage }),
  ]),
});
export type SignInput = z.infer<typeof signInput>;
export const declineSigningInput = z.object({ token: signingToken, reason: z.string().trim().max(1000).nullable().default(null) });

// ---------------------------------------------------------------- DTOs

export const settingsDto = z.object({
  settings: settingsSchema,
  /** When the tenant last changed them; null while the defaults apply. */
  updatedAt: z.date().nullable(),
  updatedBy: z.uuid().nullable(),
});
export type SettingsDto = z.infer<typeof settingsDto>;

export const templateDto = z.object({
  id,
  kind: templateKind,
  name: z.string(),
  description: z.string().nullable(),
  sections: z.array(sectionSchema),
  /** The merge fields the sections use, in order of first use. */
  fields: z.array(z.string()),
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
});
export type TemplateDto = z.infer<typeof templateDto>;

export const lineDto = z.object({
  description: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  discountMinor: z.number().int(),
  taxRateBp: z.number().int(),
  optional: z.boolean(),
  selected: z.boolean(),
  /** quantity × unit price − discount (before tax). */
  totalMinor: z.number().int(),
});
export type LineDto = z.infer<typeof lineDto>;

export const totalsDto = z.object({
  subtotalMinor: z.number().int(),
  discountMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
});
export type TotalsDto = z.infer<typeof totalsDto>;

export const proposalVersionDto = z.object({
  id,
  n: z.number().int(),
  title: z.string(),
  sections: z.array(sectionSchema),
  mergeValues: z.record(z.string(), z.string()),
  currency: z.string(),
  lines: z.array(lineDto),
  totals: totalsDto,
  paymentSchedule: paymentScheduleSchema,
  /** SHA-256 of the version's content, fixed when it is sent; acceptance names it. */
  contentHash: z.string().nullable(),
  sentAt: z.date().nullable(),
  createdAt: z.date(),
});
export type ProposalVersionDto = z.infer<typeof proposalVersionDto>;

export const proposalSummaryDto = z.object({
  id,
  clientId: id,
  contactId: nullableId,
  engagementId: nullableId,
  projectId: nullableId,
  templateId: nullableId,
  status: proposalStatus,
  title: z.string(),
  currency: z.string(),
  totalMinor: z.number().int(),
  currentVersion: z.number().int(),
  sentVersion: z.number().int().nullable(),
  expiresAt: z.date().nullable(),
  acceptedAt: z.date().nullable(),
  acceptedBy: z.string().nullable(),
  acceptedHash: z.string().nullable(),
  declinedAt: z.date().nullable(),
  declineReason: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ProposalSummaryDto = z.infer<typeof proposalSummaryDto>;

export const proposalDto = proposalSummaryDto.extend({
  /** The version asked for (default the newest). */
  version: proposalVersionDto,
  versions: z.array(z.object({ n: z.number().int(), contentHash: z.string().nullable(), sentAt: z.date().nullable(), createdAt: z.date() })),
  /** Merge fields the sections use that have no value: sending is refused while any is listed. */
  missingFields: z.array(z.string()),
});
export type ProposalDto = z.infer<typeof proposalDto>;

export const signerDto = z.object({
  id,
  position: z.number().int(),
  name: z.string(),
  email: z.string(),
  role: z.string().nullable(),
  contactId: nullableId,
  status: z.enum(['pending', 'signed', 'declined']),
  viewedAt: z.date().nullable(),
  signedAt: z.date().nullable(),
  declinedAt: z.date().nullable(),
  declineReason: z.string().nullable(),
  tokenExpiresAt: z.date().nullable(),
  remindersSent: z.number().int(),
});
export type SignerDto = z.infer<typeof signerDto>;

export const contractDto = z.object({
  id,
  clientId: id,
  contactId: nullableId,
  engagementId: nullableId,
  proposalId: nullableId,
  templateId: nullableId,
  title: z.string(),
  sections: z.array(sectionSchema),
  mergeValues: z.record(z.string(), z.string()),
  status: contractStatus,
  signingOrder,
  reminderDays: z.number().int(),
  documentHash: z.string().nullable(),
  sentAt: z.date().nullable(),
  signedAt: z.date().nullable(),
  declinedAt: z.date().nullable(),
  voidedAt: z.date().nullable(),
  voidReason: z.string().nullable(),
  sealState,
  sealAttempts: z.number().int(),
  sealError: z.string().nullable(),
  sealedFileId: nullableId,
  sealedSha256: z.string().nullable(),
  sealedAt: z.date().nullable(),
  signers: z.array(signerDto),
  missingFields: z.array(z.string()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ContractDto = z.infer<typeof contractDto>;

export const contractSummaryDto = contractDto.omit({ sections: true, mergeValues: true, signers: true, missingFields: true });
export type ContractSummaryDto = z.infer<typeof contractSummaryDto>;

/** What sending answers: the signing links, shown this once (only their hashes are stored). */
export const sentContractDto = z.object({
  contract: contractDto,
  links: z.array(z.object({ signerId: id, name: z.string(), email: z.string(), url: z.string(), expiresAt: z.date() })),
});
export type SentContractDto = z.infer<typeof sentContractDto>;

export const auditEntryDto = z.object({
  seq: z.number().int(),
  type: z.string(),
  actorName: z.string().nullable(),
  actorEmail: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  at: z.date(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntryDto = z.infer<typeof auditEntryDto>;

export const chainCheckDto = z.object({ valid: z.boolean(), entries: z.number().int(), brokenSeq: z.number().int().nullable(), reason: z.string().nullable() });
export type ChainCheckDto = z.infer<typeof chainCheckDto>;

export const packetDto = z.object({
  id,
  contractId: id,
  provider: z.enum(['native', 'docusign', 'dropbox_sign', 'pandadoc']),
  externalEnvelopeId: z.string().nullable(),
  contractStatus,
  sealState,
  signers: z.array(signerDto),
  audit: z.array(auditEntryDto),
  chain: chainCheckDto,
});
export type PacketDto = z.infer<typeof packetDto>;

export const downloadDto = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string(), sha256: z.string() });

/** The public signing page. */
export const signingViewDto = z.object({
  contractTitle: z.string(),
  status: contractStatus,
  sections: z.array(sectionSchema),
  documentHash: z.string(),
  signer: z.object({ name: z.string(), email: z.string(), status: z.enum(['pending', 'signed', 'declined']), position: z.number().int() }),
  signers: z.array(z.object({ name: z.string(), position: z.number().int(), status: z.enum(['pending', 'signed', 'declined']) })),
  signingOrder,
  /** Whether this signer may sign now (their turn, the contract open, the link valid). */
  canSign: z.boolean(),
  /** Why not, in words, when canSign is false. */
  waitingReason: z.string().nullable(),
  expiresAt: z.date(),
});
export type SigningViewDto = z.infer<typeof signingViewDto>;
export const signingResultDto = z.object({ status: z.enum(['signed', 'declined']), contractStatus, remaining: z.number().int() });

/** The client's view of a proposal (portal): the newest sent version, as the client reads it. */
export const clientProposalDto = z.object({
  id,
  title: z.string(),
  status: proposalStatus,
  version: z.number().int(),
  contentHash: z.string(),
  /** Sections with merge fields filled; each value is plain text (HTML-escape on display). */
  sections: z.array(sectionSchema),
  /** The same sections as escaped HTML paragraphs. */
  html: z.string(),
  currency: z.string(),
  lines: z.array(lineDto),
  totals: totalsDto,
  paymentSchedule: paymentScheduleSchema,
  sentAt: z.date(),
  expiresAt: z.date().nullable(),
  acceptedAt: z.date().nullable(),
  /** Set when the firm is revising it: it cannot be accepted until the new version is sent. */
  revising: z.boolean(),
});
export type ClientProposalDto = z.infer<typeof clientProposalDto>;
export const clientProposalSummaryDto = clientProposalDto
  .pick({ id: true, title: true, status: true, version: true, currency: true, sentAt: true, expiresAt: true, acceptedAt: true })
  .extend({
    totalMinor: z.number().int(),
  });
export type ClientProposalSummaryDto = z.infer<typeof clientProposalSummaryDto>;

/** The same as JSON values (dates as ISO strings): what the portal gets through the workflow actions. */
export const clientProposalJson = clientProposalDto.extend({ sentAt: z.string(), expiresAt: z.string().nullable(), acceptedAt: z.string().nullable() });
export type ClientProposalJson = z.infer<typeof clientProposalJson>;
export const clientProposalSummaryJson = clientProposalSummaryDto.extend({
  sentAt: z.string(),
  expiresAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
});
export type ClientProposalSummaryJson = z.infer<typeof clientProposalSummaryJson>;
export const acceptedProposalDto = z.object({
  proposalId: z.uuid(),
  status: z.literal('accepted'),
  version: z.number().int(),
  contentHash: z.string(),
  acceptedAt: z.string(),
});
export const declinedProposalDto = z.object({ proposalId: z.uuid(), status: z.literal('declined') });
/** What the client sends to accept: the hash of the version they read. */
export const acceptProposalInput = z.object({
  proposalId: z.uuid(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'The version hash shown with the proposal'),
});
export const declineProposalInput = z.object({ proposalId: z.uuid(), reason: z.string().trim().max(1000).nullable().default(null) });
