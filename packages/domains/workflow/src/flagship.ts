// Installable workflow templates: the six flagship workflows of ARCHITECTURE.md §6 plus the
// built-in "deal won" example. A template whose actions are not registered installs disabled.
import type { DefinitionSpecInput } from './contracts.ts';

export interface WorkflowTemplate {
  key: string;
  title: string;
  summary: string;
  spec: DefinitionSpecInput;
}

export const workflowTemplates: readonly WorkflowTemplate[] = [
  {
    key: 'deal-won-project',
    title: 'Deal won → project + kickoff task',
    summary: 'When a deal with a project template is won, create the project from that template and a kickoff task for the deal owner.',
    spec: {
      name: 'Deal won → project + kickoff task',
      description: "Creates the client project from the deal's project template (chosen on the deal) and a kickoff task for the deal owner.",
      trigger: { event: 'crm.deal.won', conditions: { path: 'event.payload.project_template_id', op: 'exists' } },
      steps: [
        {
          key: 'create_project',
          action: 'projects.createFromTemplate',
          input: {
            templateId: '{{ event.payload.project_template_id }}',
            clientId: '{{ event.payload.client_id }}',
            name: '{{ event.payload.title }}',
          },
        },
        {
          key: 'kickoff_task',
          action: 'projects.createTask',
          input: {
            projectId: '{{ steps.create_project.output.project_id }}',
            title: 'Kickoff: {{ event.payload.title }}',
            assigneeId: '{{ event.payload.owner_id }}',
          },
        },
      ],
    },
  },
  {
    key: 'appointment-onboarding',
    title: 'Appointment booked → client onboarding',
    summary: 'Contact + client (create or match), portal user, folder template and project skeleton.',
    spec: {
      name: 'Appointment booked → client onboarding',
      trigger: { event: 'scheduling.appointment.booked' },
      steps: [
        {
          key: 'contact',
          action: 'crm.findOrCreateContact',
          input: { email: '{{ event.payload.attendee_email }}', name: '{{ event.payload.attendee_name }}' },
        },
        {
          key: 'client',
          action: 'crm.createClient',
          input: { name: '{{ event.payload.attendee_name }}', primaryContactId: '{{ steps.contact.output.contactId }}' },
        },
        {
          key: 'portal_user',
          action: 'portal.inviteUser',
          input: { clientId: '{{ steps.client.output.clientId }}', contactId: '{{ steps.contact.output.contactId }}' },
        },
        {
          key: 'folders',
          action: 'files.createFolderFromTemplate',
          input: { clientId: '{{ steps.client.output.clientId }}', template: 'client-onboarding' },
        },
        {
          key: 'project',
          action: 'projects.createFromTemplate',
          input: { clientId: '{{ steps.client.output.clientId }}', templateId: '{{ event.payload.project_template_id }}', name: 'Onboarding' },
        },
      ],
    },
  },
  {
    key: 'proposal-accepted-contract',
    title: 'Proposal accepted → contract for signature → project + invoice plan',
    summary: 'Send the contract for signature, wait until it is signed, then activate the project and the invoice plan.',
    spec: {
      name: 'Proposal accepted → contract → project + invoice plan',
      trigger: { event: 'agreements.proposal.accepted' },
      steps: [
        { key: 'contract', action: 'agreements.sendContractForSignature', input: { proposalId: '{{ event.payload.proposal_id }}' } },
        { key: 'signed', action: 'agreements.awaitSignature', input: { contractId: '{{ steps.contract.output.contractId }}' } },
        { key: 'activate_project', action: 'projects.activate', input: { projectId: '{{ event.payload.project_id }}' } },
        { key: 'invoice_plan', action: 'revenue.createInvoicePlan', input: { proposalId: '{{ event.payload.proposal_id }}' } },
      ],
    },
  },
  {
    key: 'file-request-review',
    title: 'File request completed → attach, review task, notify',
    summary: 'Attach the uploaded file to the project, create a review task and notify its assignee.',
    spec: {
      name: 'File request completed → review',
      trigger: { event: 'files.request.completed' },
      steps: [
        { key: 'attach', action: 'files.attachToProject', input: { fileId: '{{ event.payload.file_id }}', projectId: '{{ event.payload.project_id }}' } },
        {
          key: 'review_task',
          action: 'projects.createTask',
          input: { projectId: '{{ event.payload.project_id }}', title: 'Review {{ event.payload.file_name }}', assigneeId: '{{ event.payload.requested_by }}' },
        },
        {
          key: 'notify',
          action: 'core.notify',
          input: { userId: '{{ event.payload.requested_by }}', title: 'New file to review: {{ event.payload.file_name }}' },
        },
      ],
    },
  },
  {
    key: 'milestone-invoice',
    title: 'Milestone completed → invoice drafted, approved, issued, portal notified',
    summary: 'Draft an invoice, route it for approval, issue it to the ledger and notify the client portal.',
    spec: {
      name: 'Milestone completed → invoice',
      trigger: { event: 'projects.milestone.completed' },
      steps: [
        {
          key: 'draft',
          action: 'revenue.draftInvoice',
          input: { projectId: '{{ event.payload.project_id }}', milestoneId: '{{ event.payload.milestone_id }}' },
        },
        { key: 'approval', action: 'revenue.requestApproval', input: { invoiceId: '{{ steps.draft.output.invoiceId }}' } },
        { key: 'issue', action: 'revenue.issueToLedger', input: { invoiceId: '{{ steps.draft.output.invoiceId }}' } },
        { key: 'portal', action: 'portal.notifyClient', input: { clientId: '{{ event.payload.client_id }}', invoiceId: '{{ steps.draft.output.invoiceId }}' } },
      ],
    },
  },
  {
    key: 'invoice-paid-follow-up',
    title: 'Invoice paid → client status + follow-up',
    summary: 'Mark the client active, wait two weeks, then create a follow-up task.',
    spec: {
      name: 'Invoice paid → follow-up',
      trigger: { event: 'revenue.invoice.paid' },
      steps: [
        { key: 'status', action: 'crm.updateClientStatus', input: { clientId: '{{ event.payload.client_id }}', status: 'active' } },
        { key: 'wait', action: 'core.wait', input: { seconds: 14 * 86_400 } },
        {
          key: 'follow_up',
          action: 'projects.createTask',
          input: { projectId: '{{ event.payload.project_id }}', title: 'Follow up with {{ event.payload.client_name }}' },
        },
      ],
    },
  },
  {
    key: 'bill-received-approval',
    title: 'Bill received → approval → ledger → status',
    summary: 'Route the bill for approval, push it to the ledger and update its status.',
    spec: {
      name: 'Bill received → approval → ledger',
      trigger: { event: 'revenue.bill.received' },
      steps: [
        { key: 'approval', action: 'revenue.routeBillForApproval', input: { billId: '{{ event.payload.bill_id }}' } },
        { key: 'ledger', action: 'revenue.pushBillToLedger', input: { billId: '{{ event.payload.bill_id }}' } },
        { key: 'status', action: 'revenue.updateBillStatus', input: { billId: '{{ event.payload.bill_id }}', status: 'pushed' } },
      ],
    },
  },
];

export function findTemplate(key: string): WorkflowTemplate | undefined {
  return workflowTemplates.find((template) => template.key === key);
}
