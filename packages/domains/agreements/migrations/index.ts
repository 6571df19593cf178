import type { Migration } from '@ubos/platform';

export const agreementsMigrations: Migration[] = [];
