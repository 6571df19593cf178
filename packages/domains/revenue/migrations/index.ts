import type { Migration } from '@ubos/platform';

export const revenueMigrations: Migration[] = [];
