import { createDomainContext, loadConfig, uuidv7, withTenant, type JobContext, type JobDefinition, type UntypedDB } from '@ubos/platform';
import { z } from 'zod';
import * as repo from './repository.ts';
import { SEAL_JOB, sealContract, sweepUnsealed, SWEEP_JOB, type SealDeps } from './seal.ts';
import { resendSigningLink } from './service-contracts.ts';

/** Jobs of the agreements domain (ARCHITECTURE.md §5): sealing signed contracts, and the sweeper that guarantees it. */

function depsOf(context: JobContext): SealDeps {
  // Module jobs get no Config (§10): DATA_DIR comes from the environment as the host reads it.
  return { db: context.db, log: context.log, services: context.services, actions: context.actions, dataDir: loadConfig().DATA_DIR };
}

const sealJobData = z.object({ tenantId: z.uuid(), contractId: z.uuid() });

/** Queued after the last signature commits (one per contract: singletonKey = contract id). */
export const sealContractJob: JobDefinition = {
  name: SEAL_JOB,
  async run(data, context) {
    const { tenantId, contractId } = sealJobData.parse(data);
    await sealContract(depsOf(context), tenantId, contractId);
  },
};

/**
 * Every minute: contracts all signed but unsealed for more than a minute (the queued job was
 * lost) or whose sealer's claim is older than five minutes (its worker died) are sealed here.
 */
export const sweepUnsealedJob: JobDefinition = {
  name: SWEEP_JOB,
  cron: '* * * * *',
  async run(_data, context) {
    await sweepUnsealed(depsOf(context));
  },
};

/**
 * Reminds every signer due one at `now` (their turn, the contract open, `reminder_days` since
 * their link was sent or last resent, fewer than five reminders): a fresh link by email, as a
 * resend does (only token hashes are stored, so a reminder carries a new link and the previous one
 * stops working), audited as `reminded`. Signing, declining or voiding ends them: the work list
 * holds only pending signers of open contracts.
 */
export async function remindSigners(context: Pick<JobContext, 'db' | 'log' | 'services'>, now = new Date()): Promise<number> {
  const due = await repo.signersDueReminder(context.db.kysely, now, 200);
  let sent = 0;
  for (const row of due) {
    try {
      await withTenant<UntypedDB, void>(context.db, { tenantId: row.tenant_id }, async (trx) => {
        const ctx = createDomainContext({
          trx,
          tenantId: row.tenant_id,
          actorId: null,
          correlationId: uuidv7(),
          causationId: null,
          log: context.log,
          services: context.services,
        });
        await resendSigningLink(ctx, { id: row.contract_id, signerId: row.id }, { reminder: true, at: now });
      });
      sent += 1;
    } catch (error) {
      context.log.warn({ err: error, signerId: row.id, contractId: row.contract_id }, 'signing reminder not sent; the next pass tries again');
    }
  }
  if (sent > 0) context.log.info({ sent }, 'signing reminders sent');
  return sent;
}

export const remindSignersJob: JobDefinition = {
  name: 'agreements.remind-signers',
  cron: '17 * * * *',
  async run(_data, context) {
    await remindSigners(context);
  },
};

export const agreementsJobs: JobDefinition[] = [sealContractJob, sweepUnsealedJob, remindSignersJob];
