import {
  connectionConnected,
  connectionDegraded,
  connectionDisconnected,
  connectionNeedsReauth,
  connectionRecovered,
  connectionRetryRequested,
  deadLettersRedriven,
  eventsReplayed,
  oauthStarted,
  providerLabels,
  type EventContract,
  type EventEnvelope,
} from '@ubos/platform';
import * as agreements from '@ubos/agreements/contracts';
import * as communications from '@ubos/communications/contracts';
import * as files from '@ubos/files/contracts';
import * as identity from '@ubos/identity/contracts';
import * as portal from '@ubos/portal/contracts';
import * as revenue from '@ubos/revenue/contracts';
import { formatMoney } from '@ubos/revenue/contracts';
import * as scheduling from '@ubos/scheduling/contracts';
import { z } from 'zod';

const uuid = z.uuid();

/** What the timeline stores for one event, derived from the envelope alone. */
export interface Activity {
  type: string;
  eventVersion: number;
  actorId: string | null;
  entityType: string | null;
  entityId: string | null;
  clientId: string | null;
  summary: string;
  payload: Record<string, unknown>;
  correlationId: string;
  occurredAt: string;
}

function asUuid(value: unknown): string | null {
  return typeof value === 'string' && uuid.safeParse(value).success ? value : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.trim().length > 0) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * The client an event concerns, when it says: a client aggregate (`crm.client`), or the payload's
 * `client_id` (payloads are snake_case, ARCHITECTURE.md §5). Read from the envelope alone, for any
 * event type, old aggregate spellings included (they never named a client aggregate).
 */
export function clientIdOf(event: Pick<EventEnvelope, 'aggregate_type' | 'aggregate_id' | 'payload'>): string | null {
  if (event.aggregate_type?.endsWith('.client')) {
    const fromAggregate = asUuid(event.aggregate_id);
    if (fromAggregate) return fromAggregate;
  }
  return asUuid(event.payload.client_id);
}

const words = (segment: string) => segment.replace(/[_-]+/g, ' ');

/** "1 file", "3 files". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A size in words: 512 bytes, 12.5 KB, 3.2 MB. */
function bytes(size: number): string {
  if (size < 1024) return `${size} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Math.round(value * 10) / 10} ${units[unit]}`;
}

/** An instant as the host reads it: "Tue, 31 Mar 2026, 09:00 (Europe/Berlin)". */
function when(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    const format = new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
    });
    return `${format.format(date)} (${timeZone})`;
  } catch {
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} (UTC)`;
  }
}

/** Minor units in words with the currency's own decimals, by integer arithmetic: "USD 1,234.50". */
function billMoney(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    digits = 2;
  }
  const raw = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const whole = raw.slice(0, raw.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${minor < 0 ? '-' : ''}${currency} ${whole}${digits > 0 ? `.${raw.slice(raw.length - digits)}` : ''}`;
}

const cancelledBy = { attendee: 'by the attendee', staff: 'by staff', system: 'automatically' } as const;

/** A label for the thing the event is about, from the usual payload fields. */
function labelOf(payload: Record<string, unknown>): string | null {
  for (const key of ['name', 'title', 'subject', 'number', 'email', 'fileName', 'filename']) {
    const value = text(payload[key]);
    if (value) return value.length > 120 ? `${value.slice(0, 117)}...` : value;
  }
  return null;
}

/** A summary line for one event type, reading the payload through that type's contract. */
interface Template {
  type: string;
  line(payload: Record<string, unknown>): string | null;
}

function template<Payload extends Record<string, unknown>>(contract: EventContract<string, Payload>, line: (payload: Payload) => string | null): Template {
  return {
    type: contract.type,
    line(payload) {
      const parsed = contract.payload.safeParse(payload);
      // A payload the contract rejects gets the generic line.
      return parsed.success ? line(parsed.data) : null;
    },
  };
}

