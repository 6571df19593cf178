export const statusTone = { planned: 'sky', active: 'indigo', on_hold: 'amber', completed: 'green', cancelled: 'slate' } as const;
