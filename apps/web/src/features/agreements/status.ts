export type Tone = 'slate' | 'green' | 'amber' | 'rose' | 'indigo' | 'sky';

export const proposalTone: Record<string, Tone> = {
  draft: 'slate',
  sent: 'sky',
  viewed: 'indigo',
  accepted: 'green',
  declined: 'rose',
  withdrawn: 'slate',
  expired: 'amber',
};
export const contractTone: Record<string, Tone> = {
  draft: 'slate',
  out_for_signature: 'sky',
  partially_signed: 'indigo',
  signed: 'green',
  declined: 'rose',
  voided: 'slate',
  expired: 'amber',
};
export const words = (status: string) => status.replaceAll('_', ' ');
