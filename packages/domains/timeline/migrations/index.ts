import type { Migration } from '@ubos/platform';

export const timelineMigrations: Migration[] = [];
