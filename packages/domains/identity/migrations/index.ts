import type { Migration } from '@ubos/platform';

export const identityMigrations: Migration[] = [];