// Identity's events at their current version, v2 (snake_case); the runner upcasts v1 before the handler sees it.
const templates: readonly Template[] = [
  template(identity.userCreated, (p) => (text(p.name) ? `User ${text(p.name)} signed up${text(p.email) ? ` (${text(p.email)})` : ''}` : null)),
  template(identity.organizationCreated, (p) => (text(p.name) ? `Organization ${text(p.name)} created` : null)),
  template(identity.memberInvited, (p) => (text(p.email) ? `${text(p.email)} invited as ${text(p.role) ?? 'member'}` : null)),
  template(identity.memberJoined, (p) => `A member joined as ${text(p.role) ?? 'member'}${text(p.via) ? ` (${words(p.via)})` : ''}`),
  template(identity.memberRoleChanged, (p) => `A member's role changed from ${text(p.previous_role) ?? '?'} to ${text(p.role) ?? '?'}`),
  template(identity.memberRemoved, () => 'A member was removed'),
  template(identity.invitationRevoked, (p) => (text(p.email) ? `Invitation for ${text(p.email)} revoked` : null)),
  template(identity.passwordResetRequested, () => 'A password reset link was emailed'),
  template(identity.apiKeyCreated, (p) => (text(p.name) ? `API key ${text(p.name)} created` : null)),
  template(identity.apiKeyRevoked, (p) => (text(p.name) ? `API key ${text(p.name)} revoked` : null)),
  template(identity.passwordReset, (p) => `A password was reset with an emailed link; ${count(p.sessions_ended, 'session')} ended`),
  // The kernel's event administration (§5): every redrive and replay is on the record.
  template(deadLettersRedriven, (p) =>
    p.dead_letter_ids?.length === 1
      ? `A failed event was sent again to ${p.subscriptions[0] ?? 'its subscription'}`
      : `${count(p.redriven, 'failed event')} sent again${p.subscriptions[0] === '*' ? '' : ` to ${p.subscriptions.join(', ')}`}`,
  ),
  template(
    eventsReplayed,
    (p) => `${count(p.enqueued, 'event')} replayed to ${p.subscription} from ${p.from}${p.reset ? ' (its read model reset first)' : ''}`,
  ),
  // The kernel's integrations registry (§7): the provider's name, the account, what happened.
  template(connectionConnected, (p) => `${providerLabels[p.provider]} ${p.reconnected ? 'reconnected' : 'connected'}: ${p.account_label}`),
  template(connectionNeedsReauth, (p) => `${providerLabels[p.provider]} needs reconnecting: ${p.account_label}`),
  template(connectionDisconnected, (p) => `${providerLabels[p.provider]} disconnected: ${p.account_label}`),
  template(connectionDegraded, (p) => `${providerLabels[p.provider]} is failing (${p.account_label}): ${p.error_message}`),
  template(connectionRecovered, (p) => `${providerLabels[p.provider]} works again: ${p.account_label}`),
  template(connectionRetryRequested, (p) => `Retry requested for ${providerLabels[p.provider]}: ${p.account_label}`),
  template(oauthStarted, (p) => `Started ${p.connection_id ? 'reconnecting' : 'connecting'} ${providerLabels[p.provider]}`),
  // Files (folders, uploads, versions, file requests).
  template(files.folderCreated, (p) => `Folder "${p.name}" created`),
  template(files.folderRenamed, (p) => `Folder "${p.previous_name}" renamed to "${p.name}"`),
  template(files.folderMoved, (p) => `Folder "${p.name}" moved`),
  template(files.folderArchived, (p) => `Folder "${p.name}" archived${p.file_count > 0 ? ` with ${count(p.file_count, 'file')}` : ''}`),
  // Client email: details only once a thread is on a client (a private mailbox's events carry none).
  template(communications.emailReceived, (p) =>
    p.client_id && p.subject !== null ? `Email from ${p.from_address ?? 'someone'}: ${p.subject || '(no subject)'}` : 'An email arrived in a private mailbox',
  ),
  template(communications.threadCreated, (p) => (p.client_id && p.subject !== null ? `Email conversation started: ${p.subject}` : null)),
  template(communications.threadLinked, (p) =>
    p.source === 'auto'
      ? `Email conversation "${p.subject}" filed on the client (a contact takes part)`
      : `Email conversation "${p.subject}" linked to the client`,
  ),
  template(communications.threadUnlinked, (p) => `Email conversation "${p.subject}" removed from the client`),
  template(communications.emailQueued, (p) =>
    p.subject !== null ? `Email to ${p.to.join(', ')} queued: ${p.subject}` : 'An email from a private mailbox was queued',
  ),
  template(communications.emailSent, (p) =>
    p.subject !== null ? `Email sent to ${p.to.join(', ')}: ${p.subject}` : 'An email from a private mailbox was sent',
  ),
  template(communications.emailSendFailed, (p) =>
    p.subject !== null
      ? `Email to ${p.to.join(', ')} could not be sent (${p.reason}): ${p.subject}`
      : `An email from a private mailbox could not be sent (${p.reason})`,
  ),
  template(communications.accountConnected, (p) => `Mailbox connected: ${p.email_address}`),
  template(communications.accountDisconnected, (p) => `Mailbox disconnected: ${p.email_address}`),
  template(
    communications.accountReconciled,
    (p) =>
      `Mailbox ${p.email_address} checked against its server: ${count(p.deleted_on_server, 'message')} deleted there, ${count(p.missing_locally, 'message')} missing here${p.missing_locally > 0 ? ' (fetched again)' : ''}`,
  ),
  template(files.fileUploaded, (p) =>
    p.request_id
      ? `${text(p.uploader_name) ?? text(p.uploader_email) ?? 'Someone'} sent ${p.name} (${bytes(p.size)}) through a file request`
      : `File uploaded: ${p.name} (${bytes(p.size)})`,
  ),
  template(files.fileVersioned, (p) => `Version ${p.version} of ${p.name} uploaded (${bytes(p.size)})`),
  template(files.fileRenamed, (p) => `File "${p.previous_name}" renamed to "${p.name}"`),
  template(files.fileMoved, (p) => (p.previous_project_id !== p.project_id && p.project_id ? `File ${p.name} attached to a project` : `File ${p.name} moved`)),
  template(files.fileArchived, (p) => `File archived: ${p.name}`),
  template(files.fileRestored, (p) => `File restored: ${p.name}`),
  template(files.templateSaved, (p) => `Folder template ${p.created ? 'created' : 'updated'}: ${p.name}`),
  template(files.requestCreated, (p) => `File request created: ${p.label} (up to ${count(p.max_files, 'file')})`),
  template(files.requestRevoked, (p) => `File request revoked: ${p.label}`),
  template(files.requestCompleted, (p) => {
    const who = text(p.uploader_name) ?? text(p.uploader_email) ?? 'The client';
    const names = p.file_names.length > 3 ? `${p.file_names.slice(0, 3).join(', ')} and ${p.file_names.length - 3} more` : p.file_names.join(', ');
    return `${who} sent ${count(p.file_names.length, 'file')} for "${p.label}"${names ? `: ${names}` : ''}`;
  }),
  // The client portal (§3): the portal user, by name, is the one acting on its own events.
  template(portal.userInvited, (p) => `${p.name} ${p.reinvited ? 'invited again' : 'invited'} to the client portal (${p.email})`),
  template(
    portal.userRevoked,
    (p) => `${p.name}'s client portal access revoked${p.sessions_ended > 0 ? ` (${count(p.sessions_ended, 'session')} ended)` : ''}`,
  ),
  template(portal.accessed, (p) => `${p.name} signed in to the client portal`),
  template(portal.signedOut, (p) => `${p.name} signed out of the client portal${p.everywhere ? ' on every device' : ''}`),
  template(portal.approvalRequested, (p) =>
    p.new_version ? `Version ${p.version} of "${p.title}" is waiting for the client's approval` : `Approval requested from the client: "${p.title}"`,
  ),
  template(portal.approvalSubmitted, (p) =>
    p.decision === 'approved'
      ? `${p.portal_user_name} approved "${p.title}"${p.kind === 'file' ? ` (version ${p.version})` : ''}`
      : `${p.portal_user_name} asked for changes to "${p.title}"${p.kind === 'file' ? ` (version ${p.version})` : ''}${p.comment ? `: ${p.comment.length > 120 ? `${p.comment.slice(0, 117)}...` : p.comment}` : ''}`,
  ),
  template(portal.approvalCancelled, (p) => `Approval withdrawn: "${p.title}"`),
  template(portal.sharesUpdated, (p) => `Shared in the client portal: ${count(p.folder_ids.length, 'folder')}, ${count(p.task_ids.length, 'task')}`),
  template(portal.clientNotified, (p) => `Client portal notice sent to ${p.recipients === 1 ? '1 person' : `${p.recipients} people`}: ${p.subject}`),
  // Scheduling: what, with whom, when (in the host's time zone).
  template(scheduling.appointmentBooked, (p) => `${p.type_name} booked with ${p.attendee_name} for ${when(p.start_at, p.host_time_zone)}`),
  template(
    scheduling.appointmentRescheduled,
    (p) =>
      `${p.type_name} with ${p.attendee_name} moved from ${when(p.previous_start_at, p.host_time_zone)} to ${when(p.start_at, p.host_time_zone)}${p.reason ? `: ${p.reason}` : ''}`,
  ),
  template(
    scheduling.appointmentCancelled,
    (p) => `${p.type_name} with ${p.attendee_name} on ${when(p.start_at, p.host_time_zone)} cancelled ${cancelledBy[p.by]}${p.reason ? `: ${p.reason}` : ''}`,
  ),
  template(scheduling.appointmentCompleted, (p) => `${p.type_name} with ${p.attendee_name} took place on ${when(p.start_at, p.host_time_zone)}`),
  template(scheduling.appointmentNoShow, (p) => `${p.attendee_name} did not come to ${p.type_name} on ${when(p.start_at, p.host_time_zone)}`),
  template(scheduling.typeCreated, (p) => `Appointment type created: ${p.name} (${p.duration_minutes} minutes)`),
  template(scheduling.typeUpdated, (p) => `Appointment type updated: ${p.name}`),
  template(scheduling.typeArchived, (p) => `Appointment type archived: ${p.name}`),
  template(
    scheduling.availabilityUpdated,
    (p) => `Working hours updated: ${p.weekly_hours} hours a week in ${p.time_zone}${p.override_count ? `, ${count(p.override_count, 'date override')}` : ''}`,
  ),
  template(scheduling.siteUpdated, (p) => `Booking address set to /book/${p.slug}`),
  template(scheduling.calendarConnected, (p) => `Calendar connected: ${p.display_name}`),
  template(scheduling.calendarPrimarySet, (p) => `Primary calendar set to ${p.display_name}`),
  // Revenue, money out: vendors, bills and approvals (no client: they appear in the organization's
  // timeline and on the bill's own, never on a client's).
  template(revenue.vendorCreated, (p) => `Vendor added: ${p.name}`),
  template(revenue.vendorUpdated, (p) => (p.archived && p.changed.includes('archived_at') ? `Vendor archived: ${p.name}` : `Vendor updated: ${p.name}`)),
  template(revenue.billReceived, (p) => `Bill ${p.number} from ${p.vendor_name} received: ${billMoney(p.total_minor, p.currency)}`),
  template(revenue.billUpdated, (p) =>
    p.reopened
      ? `Bill ${p.number} from ${p.vendor_name} changed to ${billMoney(p.total_minor, p.currency)}: approval starts again`
      : `Bill ${p.number} from ${p.vendor_name} updated`,
  ),
  template(revenue.billSubmitted, (p) =>
    p.rule_name
      ? `Bill ${p.number} from ${p.vendor_name} sent for approval (${p.rule_name}, ${count(p.steps, 'step')})`
      : `Bill ${p.number} from ${p.vendor_name} submitted; no approval needed`,
  ),
  template(revenue.billApproved, (p) =>
    p.automatic
      ? `Bill ${p.number} from ${p.vendor_name} approved (under every approval threshold)`
      : `Bill ${p.number} from ${p.vendor_name} approved (${billMoney(p.total_minor, p.currency)})`,
  ),
  template(revenue.billRejected, (p) => `Bill ${p.number} from ${p.vendor_name} rejected: ${p.reason}`),
  template(revenue.billScheduled, (p) => `Bill ${p.number} from ${p.vendor_name} scheduled for payment on ${p.scheduled_for}`),
  template(
    revenue.billPaid,
    (p) => `Bill ${p.number} from ${p.vendor_name} paid: ${billMoney(p.total_minor, p.currency)}${p.reference ? ` (${p.reference})` : ''}`,
  ),
  template(revenue.approvalDecided, (p) =>
    p.decision === 'approve'
      ? `Approved step ${p.step_position + 1} of a ${p.subject_kind}${p.approver_id !== p.decided_by ? ' on behalf of an away approver' : ''}`
      : `Rejected a ${p.subject_kind} at step ${p.step_position + 1}: ${p.reason ?? ''}`,
  ),
  template(revenue.approvalReminderDue, (p) => `Reminder: ${p.title}`),
  template(
    revenue.policiesUpdated,
    (p) => `Approval policy for ${p.subject_kind}s updated: ${count(p.rules, 'rule')}, reminders after ${count(p.reminder_hours, 'hour')}`,
  ),
  template(revenue.delegationCreated, (p) => `Approvals delegated from ${p.starts_on} to ${p.ends_on}`),
  template(revenue.delegationRevoked, () => 'An approval delegation was withdrawn'),
  // revenue: money in (amounts printed by revenue's own formatMoney, the PDF's wording)
  template(revenue.invoiceDrafted, (p) => `Invoice drafted for ${formatMoney(BigInt(p.total_minor), p.currency)}`),
  template(revenue.invoiceSubmitted, (p) => `Invoice for ${formatMoney(BigInt(p.total_minor), p.currency)} submitted for approval`),
  template(revenue.invoiceApproved, (p) => `Invoice for ${formatMoney(BigInt(p.total_minor), p.currency)} approved`),
  template(revenue.invoiceIssued, (p) => `Invoice ${p.number} issued for ${formatMoney(BigInt(p.total_minor), p.currency)}, due ${p.due_date}`),
  template(revenue.invoiceSent, (p) => `Invoice ${p.number} emailed to ${p.to}`),
  template(revenue.invoicePaid, (p) => `Invoice ${p.number} paid in full (${formatMoney(BigInt(p.total_minor), p.currency)})`),
  template(revenue.invoiceVoided, (p) => `Invoice ${p.number ?? '(draft)'} voided: ${p.reason}`),
  template(
    revenue.paymentRecorded,
    (p) =>
      `Payment of ${formatMoney(BigInt(p.amount_minor), p.currency)} received${p.invoice_number ? ` for invoice ${p.invoice_number}` : ''}${p.credit_minor !== '0' ? ` (${formatMoney(BigInt(p.credit_minor), p.currency)} kept as credit)` : ''}`,
  ),
  template(
    revenue.paymentRefunded,
    (p) => `Refund of ${formatMoney(BigInt(p.amount_minor), p.currency)}${p.invoice_number ? ` on invoice ${p.invoice_number}` : ''}`,
  ),
  template(
    revenue.creditNoteIssued,
    (p) =>
      `Credit note ${p.number} of ${formatMoney(BigInt(p.amount_minor), p.currency)}${p.invoice_number ? ` on invoice ${p.invoice_number}` : ''}: ${p.reason}`,
  ),
  template(revenue.planCreated, (p) => `Invoice plan created: ${p.name}`),
  template(revenue.planStatusChanged, (p) => `Invoice plan ${p.name} ${p.status === 'active' ? 'resumed' : p.status}`),
  // Agreements: proposals (title, version, total) and contracts (signers, sealing).
  template(agreements.templateCreated, (p) => `${p.kind === 'proposal' ? 'Proposal' : 'Contract'} template created: ${p.name}`),
  template(agreements.templateUpdated, (p) => `${p.kind === 'proposal' ? 'Proposal' : 'Contract'} template updated: ${p.name}`),
  template(agreements.templateArchived, (p) => `${p.kind === 'proposal' ? 'Proposal' : 'Contract'} template archived: ${p.name}`),
  template(agreements.proposalCreated, (p) => `Proposal drafted: "${p.title}" (${agreements.formatMoney(p.total_minor, p.currency)})`),
  template(agreements.proposalRevised, (p) =>
    p.new_version
      ? `Proposal "${p.title}" revised: version ${p.version} (${agreements.formatMoney(p.total_minor, p.currency)})`
      : `Proposal "${p.title}" edited`,
  ),
  template(agreements.proposalSent, (p) => `Proposal sent: "${p.title}", version ${p.version}, ${agreements.formatMoney(p.total_minor, p.currency)}`),
  template(agreements.proposalViewed, (p) => `${p.viewer_name ?? 'The client'} opened the proposal "${p.title}" (version ${p.version})`),
  template(
    agreements.proposalAccepted,
    (p) => `${p.accepted_by} accepted the proposal "${p.title}" (version ${p.version}, ${agreements.formatMoney(p.total_minor, p.currency)})`,
  ),
  template(agreements.proposalDeclined, (p) => `${p.declined_by} declined the proposal "${p.title}"${p.reason ? `: ${p.reason}` : ''}`),
  template(agreements.proposalWithdrawn, (p) => `Proposal withdrawn: "${p.title}"`),
  template(agreements.contractCreated, (p) => `Contract drafted: "${p.title}"`),
  template(agreements.contractSent, (p) => `Contract "${p.title}" sent for signature to ${p.signers.map((s) => s.name).join(', ')}`),
  template(agreements.contractSignerSigned, (p) =>
    p.remaining > 0
      ? `${p.signer_name} signed "${p.title}" (${count(p.remaining, 'signature')} to go)`
      : `${p.signer_name} signed "${p.title}": every signer has signed`,
  ),
  template(
    agreements.contractSigned,
    (p) => `Contract "${p.title}" signed by ${p.signers.map((s) => s.name).join(', ')}; the sealed PDF is in the client's files`,
  ),
  template(agreements.contractDeclined, (p) => `${p.signer_name} declined to sign "${p.title}"${p.reason ? `: ${p.reason}` : ''}`),
  template(agreements.contractVoided, (p) => `Contract voided: "${p.title}" (${p.reason})`),
];
const specific = new Map(templates.map((entry) => [entry.type, entry]));

/**
 * A human-readable line built from the type and payload: a specific template when one exists,
 * else "<Entity> <verb>: <label>", e.g. crm.client.created {name: 'Acme'} -> "Client created: Acme".
 */
export function summarize(type: string, payload: Record<string, unknown>): string {
  const custom = specific.get(type)?.line(payload);
  if (custom) return custom;
  const segments = type.split('.');
  const verb = words(segments.at(-1) ?? 'happened');
  const entity = words(segments.slice(1, -1).join(' ')) || words(segments[0] ?? 'event');
  const head = `${entity.charAt(0).toUpperCase()}${entity.slice(1)} ${verb}`;
  const label = labelOf(payload);
  return label ? `${head}: ${label}` : head;
}

export function activityOf(event: EventEnvelope): Activity {
  return {
    type: event.type,
    eventVersion: event.version,
    actorId: event.actor_id,
    entityType: event.aggregate_type,
    entityId: event.aggregate_id,
    clientId: clientIdOf(event),
    summary: summarize(event.type, event.payload),
    payload: event.payload,
    correlationId: event.correlation_id,
    occurredAt: event.occurred_at,
  };
}
