import type { Migration } from '@ubos/platform';

export const searchMigrations: Migration[] = [];
