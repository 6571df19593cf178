import type { JobDefinition } from '@ubos/platform';

/** Jobs of the files domain (ARCHITECTURE.md §5). */
export const filesJobs: JobDefinition[] = [];
