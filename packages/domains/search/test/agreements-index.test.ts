import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as agreements from '@ubos/agreements/contracts';
import { createCallerFactory, uuidv7, withTenant, type EventContract, type EventEnvelope } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments } from '../src/handlers.ts';
import { indexedEventTypes } from '../src/indexer.ts';
import { searchRouter } from '../src/router.ts';
import { handlerContext, modules, searchSession } from './helpers.ts';

/** Proposals and contracts in search, read through @ubos/agreements/contracts. */
let testDb: TestDatabase;
const createCaller = createCallerFactory(searchRouter);
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function deliver<P extends Record<string, unknown>>(tenantId: string, contract: EventContract<string, P>, payload: P) {
  const event: EventEnvelope = {
    id: uuidv7(),
    tenant_id: tenantId,
    type: contract.type,
    version: contract.version,
    payload: contract.payload.parse(payload),
    actor_id: null,
    aggregate_type: contract.aggregateType,
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: 'agreements',
    causation_id: null,
  };
  await withTenant(testDb.db, { tenantId }, (trx) => indexDocuments.handle(event, handlerContext(trx, tenantId, 'agreements', event.id)));
}

describe('agreements in search', () => {
  it('indexes proposals and contracts by title with their state, and drops withdrawn and voided ones', async () => {
    const tenantId = uuidv7();
    const clientId = uuidv7();
    const proposal = {
      proposal_id: uuidv7(),
      client_id: clientId,
      contact_id: null,
      engagement_id: null,
      project_id: null,
      title: 'Retainer proposal',
      version: 1,
      currency: 'EUR',
      total_minor: 123_450,
    };
    const withdrawn = { ...proposal, proposal_id: uuidv7(), title: 'Retainer withdrawn' };
    const contract = {
      contract_id: uuidv7(),
      client_id: clientId,
      contact_id: null,
      engagement_id: null,
      proposal_id: proposal.proposal_id,
      title: 'Retainer contract',
    };
    const voided = { ...contract, contract_id: uuidv7(), title: 'Retainer voided' };
    await deliver(tenantId, agreements.proposalCreated, proposal);
    await deliver(tenantId, agreements.proposalSent, { ...proposal, content_hash: 'a'.repeat(64), sent_by: null });
    await deliver(tenantId, agreements.proposalCreated, withdrawn);
    await deliver(tenantId, agreements.proposalWithdrawn, { ...withdrawn, withdrawn_by: null });
    await deliver(tenantId, agreements.contractCreated, contract);
    await deliver(tenantId, agreements.contractSigned, {
      ...contract,
      document_hash: 'b'.repeat(64),
      sealed_file_id: uuidv7(),
      sealed_sha256: 'c'.repeat(64),
      signers: [],
    });
    await deliver(tenantId, agreements.contractCreated, voided);
    await deliver(tenantId, agreements.contractVoided, { ...voided, reason: 'mistake', voided_by: null });
    const caller = createCaller(testContext({ db: testDb.db, session: searchSession({ userId: uuidv7(), tenantId, role: 'viewer' }), modules }));
    const result = await caller.query({ q: 'retainer', limit: 20 });
    const byType = Object.fromEntries(result.groups.map((group) => [group.type, group.hits.map((hit) => [hit.id, hit.title, hit.subtitle, hit.clientId])]));
    expect(byType).toEqual({
      proposal: [[proposal.proposal_id, 'Retainer proposal', 'Proposal, version 1, EUR 1,234.50', clientId]],
      contract: [[contract.contract_id, 'Retainer contract', 'Contract, signed', clientId]],
    });
    expect(indexedEventTypes).toContain('agreements.contract.signed');
  });
});
