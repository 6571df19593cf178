import type { Migration } from '@ubos/platform';

export const crmMigrations: Migration[] = [];
