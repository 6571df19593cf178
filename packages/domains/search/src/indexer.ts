import * as agreements from '@ubos/agreements/contracts';
import * as communications from '@ubos/communications/contracts';
import * as crm from '@ubos/crm/contracts';
import * as files from '@ubos/files/contracts';
import * as portal from '@ubos/portal/contracts';
import * as projects from '@ubos/projects/contracts';
import * as revenue from '@ubos/revenue/contracts';
import { formatMoney } from '@ubos/revenue/contracts';
import * as scheduling from '@ubos/scheduling/contracts';
import type { EventContract, EventEnvelope } from '@ubos/platform';
import type { SearchableType } from './contracts.ts';
import * as repo from './repository.ts';
import type { SearchTrx } from './repository.ts';

/**
 * Turns crm.*, projects.*, files.*, communications threads, portal approvals and users, scheduling.*, agreements' proposals and contracts, and revenue's invoices, bills and vendors into search documents. Each payload is parsed through its
 * publisher's contract (`@ubos/crm/contracts`, `@ubos/projects/contracts`, `@ubos/files/contracts`), then mapped to the few
 * document fields search keeps. A field an event does not carry (undefined) keeps the stored value.
 */
interface DocumentFields {
  id: string;
  /** null: the event carries no usable display name, so only the other fields are patched. */
  title: string | null;
  subtitle?: string | null | undefined;
  clientId?: string | null | undefined;
  parentId?: string | null;
}

type Operation =
  | { kind: 'upsert'; type: SearchableType; fields: DocumentFields }
  | { kind: 'delete'; type: SearchableType; id: string }
  | { kind: 'merge'; type: SearchableType; mergedId: string; survivorId: string };

/** Reads one event through its contract: the operation, or null when the payload does not parse. */
type Reader = (payload: unknown) => Operation | null;

const readers = new Map<string, Reader>();

/** The payload type(s) of contract(s): a union when several contracts share one mapping. */
type PayloadOf<Contract> = Contract extends EventContract<string, infer Payload> ? Payload : never;

/** Indexes events of these contracts with `toOperation`, which sees the fields they all carry. */
function on<Payload extends Record<string, unknown>>(contracts: readonly EventContract<string, Payload>[], toOperation: (payload: Payload) => Operation): void {
  for (const contract of contracts) {
    readers.set(contract.type, (payload) => {
      const parsed = contract.payload.safeParse(payload);
      return parsed.success ? toOperation(parsed.data) : null;
    });
  }
}

/** Display text: blank means "no name carried". */
function text(value: string): string | null {
  const trimmed = value.trim();
  return trimmed ? trimmed : null;
}

on([crm.clientCreated, crm.clientUpdated, crm.clientRestored], (p) => ({
  kind: 'upsert',
  type: 'client',
  fields: { id: p.client_id, title: text(p.name), subtitle: p.domain ?? p.website ?? p.status, clientId: null },
}));
on([crm.clientArchived], (p) => ({ kind: 'delete', type: 'client', id: p.client_id }));
on([crm.clientMerged], (p) => ({ kind: 'merge', type: 'client', mergedId: p.merged_id, survivorId: p.survivor_id }));

on([crm.contactCreated, crm.contactUpdated, crm.contactRestored], (p) => ({
  kind: 'upsert',
  type: 'contact',
  fields: { id: p.contact_id, title: text(p.name), subtitle: p.email, clientId: p.client_id },
}));
on([crm.contactArchived], (p) => ({ kind: 'delete', type: 'contact', id: p.contact_id }));
on([crm.contactMerged], (p) => ({ kind: 'merge', type: 'contact', mergedId: p.merged_id, survivorId: p.survivor_id }));

on<crm.DealSnapshot>([crm.dealCreated, crm.dealUpdated, crm.dealStageChanged, crm.dealWon, crm.dealLost], (p) => ({
  kind: 'upsert',
  type: 'deal',
  fields: { id: p.deal_id, title: text(p.title), subtitle: p.stage_name, clientId: p.client_id },
}));
on([crm.dealArchived], (p) => ({ kind: 'delete', type: 'deal', id: p.deal_id }));

