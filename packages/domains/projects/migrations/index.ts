import type { Migration } from '@ubos/platform';

export const projectsMigrations: Migration[] = [];
