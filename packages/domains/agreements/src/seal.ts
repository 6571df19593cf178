import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import {
  createDomainContext,
  DomainError,
  readMailBrand,
  uuidv7,
  withTenant,
  type ActionRegistry,
  type Database,
  type KernelServices,
  type Logger,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { contractSigned } from './contracts.ts';
import { sealCertificate } from './certificate.ts';
import type { AgreementsDB, ContractRow } from './db.ts';
import { sha256Hex } from './merge.ts';
import { renderContractPdf, type RenderInput } from './pdf.ts';
import * as repo from './repository.ts';

/**
 * Sealing a signed contract, exactly once (ARCHITECTURE.md §4, §5):
 *  1. claim: one conditional UPDATE pending → sealing with a fresh claim id (or takes over a
 *     claim older than `staleSeconds`, whose worker died), committed on its own;
 *  2. render the PDF and seal it with a PAdES signature (no transaction open);
 *  3. one transaction: store the PDF through `files.storeGeneratedFile` (idempotent per
 *     contract), move sealing → sealed only while the claim is still ours, append the audit
 *     entry and emit `agreements.contract.signed`. A sealer whose claim was taken over rolls the
 *     whole transaction back, so the file, the state and the event happen once.
 * A worker killed anywhere leaves `pending` or a stale `sealing`: the sweeper job re-runs it.
 */

export interface SealDeps {
  db: Database;
  log: Logger;
  services: KernelServices;
  actions: ActionRegistry | undefined;
  /** Where the installation's sealing certificate lives (DATA_DIR). */
  dataDir: string;
  /** Test hook: called between rendering and storing (a crash there must leave the contract resealable). */
  beforeStore?: () => Promise<void>;
}

export const SEAL_STALE_SECONDS = 5 * 60;
export const SEAL_JOB = 'agreements.seal-contract';
export const SWEEP_JOB = 'agreements.sweep-unsealed';
export const SEALED_FOLDER = 'Contracts';

const SIGNATURE_LENGTH = 16_384;

/** PAdES (ETSI.CAdES.detached) signature over the whole PDF with the installation's P12. */
export async function sealPdf(pdf: Uint8Array, dataDir: string, info: { reason: string; signingTime: Date }): Promise<Buffer> {
  const certificate = await sealCertificate(dataDir);
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: Buffer.from(pdf),
    reason: info.reason,
    contactInfo: '',
    name: certificate.commonName,
    location: 'UBOS',
    signingTime: info.signingTime,
    signatureLength: SIGNATURE_LENGTH,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: 'UBOS agreements',
  });
  return new SignPdf().sign(withPlaceholder, new P12Signer(certificate.p12, { passphrase: certificate.passphrase }), info.signingTime);
}

function tenantContext(trx: Transaction<UntypedDB>, tenantId: string, deps: SealDeps) {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId: uuidv7(), causationId: null, log: deps.log, services: deps.services });
}

async function renderInput(trx: Transaction<AgreementsDB>, contract: ContractRow): Promise<RenderInput> {
  const signers = await repo.findSigners(trx, contract.id);
  const packet = await repo.findPacketOf(trx, contract.id);
  const audit = packet ? await repo.listAudit(trx, packet.id) : [];
  return {
    organizationName: contract.merge_values['organization.name'] ?? '',
    title: contract.title,
    contractId: contract.id,
    documentHash: contract.document_hash ?? '',
    sections: contract.sections,
    signers: signers.map((s) => ({
      id: s.id,
      position: s.position,
      name: s.name,
      email: s.email,
      role: s.role,
      signedAt: s.signed_at,
      ip: s.ip,
      userAgent: s.user_agent,
      kind: s.signature_kind,
      text: s.signature_text,
      image: s.signature_image,
    })),
    audit: audit.map((e) => ({ seq: e.seq, type: e.type, at: e.at, actorName: e.actor_name, actorEmail: e.actor_email, ip: e.ip, hash: e.hash })),
    completedAt: contract.signed_at ?? new Date(),
  };
}

export type SealOutcome = 'sealed' | 'not_due';

