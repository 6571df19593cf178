import type { JobDefinition } from '@ubos/platform';
import type { IdentityDB } from './db.ts';
import { deleteExpiredPasswordResets, deleteExpiredSessions } from './repository.ts';

/** Expired sessions are already rejected on lookup; this keeps the table small. */
export const purgeExpiredSessions: JobDefinition = {
  name: 'identity.purge-expired-sessions',
  cron: '17 * * * *',
  async run(_data, { db, log }) {
    const deleted = await deleteExpiredSessions(db.as<IdentityDB>());
    if (deleted > 0) log.info({ deleted }, 'expired sessions purged');
    // Reset links a week past their expiry (kept that long so a late click still reads "expired").
    const resets = await deleteExpiredPasswordResets(db.as<IdentityDB>());
    if (resets > 0) log.info({ deleted: resets }, 'expired password reset links purged');
  },
};

export const identityJobs: JobDefinition[] = [purgeExpiredSessions];