on<PayloadOf<typeof projects.projectCreated | typeof projects.projectUpdated>>([projects.projectCreated, projects.projectUpdated], (p) => ({
  kind: 'upsert',
  type: 'project',
  fields: { id: p.project_id, title: text(p.name), subtitle: p.status, clientId: p.client_id },
}));
on([projects.projectCompleted], (p) => ({ kind: 'upsert', type: 'project', fields: { id: p.project_id, title: text(p.name), clientId: p.client_id } }));

on<PayloadOf<typeof projects.taskCreated | typeof projects.taskUpdated | typeof projects.taskCompleted>>(
  [projects.taskCreated, projects.taskUpdated, projects.taskCompleted],
  (p) => ({
    kind: 'upsert',
    type: 'task',
    fields: { id: p.task_id, title: text(p.title), subtitle: p.status, clientId: p.client_id, parentId: p.project_id },
  }),
);
on([projects.taskMoved], (p) => ({
  kind: 'upsert',
  type: 'task',
  fields: { id: p.task_id, title: text(p.title), clientId: p.client_id, parentId: p.project_id },
}));

// Files by name (the folder is the parent); an archived file leaves the index, a restored one returns.
on<PayloadOf<typeof files.fileUploaded | typeof files.fileVersioned | typeof files.fileRenamed | typeof files.fileMoved | typeof files.fileRestored>>(
  [files.fileUploaded, files.fileVersioned, files.fileRenamed, files.fileMoved, files.fileRestored],
  (p) => ({
    kind: 'upsert',
    type: 'file',
    fields: { id: p.file_id, title: text(p.name), clientId: p.client_id, parentId: p.folder_id },
  }),
);
on([files.fileArchived], (p) => ({ kind: 'delete', type: 'file', id: p.file_id }));

// Email threads by subject and participants, once on a client (the first one filed); off again when no client is left.
on<PayloadOf<typeof communications.threadLinked | typeof communications.threadUnlinked>>([communications.threadLinked, communications.threadUnlinked], (p) =>
  p.client_ids.length > 0
    ? {
        kind: 'upsert',
        type: 'email_thread',
        fields: { id: p.thread_id, title: text(p.subject) ?? '(no subject)', subtitle: p.participants.join(', ').slice(0, 300), clientId: p.client_ids[0] },
      }
    : { kind: 'delete', type: 'email_thread', id: p.thread_id },
);
// Deliverables sent to a client for approval (the client portal); a withdrawn one leaves the index.
on([portal.approvalRequested], (p) => ({
  kind: 'upsert',
  type: 'approval',
  fields: { id: p.approval_id, title: text(p.title), subtitle: `Approval, version ${p.version}`, clientId: p.client_id },
}));
on([portal.approvalSubmitted], (p) => ({
  kind: 'upsert',
  type: 'approval',
  fields: {
    id: p.approval_id,
    title: text(p.title),
    subtitle: p.decision === 'approved' ? `Approved (version ${p.version})` : `Changes requested (version ${p.version})`,
    clientId: p.client_id,
  },
}));
on([portal.approvalCancelled], (p) => ({ kind: 'delete', type: 'approval', id: p.approval_id }));
// Portal users by name and sign-in address; a revoked one stays findable (to invite again), saying so.
on([portal.userInvited], (p) => ({
  kind: 'upsert',
  type: 'portal_user',
  fields: { id: p.portal_user_id, title: text(p.name), subtitle: `Portal user · ${p.email}`, clientId: p.client_id },
}));
on([portal.userRevoked], (p) => ({
  kind: 'upsert',
  type: 'portal_user',
  fields: { id: p.portal_user_id, title: text(p.name), subtitle: `Portal access revoked · ${p.email}`, clientId: p.client_id },
}));
// Appointments by type and attendee, the subtitle the time in the host's zone; a cancelled one leaves the index.
function appointmentSubtitle(startAt: string, timeZone: string): string {
  try {
    const format = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
    });
    return `${format.format(new Date(startAt))} (${timeZone})`;
  } catch {
    return startAt;
  }
}
on<
  PayloadOf<
    | typeof scheduling.appointmentBooked
    | typeof scheduling.appointmentRescheduled
    | typeof scheduling.appointmentCompleted
    | typeof scheduling.appointmentNoShow
  >
