import type { Migration } from '@ubos/platform';

export const workflowMigrations: Migration[] = [];
