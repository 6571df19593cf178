import {
  acceptedProposalDto,
  clientProposalJson,
  clientProposalSummaryJson,
  declinedProposalDto,
  type ClientProposalJson,
  type ClientProposalSummaryJson,
} from '@ubos/agreements/contracts';
import { DomainError, uuidv7, type ActionRegistry, type DomainContext, type PortalSessionInfo } from '@ubos/platform';
import { z } from 'zod';

/**
 * The client's proposals in the portal: always the session's client, read and decided through
 * the agreements domain's workflow actions (agreements owns proposals; the portal names the
 * client from its session, never from input). Acceptance names the content hash of the version
 * the client read; agreements refuses it once a newer version exists.
 */

function action(actions: ActionRegistry, name: string) {
  const found = actions.get(name);
  if (!found) throw new DomainError('PRECONDITION_FAILED', 'Proposals are not available on this server.');
  return found;
}

export async function list(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo): Promise<ClientProposalSummaryJson[]> {
  const result = await action(actions, 'agreements.listClientProposals').run(
    { clientId: portal.clientId },
    { ...ctx, idempotencyKey: `portal-proposals:${uuidv7()}` },
  );
  return z.array(clientProposalSummaryJson).parse(result);
}

export async function get(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, proposalId: string): Promise<ClientProposalJson> {
  const result = await action(actions, 'agreements.getClientProposal').run(
    { clientId: portal.clientId, proposalId, viewerName: portal.name },
    { ...ctx, idempotencyKey: `portal-proposal:${uuidv7()}` },
  );
  return clientProposalJson.parse(result);
}

export async function accept(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, input: { proposalId: string; contentHash: string }) {
  const result = await action(actions, 'agreements.acceptProposal').run(
    { clientId: portal.clientId, proposalId: input.proposalId, contentHash: input.contentHash, acceptedBy: portal.name || portal.email },
    // A repeated click on the same version returns the same acceptance.
    { ...ctx, idempotencyKey: `portal-accept:${input.proposalId}:${input.contentHash}` },
  );
  return acceptedProposalDto.parse(result);
}

export async function decline(ctx: DomainContext, actions: ActionRegistry, portal: PortalSessionInfo, input: { proposalId: string; reason: string | null }) {
  const result = await action(actions, 'agreements.declineProposal').run(
    { clientId: portal.clientId, proposalId: input.proposalId, reason: input.reason, declinedBy: portal.name || portal.email },
    { ...ctx, idempotencyKey: `portal-decline:${input.proposalId}` },
  );
  return declinedProposalDto.parse(result);
}
