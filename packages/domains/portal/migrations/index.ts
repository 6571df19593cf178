import type { Migration } from '@ubos/platform';

export const portalMigrations: Migration[] = [];
