export const clientStatusTone = { lead: 'sky', active: 'green', past: 'slate' } as const;