>([scheduling.appointmentBooked, scheduling.appointmentRescheduled, scheduling.appointmentCompleted, scheduling.appointmentNoShow], (p) => ({
  kind: 'upsert',
  type: 'appointment',
  fields: {
    id: p.appointment_id,
    title: text(`${p.type_name} with ${p.attendee_name}`),
    subtitle: appointmentSubtitle(p.start_at, p.host_time_zone),
    clientId: p.client_id,
  },
}));
on([scheduling.appointmentCancelled], (p) => ({ kind: 'delete', type: 'appointment', id: p.appointment_id }));
// Agreements: proposals and contracts by title, the subtitle their state; a withdrawn proposal or voided contract leaves the index.
on<PayloadOf<typeof agreements.proposalCreated | typeof agreements.proposalRevised | typeof agreements.proposalSent>>(
  [agreements.proposalCreated, agreements.proposalRevised, agreements.proposalSent],
  (p) => ({
    kind: 'upsert',
    type: 'proposal',
    fields: {
      id: p.proposal_id,
      title: text(p.title),
      subtitle: `Proposal, version ${p.version}, ${agreements.formatMoney(p.total_minor, p.currency)}`,
      clientId: p.client_id,
    },
  }),
);
on<PayloadOf<typeof agreements.proposalAccepted | typeof agreements.proposalDeclined>>([agreements.proposalAccepted, agreements.proposalDeclined], (p) => ({
  kind: 'upsert',
  type: 'proposal',
  fields: {
    id: p.proposal_id,
    title: text(p.title),
    subtitle: `Proposal ${'accepted_by' in p ? 'accepted' : 'declined'} (version ${p.version})`,
    clientId: p.client_id,
  },
}));
on([agreements.proposalWithdrawn], (p) => ({ kind: 'delete', type: 'proposal', id: p.proposal_id }));
on<PayloadOf<typeof agreements.contractCreated | typeof agreements.contractSent | typeof agreements.contractSigned | typeof agreements.contractDeclined>>(
  [agreements.contractCreated, agreements.contractSent, agreements.contractSigned, agreements.contractDeclined],
  (p) => ({
    kind: 'upsert',
    type: 'contract',
    fields: {
      id: p.contract_id,
      title: text(p.title),
      subtitle:
        'sealed_file_id' in p
          ? 'Contract, signed'
          : 'signer_id' in p
            ? 'Contract, declined'
            : 'signing_order' in p
              ? 'Contract, out for signature'
              : 'Contract, draft',
      clientId: p.client_id,
    },
  }),
);
on([agreements.contractVoided], (p) => ({ kind: 'delete', type: 'contract', id: p.contract_id }));

