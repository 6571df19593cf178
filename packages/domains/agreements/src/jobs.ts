import { loadConfig, type JobContext, type JobDefinition } from '@ubos/platform';
import { z } from 'zod';
import { SEAL_JOB, sealContract, sweepUnsealed, SWEEP_JOB, type SealDeps } from './seal.ts';

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

export const agreementsJobs: JobDefinition[] = [sealContractJob, sweepUnsealedJob];