export async function sealContract(deps: SealDeps, tenantId: string, contractId: string, options: { staleSeconds?: number } = {}): Promise<SealOutcome> {
  const claim = uuidv7();
  const claimed = await withTenant<UntypedDB, { contract: ContractRow; input: RenderInput } | null>(deps.db, { tenantId }, async (trx) => {
    const ctx = tenantContext(trx, tenantId, deps);
    const db = ctx.db<AgreementsDB>();
    const contract = await repo.claimSeal(db, contractId, claim, options.staleSeconds ?? SEAL_STALE_SECONDS);
    if (!contract) return null;
    const input = await renderInput(db, contract);
    if (!input.organizationName) input.organizationName = (await readMailBrand(ctx)).name;
    return { contract, input };
  });
  if (!claimed) return 'not_due';
  const { contract, input } = claimed;
  try {
    const pdf = await renderContractPdf(input);
    const sealed = await sealPdf(pdf, deps.dataDir, { reason: `Signed by ${input.signers.map((s) => s.name).join(', ')}`, signingTime: input.completedAt });
    const sha256 = sha256Hex(sealed);
    await deps.beforeStore?.();
    const store = deps.actions?.get('files.storeGeneratedFile');
    if (!store) throw new DomainError('PRECONDITION_FAILED', 'The files domain is not available to store the sealed PDF');
    let storedSha256 = sha256;
    await withTenant<UntypedDB, void>(deps.db, { tenantId }, async (trx) => {
      const ctx = tenantContext(trx, tenantId, deps);
      const db = ctx.db<AgreementsDB>();
      const stored = (await store.run(
        {
          clientId: contract.client_id,
          folderName: SEALED_FOLDER,
          name: `${input.title.replace(/[\\/:*?"<>|]+/g, '-').slice(0, 200)} (signed).pdf`,
          contentType: 'application/pdf',
          contentBase64: sealed.toString('base64'),
          sha256,
        },
        { ...ctx, idempotencyKey: `agreements.seal:${contract.id}` },
      )) as { fileId: string; sha256: string };
      storedSha256 = stored.sha256;
      const done = await repo.finishSeal(db, { contractId: contract.id, claim, fileId: stored.fileId, sha256: stored.sha256 });
      // Our claim was taken over (we were presumed dead): roll back, the other sealer finishes.
      if (!done) throw new SealTakenOver();
      const packet = await repo.findPacketOf(db, contract.id);
      if (packet) {
        await repo.appendAudit(db, {
          tenantId,
          packetId: packet.id,
          type: 'sealed',
          data: { sealed_sha256: stored.sha256, sealed_file_id: stored.fileId, document_hash: contract.document_hash },
        });
      }
      await ctx.emit(
        contractSigned,
        {
          contract_id: done.id,
          client_id: done.client_id,
          contact_id: done.contact_id,
          engagement_id: done.engagement_id,
          proposal_id: done.proposal_id,
          title: done.title,
          document_hash: done.document_hash ?? '',
          sealed_file_id: stored.fileId,
          sealed_sha256: stored.sha256,
          signers: input.signers.map((s) => ({
            signer_id: s.id,
            name: s.name,
            email: s.email,
            position: s.position,
            signed_at: s.signedAt?.toISOString() ?? null,
          })),
        },
        { aggregateId: done.id },
      );
    });
    deps.log.info({ contractId: contract.id, tenantId, attempt: contract.seal_attempts, sha256: storedSha256 }, 'contract sealed');
    return 'sealed';
  } catch (error) {
    if (error instanceof SealTakenOver) return 'not_due';
    await withTenant<UntypedDB, void>(deps.db, { tenantId }, (trx) =>
      repo.recordSealError(tenantContext(trx, tenantId, deps).db<AgreementsDB>(), contract.id, claim, error instanceof Error ? error.message : String(error)),
    ).catch(() => undefined);
    throw error;
  }
}

class SealTakenOver extends Error {}

/** Seals every contract left all signed but unsealed (queued job lost, worker killed mid-seal). */
export async function sweepUnsealed(deps: SealDeps, options: { pendingSeconds?: number; staleSeconds?: number } = {}): Promise<number> {
  const due = await repo.unsealedContracts(deps.db.kysely, options.pendingSeconds ?? 60, options.staleSeconds ?? SEAL_STALE_SECONDS, 50);
  let sealed = 0;
  for (const row of due) {
    try {
      if ((await sealContract(deps, row.tenant_id, row.id, { staleSeconds: options.staleSeconds ?? SEAL_STALE_SECONDS })) === 'sealed') sealed += 1;
    } catch (error) {
      deps.log.warn({ err: error, contractId: row.id, tenantId: row.tenant_id }, 'sealing failed; the sweeper tries again');
    }
  }
  if (sealed > 0) deps.log.info({ sealed }, 'unsealed contracts sealed by the sweeper');
  return sealed;
}
