import type { Migration } from '@ubos/platform';

export const filesMigrations: Migration[] = [];
