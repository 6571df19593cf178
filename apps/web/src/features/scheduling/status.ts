export const statusWords = { held: 'Held', booked: 'Booked', cancelled: 'Cancelled', completed: 'Completed', no_show: 'No-show' } as const;
export const statusTone = { held: 'amber', booked: 'indigo', cancelled: 'slate', completed: 'green', no_show: 'rose' } as const;
