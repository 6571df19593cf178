import type { Migration } from '@ubos/platform';

export const communicationsMigrations: Migration[] = [];
