import { sql, uuidv7, type Kysely, type Transaction, type UntypedDB } from '@ubos/platform';
import type {
  AgreementsDB,
  AuditRow,
  ContractRow,
  PacketRow,
  ProposalLineRow,
  ProposalRow,
  ProposalVersionRow,
  SettingsRow,
  SignerRow,
  StoredSchedule,
  StoredSection,
  TemplateRow,
} from './db.ts';

/** Kysely queries against schema `agreements` only (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<AgreementsDB>;
const json = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------- settings

/** The tenant's settings row, locked until the transaction ends when `forUpdate`. */
export async function findSettings(db: Db, tenantId: string, options: { forUpdate?: boolean } = {}): Promise<SettingsRow | undefined> {
  const query = db.selectFrom('agreements.settings').selectAll().where('tenant_id', '=', tenantId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * Conditional upsert: creates the tenant's row (defaults merged with `changes`) or merges
 * `changes` into it, in one statement. Returns undefined, having written nothing, when the
 * merge would leave the stored settings as they are.
 */
export async function upsertSettings(
  db: Db,
  input: { tenantId: string; defaults: Record<string, unknown>; changes: Record<string, unknown>; updatedBy: string | null },
): Promise<SettingsRow | undefined> {
  const changes = sql<string>`${JSON.stringify(input.changes)}::jsonb`;
  const stored = sql.ref('agreements.settings.settings');
  return db
    .insertInto('agreements.settings')
    .values({ tenant_id: input.tenantId, settings: sql<string>`${JSON.stringify(input.defaults)}::jsonb || ${changes}`, updated_by: input.updatedBy })
    .onConflict((conflict) =>
      conflict
        .column('tenant_id')
        .doUpdateSet({ settings: sql<string>`${stored} || ${changes}`, updated_at: sql<Date>`now()`, updated_by: input.updatedBy })
        .where(sql<boolean>`(${stored} || ${changes}) IS DISTINCT FROM ${stored}`),
    )
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- templates

export async function insertTemplate(
  db: Db,
  t: {
    id: string;
    tenantId: string;
    kind: 'proposal' | 'contract';
    name: string;
    description: string | null;
    sections: StoredSection[];
    createdBy: string | null;
  },
): Promise<TemplateRow> {
  return db
    .insertInto('agreements.templates')
    .values({ id: t.id, tenant_id: t.tenantId, kind: t.kind, name: t.name, description: t.description, sections: json(t.sections), created_by: t.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTemplate(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<TemplateRow | undefined> {
  const query = db.selectFrom('agreements.templates').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateTemplate(
  db: Db,
  id: string,
  changes: { name?: string; description?: string | null; sections?: StoredSection[]; archive?: boolean },
): Promise<TemplateRow> {
  return db
    .updateTable('agreements.templates')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.sections !== undefined ? { sections: json(changes.sections) } : {}),
      ...(changes.archive ? { archived_at: sql<Date>`now()` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listTemplates(db: Db, filter: { kind?: 'proposal' | 'contract'; includeArchived: boolean }): Promise<TemplateRow[]> {
  let query = db.selectFrom('agreements.templates').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (!filter.includeArchived) query = query.where('archived_at', 'is', null);
  return query.execute();
}

// ---------------------------------------------------------------- proposals

export interface NewVersion {
  id: string;
  tenantId: string;
  proposalId: string;
  n: number;
  title: string;
  sections: StoredSection[];
  mergeValues: Record<string, string>;
  currency: string;
  totals: { subtotalMinor: number; discountMinor: number; taxMinor: number; totalMinor: number };
  schedule: StoredSchedule;
  createdBy: string | null;
}

export interface NewLine {
  description: string;
  quantity: number;
  unitPriceMinor: number;
  discountMinor: number;
  taxRateBp: number;
  optional: boolean;
  selected: boolean;
  totalMinor: number;
}

export async function insertProposal(
  db: Db,
  p: {
    id: string;
    tenantId: string;
    clientId: string;
    contactId: string | null;
    engagementId: string | null;
    projectId: string | null;
    templateId: string | null;
    expiresAt: Date | null;
    createdBy: string | null;
  },
): Promise<ProposalRow> {
  return db
    .insertInto('agreements.proposals')
    .values({
      id: p.id,
      tenant_id: p.tenantId,
      client_id: p.clientId,
      contact_id: p.contactId,
      engagement_id: p.engagementId,
      project_id: p.projectId,
      template_id: p.templateId,
      expires_at: p.expiresAt,
      created_by: p.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertVersion(db: Db, v: NewVersion, lines: readonly NewLine[]): Promise<ProposalVersionRow> {
  const row = await db
    .insertInto('agreements.proposal_versions')
    .values({
      id: v.id,
      tenant_id: v.tenantId,
      proposal_id: v.proposalId,
      n: v.n,
      title: v.title,
      sections: json(v.sections),
      merge_values: json(v.mergeValues),
      currency: v.currency,
      subtotal_minor: v.totals.subtotalMinor,
      discount_minor: v.totals.discountMinor,
      tax_minor: v.totals.taxMinor,
      total_minor: v.totals.totalMinor,
      payment_schedule: json(v.schedule),
      created_by: v.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertLines(db, v.tenantId, v.id, lines);
  return row;
}

async function insertLines(db: Db, tenantId: string, versionId: string, lines: readonly NewLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('agreements.proposal_lines')
    .values(
      lines.map((line, position) => ({
        id: uuidv7(),
        tenant_id: tenantId,
        version_id: versionId,
        position,
        description: line.description,
        quantity: line.quantity,
        unit_price_minor: line.unitPriceMinor,
        discount_minor: line.discountMinor,
        tax_rate_bp: line.taxRateBp,
        optional: line.optional,
        selected: line.selected,
        total_minor: line.totalMinor,
      })),
    )
    .execute();
}

/** Rewrites a draft version in place (the trigger refuses it once the version was sent). */
export async function rewriteDraftVersion(db: Db, v: NewVersion, lines: readonly NewLine[] | null): Promise<ProposalVersionRow> {
  const row = await db
    .updateTable('agreements.proposal_versions')
    .set({
      title: v.title,
      sections: json(v.sections),
      merge_values: json(v.mergeValues),
      currency: v.currency,
      subtotal_minor: v.totals.subtotalMinor,
      discount_minor: v.totals.discountMinor,
      tax_minor: v.totals.taxMinor,
      total_minor: v.totals.totalMinor,
      payment_schedule: json(v.schedule),
    })
    .where('id', '=', v.id)
    .where('sent_at', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (lines) {
    await db.deleteFrom('agreements.proposal_lines').where('version_id', '=', v.id).execute();
    await insertLines(db, v.tenantId, v.id, lines);
  }
  return row;
}

export async function findProposal(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<ProposalRow | undefined> {
  const query = db.selectFrom('agreements.proposals').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findVersion(db: Db, proposalId: string, n: number): Promise<ProposalVersionRow | undefined> {
  return db.selectFrom('agreements.proposal_versions').selectAll().where('proposal_id', '=', proposalId).where('n', '=', n).executeTakeFirst();
}

export async function listVersionHeads(db: Db, proposalId: string) {
  return db
    .selectFrom('agreements.proposal_versions')
    .select(['n', 'content_hash', 'sent_at', 'created_at'])
    .where('proposal_id', '=', proposalId)
    .orderBy('n')
    .execute();
}

export async function findLines(db: Db, versionId: string): Promise<ProposalLineRow[]> {
  return db.selectFrom('agreements.proposal_lines').selectAll().where('version_id', '=', versionId).orderBy('position').execute();
}

export async function updateProposal(
  db: Db,
  id: string,
  changes: Partial<Pick<ProposalRow, 'status' | 'current_version' | 'sent_version' | 'contact_id' | 'expires_at'>>,
): Promise<ProposalRow> {
  return db
    .updateTable('agreements.proposals')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Fixes a draft version as sent (its hash with it); undefined when it was already sent. */
export async function markVersionSent(db: Db, versionId: string, hash: string, sentBy: string | null): Promise<ProposalVersionRow | undefined> {
  return db
    .updateTable('agreements.proposal_versions')
    .set({ content_hash: hash, sent_at: sql<Date>`now()`, sent_by: sentBy })
    .where('id', '=', versionId)
    .where('sent_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The client's acceptance, bound to a version hash: one conditional UPDATE that holds only while
 * the proposal is open (sent or viewed), the newest version is the one sent, and that version's
 * hash is the one the client read. Two concurrent decisions: exactly one wins.
 */
export async function acceptProposal(db: Db, input: { id: string; clientId: string; hash: string; acceptedBy: string }): Promise<ProposalRow | undefined> {
  return db
    .updateTable('agreements.proposals as p')
    .set({
      status: 'accepted',
      accepted_version: sql<number>`p.sent_version`,
      accepted_hash: input.hash,
      accepted_at: sql<Date>`now()`,
      accepted_by: input.acceptedBy,
      updated_at: sql<Date>`now()`,
    })
    .where('p.id', '=', input.id)
    .where('p.client_id', '=', input.clientId)
    .where('p.status', 'in', ['sent', 'viewed'])
    .where(sql<boolean>`p.current_version = p.sent_version`)
    .where(sql<boolean>`(p.expires_at IS NULL OR p.expires_at > now())`)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('agreements.proposal_versions as v')
          .select('v.id')
          .whereRef('v.proposal_id', '=', 'p.id')
          .whereRef('v.n', '=', 'p.sent_version')
          .where('v.content_hash', '=', input.hash),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function declineProposal(db: Db, input: { id: string; clientId: string; reason: string | null }): Promise<ProposalRow | undefined> {
  return db
    .updateTable('agreements.proposals')
    .set({ status: 'declined', declined_at: sql<Date>`now()`, decline_reason: input.reason, updated_at: sql<Date>`now()` })
    .where('id', '=', input.id)
    .where('client_id', '=', input.clientId)
    .where('status', 'in', ['sent', 'viewed'])
    .returningAll()
    .executeTakeFirst();
}

/** sent → viewed, once; undefined when it was not in `sent`. */
export async function markProposalViewed(db: Db, id: string): Promise<ProposalRow | undefined> {
  return db
    .updateTable('agreements.proposals')
    .set({ status: 'viewed', updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'sent')
    .returningAll()
    .executeTakeFirst();
}

export interface ProposalListRow extends ProposalRow {
  title: string;
  currency: string;
  total_minor: number;
}

export async function listProposals(db: Db, filter: { clientId?: string; status?: string; limit: number; sentOnly?: boolean }): Promise<ProposalListRow[]> {
  let query = db
    .selectFrom('agreements.proposals as p')
    .innerJoin('agreements.proposal_versions as v', (join) =>
      join.onRef('v.proposal_id', '=', 'p.id').on(sql<boolean>`v.n = ${filter.sentOnly ? sql`p.sent_version` : sql`p.current_version`}`),
    )
    .selectAll('p')
    .select(['v.title', 'v.currency', 'v.total_minor'])
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(filter.limit);
  if (filter.clientId) query = query.where('p.client_id', '=', filter.clientId);
  if (filter.status) query = query.where('p.status', '=', filter.status as ProposalRow['status']);
  return query.execute();
}

// ---------------------------------------------------------------- contracts

export async function insertContract(
  db: Db,
  c: {
    id: string;
    tenantId: string;
    clientId: string;
    contactId: string | null;
    engagementId: string | null;
    proposalId: string | null;
    templateId: string | null;
    title: string;
    sections: StoredSection[];
    mergeValues: Record<string, string>;
    signingOrder: 'parallel' | 'sequential';
    reminderDays: number;
    createdBy: string | null;
  },
): Promise<ContractRow | undefined> {
  return db
    .insertInto('agreements.contracts')
    .values({
      id: c.id,
      tenant_id: c.tenantId,
      client_id: c.clientId,
      contact_id: c.contactId,
      engagement_id: c.engagementId,
      proposal_id: c.proposalId,
      template_id: c.templateId,
      title: c.title,
      sections: json(c.sections),
      merge_values: json(c.mergeValues),
      signing_order: c.signingOrder,
      reminder_days: c.reminderDays,
      created_by: c.createdBy,
    })
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function insertSigners(
  db: Db,
  tenantId: string,
  contractId: string,
  signers: readonly { id: string; name: string; email: string; role: string | null; contactId: string | null }[],
): Promise<void> {
  await db
    .insertInto('agreements.signers')
    .values(
      signers.map((s, index) => ({
        id: s.id,
        tenant_id: tenantId,
        contract_id: contractId,
        position: index + 1,
        name: s.name,
        email: s.email,
        role: s.role,
        contact_id: s.contactId,
      })),
    )
    .execute();
}

export async function findContract(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<ContractRow | undefined> {
  const query = db.selectFrom('agreements.contracts').selectAll().where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findLiveContractForProposal(db: Db, proposalId: string): Promise<ContractRow | undefined> {
  return db
    .selectFrom('agreements.contracts')
    .selectAll()
    .where('proposal_id', '=', proposalId)
    .where('status', 'not in', ['voided', 'declined', 'expired'])
    .executeTakeFirst();
}

export async function listContracts(db: Db, filter: { clientId?: string; status?: string; limit: number }): Promise<ContractRow[]> {
  let query = db.selectFrom('agreements.contracts').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.status) query = query.where('status', '=', filter.status as ContractRow['status']);
  return query.execute();
}

export async function findSigners(db: Db, contractId: string): Promise<SignerRow[]> {
  return db.selectFrom('agreements.signers').selectAll().where('contract_id', '=', contractId).orderBy('position').execute();
}

export async function findSigner(db: Db, id: string): Promise<SignerRow | undefined> {
  return db.selectFrom('agreements.signers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateContract(
  db: Db,
  id: string,
  changes: Partial<Omit<ContractRow, 'id' | 'tenant_id' | 'sections' | 'merge_values'>> & { sections?: StoredSection[] },
): Promise<ContractRow> {
  const { sections, ...rest } = changes;
  return db
    .updateTable('agreements.contracts')
    .set({ ...rest, ...(sections ? { sections: json(sections) } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Replaces a pending signer's link (the contract still open); undefined when they signed, declined, or it closed. */
export async function rotateSignerToken(
  db: Db,
  input: { contractId: string; signerId: string; tokenHash: string; expiresAt: Date; reminder?: boolean; sentAt?: Date },
): Promise<SignerRow | undefined> {
  return db
    .updateTable('agreements.signers as s')
    .set({
      token_hash: input.tokenHash,
      token_expires_at: input.expiresAt,
      link_sent_at: input.sentAt ?? sql<Date>`now()`,
      ...(input.reminder ? { reminders_sent: sql<number>`s.reminders_sent + 1` } : {}),
    })
    .where('s.id', '=', input.signerId)
    .where('s.contract_id', '=', input.contractId)
    .where('s.status', '=', 'pending')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('agreements.contracts as c')
          .select('c.id')
          .whereRef('c.id', '=', 's.contract_id')
          .where('c.status', 'in', ['out_for_signature', 'partially_signed']),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function setSignerToken(db: Db, signerId: string, tokenHash: string, expiresAt: Date): Promise<void> {
  await db
    .updateTable('agreements.signers')
    .set({ token_hash: tokenHash, token_expires_at: expiresAt, link_sent_at: sql<Date>`now()` })
    .where('id', '=', signerId)
    .execute();
}

/** The signer of a token hash, any tenant (SECURITY DEFINER lookup, §7): that one row or nothing. */
export async function signerByTokenHash(db: Kysely<UntypedDB>, tokenHash: string): Promise<{ id: string; tenant_id: string } | undefined> {
  const result = await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM agreements.signer_by_token_hash(${tokenHash})`.execute(db);
  return result.rows[0];
}

export async function markSignerViewed(db: Db, signerId: string): Promise<SignerRow | undefined> {
  return db
    .updateTable('agreements.signers')
    .set({ viewed_at: sql<Date>`now()` })
    .where('id', '=', signerId)
    .where('viewed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The signature itself, as one conditional UPDATE: the signer is still pending, the link is
 * unexpired and the contract open, and — when the order is sequential — every signer before
 * them has signed. Concurrent calls for one signer: exactly one row comes back.
 */
export async function signSigner(
  db: Db,
  input: {
    signerId: string;
    tokenHash: string;
    kind: 'typed' | 'drawn';
    text: string | null;
    image: string | null;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<SignerRow | undefined> {
  return db
    .updateTable('agreements.signers as s')
    .set({
      status: 'signed',
      consented_at: sql<Date>`now()`,
      signed_at: sql<Date>`now()`,
      viewed_at: sql<Date>`COALESCE(s.viewed_at, now())`,
      signature_kind: input.kind,
      signature_text: input.text,
      signature_image: input.image,
      ip: input.ip,
      user_agent: input.userAgent,
    })
    .where('s.id', '=', input.signerId)
    .where('s.token_hash', '=', input.tokenHash)
    .where('s.status', '=', 'pending')
    .where('s.token_expires_at', '>', sql<Date>`now()`)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('agreements.contracts as c')
          .select('c.id')
          .whereRef('c.id', '=', 's.contract_id')
          .where('c.status', 'in', ['out_for_signature', 'partially_signed'])
          .where((eb) =>
            eb.or([
              eb('c.signing_order', '=', 'parallel'),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('agreements.signers as p')
                    .select('p.id')
                    .whereRef('p.contract_id', '=', 's.contract_id')
                    .whereRef('p.position', '<', 's.position')
                    .where('p.status', '<>', 'signed'),
                ),
              ),
            ]),
          ),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function declineSigner(
  db: Db,
  input: { signerId: string; tokenHash: string; reason: string | null; ip: string | null; userAgent: string | null },
): Promise<SignerRow | undefined> {
  return db
    .updateTable('agreements.signers as s')
    .set({ status: 'declined', declined_at: sql<Date>`now()`, decline_reason: input.reason, ip: input.ip, user_agent: input.userAgent })
    .where('s.id', '=', input.signerId)
    .where('s.token_hash', '=', input.tokenHash)
    .where('s.status', '=', 'pending')
    .where('s.token_expires_at', '>', sql<Date>`now()`)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('agreements.contracts as c')
          .select('c.id')
          .whereRef('c.id', '=', 's.contract_id')
          .where('c.status', 'in', ['out_for_signature', 'partially_signed']),
      ),
    )
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- sealing

/**
 * Claims the sealing of a signed contract: pending → sealing, or a sealing claim older than
 * `staleSeconds` (its worker died) → a new claim. The claim id is what the final write checks,
 * so a sealer whose claim was taken over cannot finish.
 */
export async function claimSeal(db: Db, contractId: string, claim: string, staleSeconds: number): Promise<ContractRow | undefined> {
  return db
    .updateTable('agreements.contracts')
    .set({
      seal_state: 'sealing',
      seal_claim: claim,
      seal_claimed_at: sql<Date>`now()`,
      seal_attempts: sql<number>`seal_attempts + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', contractId)
    .where((eb) =>
      eb.or([
        eb('seal_state', '=', 'pending'),
        eb.and([eb('seal_state', '=', 'sealing'), eb('seal_claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function finishSeal(db: Db, input: { contractId: string; claim: string; fileId: string; sha256: string }): Promise<ContractRow | undefined> {
  return db
    .updateTable('agreements.contracts')
    .set({
      seal_state: 'sealed',
      sealed_file_id: input.fileId,
      sealed_sha256: input.sha256,
      sealed_at: sql<Date>`now()`,
      seal_error: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', input.contractId)
    .where('seal_state', '=', 'sealing')
    .where('seal_claim', '=', input.claim)
    .returningAll()
    .executeTakeFirst();
}

export async function recordSealError(db: Db, contractId: string, claim: string, message: string): Promise<void> {
  await db
    .updateTable('agreements.contracts')
    .set({ seal_error: message.slice(0, 1000) })
    .where('id', '=', contractId)
    .where('seal_claim', '=', claim)
    .execute();
}

/** Pending signers due a reminder at `now`, any tenant (SECURITY DEFINER work list). */
export async function signersDueReminder(db: Kysely<UntypedDB>, now: Date, limit: number): Promise<{ id: string; tenant_id: string; contract_id: string }[]> {
  const result = await sql<{ id: string; tenant_id: string; contract_id: string }>`
    SELECT id, tenant_id, contract_id FROM agreements.signers_due_reminder(${now}::timestamptz, ${limit}::integer)`.execute(db);
  return result.rows;
}

/** Contracts all signed but not sealed, any tenant (SECURITY DEFINER work list). */
export async function unsealedContracts(
  db: Kysely<UntypedDB>,
  pendingSeconds: number,
  staleSeconds: number,
  limit: number,
): Promise<{ id: string; tenant_id: string }[]> {
  const result = await sql<{ id: string; tenant_id: string }>`
    SELECT id, tenant_id FROM agreements.unsealed_contracts(${pendingSeconds}::integer, ${staleSeconds}::integer, ${limit}::integer)`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------- packets and the audit log

export async function insertPacket(db: Db, p: { id: string; tenantId: string; contractId: string }): Promise<PacketRow> {
  return db
    .insertInto('agreements.packets')
    .values({ id: p.id, tenant_id: p.tenantId, contract_id: p.contractId, provider: 'native' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findPacketOf(db: Db, contractId: string): Promise<PacketRow | undefined> {
  return db.selectFrom('agreements.packets').selectAll().where('contract_id', '=', contractId).executeTakeFirst();
}

/** Appends an entry; the trigger numbers and chains it under the packet's row lock. */
export async function appendAudit(
  db: Db,
  entry: {
    tenantId: string;
    packetId: string;
    type: string;
    actorName?: string | null;
    actorEmail?: string | null;
    ip?: string | null;
    userAgent?: string | null;
    data?: Record<string, unknown>;
  },
): Promise<AuditRow> {
  return db
    .insertInto('agreements.audit_log')
    .values({
      id: uuidv7(),
      tenant_id: entry.tenantId,
      packet_id: entry.packetId,
      type: entry.type,
      actor_name: entry.actorName ?? null,
      actor_email: entry.actorEmail ?? null,
      ip: entry.ip ?? null,
      user_agent: entry.userAgent ?? null,
      data: json(entry.data ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listAudit(db: Db, packetId: string): Promise<AuditRow[]> {
  return db.selectFrom('agreements.audit_log').selectAll().where('packet_id', '=', packetId).orderBy('seq').execute();
}

export async function verifyAudit(db: Db, packetId: string): Promise<{ valid: boolean; entries: number; broken_seq: number | null; reason: string | null }> {
  const result = await sql<{ valid: boolean; entries: number; broken_seq: number | null; reason: string | null }>`
    SELECT valid, entries, broken_seq, reason FROM agreements.verify_audit_chain(${packetId}::uuid)`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('verify_audit_chain returned nothing');
  return row;
}
