import type { Migration } from '@ubos/platform';

export const schedulingMigrations: Migration[] = [];
