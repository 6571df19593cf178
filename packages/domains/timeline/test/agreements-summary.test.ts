import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { clientIdOf, summarize } from '../src/summary.ts';

/** Agreements events read in words on the timeline (through @ubos/agreements/contracts), filed under the client. */
describe('agreements summaries', () => {
  const clientId = uuidv7();
  const proposal = {
    proposal_id: uuidv7(),
    client_id: clientId,
    contact_id: null,
    engagement_id: null,
    project_id: null,
    title: 'Website',
    version: 2,
    currency: 'EUR',
    total_minor: 800_000,
  };
  const contract = {
    contract_id: uuidv7(),
    client_id: clientId,
    contact_id: null,
    engagement_id: null,
    proposal_id: proposal.proposal_id,
    title: 'Website contract',
  };
  const signer = (name: string, position: number) => ({ signer_id: uuidv7(), name, email: `${position}@x.test`, position, signed_at: null });

  it('says what happened to proposals and contracts, with versions, totals and signers', () => {
    expect(summarize('agreements.proposal.sent', { ...proposal, content_hash: 'a'.repeat(64), sent_by: null })).toBe(
      'Proposal sent: "Website", version 2, EUR 8,000.00',
    );
    expect(
      summarize('agreements.proposal.accepted', {
        ...proposal,
        content_hash: 'a'.repeat(64),
        accepted_by: 'Ada Client',
        payment_schedule: { deposit_percent: 30, milestones: [], recurring: null },
        lines: [],
      }),
    ).toBe('Ada Client accepted the proposal "Website" (version 2, EUR 8,000.00)');
    expect(summarize('agreements.proposal.revised', { ...proposal, new_version: true })).toBe('Proposal "Website" revised: version 2 (EUR 8,000.00)');
    expect(
      summarize('agreements.contract.sent', {
        ...contract,
        document_hash: 'b'.repeat(64),
        signing_order: 'sequential',
        signers: [signer('Ada', 1), signer('Dee', 2)],
      }),
    ).toBe('Contract "Website contract" sent for signature to Ada, Dee');
    expect(summarize('agreements.contract.signer_signed', { ...contract, signer_id: uuidv7(), signer_name: 'Ada', remaining: 1 })).toBe(
      'Ada signed "Website contract" (1 signature to go)',
    );
    expect(
      summarize('agreements.contract.signed', {
        ...contract,
        document_hash: 'b'.repeat(64),
        sealed_file_id: uuidv7(),
        sealed_sha256: 'c'.repeat(64),
        signers: [signer('Ada', 1), signer('Dee', 2)],
      }),
    ).toBe('Contract "Website contract" signed by Ada, Dee; the sealed PDF is in the client\'s files');
    expect(summarize('agreements.contract.voided', { ...contract, reason: 'Sent by mistake', voided_by: null })).toBe(
      'Contract voided: "Website contract" (Sent by mistake)',
    );
    expect(clientIdOf({ aggregate_type: 'agreements.contract', aggregate_id: contract.contract_id, payload: contract })).toBe(clientId);
  });
});