// Revenue, money out: vendors by name (an archived one leaves the index), bills by vendor and
// number with their status; neither concerns a client.
on([revenue.vendorCreated], (p) => ({
  kind: 'upsert',
  type: 'vendor',
  fields: { id: p.vendor_id, title: text(p.name), subtitle: 'Vendor', clientId: null },
}));
on([revenue.vendorUpdated], (p) =>
  p.archived
    ? { kind: 'delete', type: 'vendor', id: p.vendor_id }
    : { kind: 'upsert', type: 'vendor', fields: { id: p.vendor_id, title: text(p.name), subtitle: 'Vendor', clientId: null } },
);
const billStatusWords: Record<string, string> = {
  received: 'received',
  pending_approval: 'waiting for approval',
  approved: 'approved',
  rejected: 'rejected',
  scheduled: 'scheduled',
  paid: 'paid',
};
function billDocument(p: { bill_id: string; vendor_id: string; vendor_name: string; number: string }, status: string): Operation {
  return {
    kind: 'upsert',
    type: 'bill',
    fields: {
      id: p.bill_id,
      title: text(`Bill ${p.number} from ${p.vendor_name}`),
      subtitle: `Bill, ${billStatusWords[status] ?? status}`,
      clientId: null,
      parentId: p.vendor_id,
    },
  };
}
on([revenue.billReceived], (p) => billDocument(p, 'received'));
on([revenue.billUpdated], (p) => billDocument(p, p.status));
on([revenue.billSubmitted], (p) => billDocument(p, 'pending_approval'));
on([revenue.billApproved], (p) => billDocument(p, 'approved'));
on([revenue.billRejected], (p) => billDocument(p, 'rejected'));
on([revenue.billScheduled], (p) => billDocument(p, 'scheduled'));
on([revenue.billPaid], (p) => billDocument(p, 'paid'));
// revenue: invoices, findable by number once issued (a draft by its amount)
on([revenue.invoiceDrafted], (p) => ({
  kind: 'upsert',
  type: 'invoice',
  fields: { id: p.invoice_id, title: 'Draft invoice', subtitle: formatMoney(BigInt(p.total_minor), p.currency), clientId: p.client_id },
}));
on([revenue.invoiceIssued], (p) => ({
  kind: 'upsert',
  type: 'invoice',
  fields: {
    id: p.invoice_id,
    title: text(`Invoice ${p.number}`),
    subtitle: `${formatMoney(BigInt(p.total_minor), p.currency)}, due ${p.due_date}`,
    clientId: p.client_id,
  },
}));
on([revenue.invoicePaid], (p) => ({
  kind: 'upsert',
  type: 'invoice',
  fields: { id: p.invoice_id, title: text(`Invoice ${p.number}`), subtitle: `${formatMoney(BigInt(p.total_minor), p.currency)}, paid`, clientId: p.client_id },
}));
on([revenue.invoiceVoided], (p) => ({ kind: 'delete', type: 'invoice', id: p.invoice_id }));

/** Every event type the indexer reacts to (the subscription's queue filter). */
export const indexedEventTypes: readonly string[] = [...readers.keys()];

export type ApplyOutcome = 'indexed' | 'skipped' | 'unreadable';

/** Applies one event to the current tenant's documents. Idempotent; safe to replay in order. */
export async function applyEvent(trx: SearchTrx, event: EventEnvelope): Promise<ApplyOutcome> {
  const read = readers.get(event.type);
  if (!read) return 'skipped';
  const operation = read(event.payload);
  if (!operation) return 'unreadable';
  if (operation.kind === 'merge') {
    await repo.deleteDocument(trx, operation.type, operation.mergedId);
    if (operation.type === 'client') await repo.repointClient(trx, operation.mergedId, operation.survivorId);
    return 'indexed';
  }
  if (operation.kind === 'delete') {
    await repo.deleteDocument(trx, operation.type, operation.id);
    return 'indexed';
  }
  const { type, fields } = operation;
  if (fields.title === null) {
    // No display name: patch what the event carries.
    await repo.patchDocument(
      trx,
      type,
      fields.id,
      {
        ...(fields.subtitle !== undefined ? { subtitle: fields.subtitle } : {}),
        ...(fields.clientId !== undefined ? { client_id: fields.clientId } : {}),
      },
      event.occurred_at,
    );
    return 'indexed';
  }
  await repo.upsertDocument(trx, {
    tenant_id: event.tenant_id,
    entity_type: type,
    entity_id: fields.id,
    title: fields.title.slice(0, 500),
    subtitle: fields.subtitle ?? null,
    // No indexed contract carries a description: the body stays as it is.
    body: null,
    client_id: fields.clientId ?? null,
    parent_id: fields.parentId ?? null,
    source_event_id: event.id,
    source_occurred_at: event.occurred_at,
  });
  return 'indexed';
}
