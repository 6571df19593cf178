import type { JobDefinition } from '@ubos/platform';
import { runDigests } from './service-notifications.ts';

/** Hourly: the users who chose the daily digest for this UTC hour get it (a user is claimed once per 20 hours). */
export const notificationDigestJob: JobDefinition = {
  name: 'communications.notification-digest',
  cron: '5 * * * *',
  async run(_data, { db, log }) {
    await runDigests(db, log, { hour: new Date().getUTCHours() });
  },
};

export const notificationJobs: readonly JobDefinition[] = [notificationDigestJob];
