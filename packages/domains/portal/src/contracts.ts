// Public contracts of the portal domain (ARCHITECTURE.md §2): its events (snake_case payloads),
// procedure inputs and DTOs (camelCase). The only file of this package other packages may import.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

const id = z.uuid();
const nullableId = z.uuid().nullable();

// ---------------------------------------------------------------- rules shared by server and screens

/** A magic link is valid this long (the issue: at most 15 minutes; a CHECK enforces it). */
export const MAGIC_LINK_MINUTES = 15;
/** A portal session ends after this long without a request… */
export const PORTAL_IDLE_MINUTES = 30;
/** …and this long after sign-in, whatever happens. */
export const PORTAL_ABSOLUTE_HOURS = 12;
/** Link requests allowed per address and per IP in a window. */
export const LINK_REQUESTS_PER_ADDRESS = 5;
export const LINK_REQUESTS_PER_IP = 30;
export const LINK_REQUEST_WINDOW_MS = 15 * 60_000;

/** The web app's portal pages of a tenant: `/portal/<slug>`; the sign-in page takes the token. */
export function portalPath(slug: string, page = ''): string {
  return `/portal/${slug}${page ? `/${page.replace(/^\/+/, '')}` : ''}`;
}
export function signInLinkPath(slug: string, token: string, next?: string | null): string {
  const query = new URLSearchParams({ token });
  if (next) query.set('next', next);
  return `${portalPath(slug, 'sign-in')}?${query.toString()}`;
}

/**
 * Where a sign-in may send the browser afterwards: only a relative path inside this tenant's
 * portal (`/portal/<slug>` or below), never another origin (`//evil`, `/\evil`, `https:`),
 * never a path that climbs out (`..`). Anything else is the portal's home.
 */
export function safePortalRedirect(slug: string, next: string | null | undefined): string {
  const home = portalPath(slug);
  if (!next) return home;
  if (next.length > 500 || next.includes('\\') || [...next].some((char) => char.charCodeAt(0) < 0x20)) return home;
  if (!next.startsWith('/') || next.startsWith('//')) return home;
  let pathname: string;
  try {
    const parsed = new URL(next, 'http://portal.invalid');
    if (parsed.origin !== 'http://portal.invalid') return home;
    pathname = parsed.pathname;
    if (pathname.split('/').some((segment) => segment === '..' || segment === '.')) return home;
    if (pathname !== home && !pathname.startsWith(`${home}/`)) return home;
    return `${pathname}${parsed.search}${parsed.hash}`;
  } catch {
    return home;
  }
}

/** "Northwind Studio" → "northwind-studio" (the portal address of an organization). */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'portal';
}

// ---------------------------------------------------------------- settings (branding)

const hexColour = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Give the colour as #RRGGBB, for example #2563eb')
  .transform((value) => value.toLowerCase());

/**
 * The tenant's portal settings: its branding. `name` null shows the organization's name;
 * `logo` is the blob key of the uploaded logo (null: none).
 */
export const settingsSchema = z.object({
  /** Whether the portal is switched on for the tenant (off: no sign-in links are sent). */
  enabled: z.boolean(),
  /** What the staff app calls the portal area; null keeps "Client portal". */
  label: z.string().trim().min(1).max(100).nullable(),
  /** The name the client sees at the top of every portal page; null: the organization's name. */
  name: z.string().trim().min(1, 'Give the portal a name').max(100).nullable(),
  accent: hexColour,
  support: z.email('Give a support address like help@example.com').max(254).nullable(),
  logo: z.string().max(500).nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingKeySchema = settingsSchema.keyof();
export type SettingKey = z.infer<typeof settingKeySchema>;

/** What a tenant that never changed anything gets. */
export const defaultSettings: Settings = { enabled: true, label: null, name: null, accent: '#2563eb', support: null, logo: null };

/** Only the settings to change; at least one, unknown keys are refused. The logo is set by uploading it. */
export const updateSettingsInput = z
  .strictObject({
    enabled: settingsSchema.shape.enabled.optional(),
    label: settingsSchema.shape.label.optional(),
    name: settingsSchema.shape.name.optional(),
    accent: settingsSchema.shape.accent.optional(),
    support: settingsSchema.shape.support.optional(),
    /** Only null (remove the logo): a logo is set through `settings.logoUpload` + `settings.logoComplete`. */
    logo: z.null().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one setting' });
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;

export const settingsDto = z.object({
  settings: settingsSchema,
  /** The portal's address (the organization's slug) and the name it shows. */
  slug: z.string().nullable(),
  organizationName: z.string().nullable(),
  /** A signed URL of the logo (valid a few minutes), null without one. */
  logoUrl: z.string().nullable(),
  updatedAt: z.date().nullable(),
  updatedBy: z.uuid().nullable(),
});
export type SettingsDto = z.infer<typeof settingsDto>;

export const logoUploadInput = z.object({
  contentType: z.enum(['image/png', 'image/jpeg', 'image/webp'], { message: 'Upload the logo as a PNG, JPEG or WebP image' }),
  size: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024, 'A logo can be at most 1 MB'),
});
export const logoUploadDto = z.object({
  key: z.string(),
  url: z.string(),
  method: z.enum(['POST', 'PUT']),
  fields: z.record(z.string(), z.string()),
});
export const logoCompleteInput = z.object({ key: z.string().min(1).max(500) });

/** What every portal page shows: the tenant's branding (no secret, safe before sign-in). */
export const brandingDto = z.object({
  slug: z.string(),
  name: z.string(),
  accent: z.string(),
  support: z.string().nullable(),
  logoUrl: z.string().nullable(),
});
export type BrandingDto = z.infer<typeof brandingDto>;

// ---------------------------------------------------------------- event payloads

export const settingsUpdatedPayload = z.object({
  enabled: z.boolean(),
  label: z.string().nullable(),
  name: z.string().nullable().optional(),
  accent: z.string().optional(),
  support: z.string().nullable().optional(),
  logo_set: z.boolean().optional(),
  /** The settings this change altered (at least one). */
  changed_keys: z.array(settingKeySchema).min(1),
  updated_by: z.uuid().nullable(),
});
export type SettingsUpdatedPayload = z.infer<typeof settingsUpdatedPayload>;

/** The tenant's portal settings changed; aggregate id = tenant id. */
export const settingsUpdated = defineEvent({ type: 'portal.settings.updated', version: 1, aggregateType: 'portal.settings', payload: settingsUpdatedPayload });

const portalUserFields = {
  portal_user_id: id,
  client_id: id,
  contact_id: id,
  name: z.string(),
  email: z.string(),
};

/** Staff invited a contact to the portal (or invited a revoked one again: `reinvited`). */
export const userInvited = defineEvent({
  type: 'portal.user.invited',
  version: 1,
  aggregateType: 'portal.user',
  payload: z.object({ ...portalUserFields, invited_by: nullableId, reinvited: z.boolean() }),
});

/** Staff revoked a portal user: every session ended, no link works any more. */
export const userRevoked = defineEvent({
  type: 'portal.user.revoked',
  version: 1,
  aggregateType: 'portal.user',
  payload: z.object({ ...portalUserFields, revoked_by: nullableId, sessions_ended: z.number().int() }),
});

/** A portal user signed in with a magic link (the actor is the portal user). */
export const accessed = defineEvent({
  type: 'portal.accessed',
  version: 1,
  aggregateType: 'portal.user',
  payload: z.object({ ...portalUserFields }),
});

/** A portal user signed out (here or everywhere). */
export const signedOut = defineEvent({
  type: 'portal.user.signed_out',
  version: 1,
  aggregateType: 'portal.user',
  payload: z.object({ ...portalUserFields, everywhere: z.boolean(), sessions_ended: z.number().int() }),
});

const approvalFields = {
  approval_id: id,
  client_id: id,
  title: z.string(),
  kind: z.enum(['file', 'text']),
  file_id: nullableId,
  version: z.number().int().min(1),
};

/** Staff submitted a deliverable (or its new version) for the client's approval. */
export const approvalRequested = defineEvent({
  type: 'portal.approval.requested',
  version: 1,
  aggregateType: 'portal.approval',
  payload: z.object({ ...approvalFields, requested_by: nullableId, new_version: z.boolean() }),
});

/** The client decided on the version shown (the actor is the portal user). */
export const approvalSubmitted = defineEvent({
  type: 'portal.approval.submitted',
  version: 1,
  aggregateType: 'portal.approval',
  payload: z.object({
    ...approvalFields,
    decision: z.enum(['approved', 'changes_requested']),
    comment: z.string().nullable(),
    portal_user_id: id,
    portal_user_name: z.string(),
  }),
});

export const approvalCancelled = defineEvent({
  type: 'portal.approval.cancelled',
  version: 1,
  aggregateType: 'portal.approval',
  payload: z.object({ ...approvalFields, cancelled_by: nullableId }),
});

/** What staff share with a client changed (folders, client-visible tasks). */
export const sharesUpdated = defineEvent({
  type: 'portal.shares.updated',
  version: 1,
  aggregateType: 'portal.client',
  payload: z.object({ client_id: id, folder_ids: z.array(id), task_ids: z.array(id), updated_by: nullableId }),
});

/** Staff (or a workflow) told the client's portal users about a page. */
export const clientNotified = defineEvent({
  type: 'portal.client.notified',
  version: 1,
  aggregateType: 'portal.client',
  payload: z.object({ client_id: id, subject: z.string(), path: z.string(), recipients: z.number().int() }),
});

export const portalEvents = [
  settingsUpdated,
  userInvited,
  userRevoked,
  accessed,
  signedOut,
  approvalRequested,
  approvalSubmitted,
  approvalCancelled,
  sharesUpdated,
  clientNotified,
] as const;

// ---------------------------------------------------------------- staff procedures

export const inviteUserInput = z.object({
  contactId: id,
  /** Which of the contact's clients the portal user sees; default: the contact's first client. */
  clientId: id.optional(),
  /** Email the first sign-in link now (default true). */
  sendLink: z.boolean().default(true),
});
export type InviteUserInput = z.infer<typeof inviteUserInput>;

export const portalUserDto = z.object({
  id,
  clientId: id,
  contactId: id,
  name: z.string(),
  email: z.string(),
  invitedBy: nullableId,
  createdAt: z.date(),
  lastAccessAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  status: z.enum(['active', 'revoked']),
});
export type PortalUserDto = z.infer<typeof portalUserDto>;

export const listUsersInput = z.object({ clientId: id.optional() }).default({});
export const revokeUserInput = z.object({ portalUserId: id });

export const requestApprovalInput = z
  .object({
    clientId: id,
    title: z.string().trim().min(1, 'Say what the client is approving').max(200),
    fileId: id.optional(),
    text: z.string().trim().min(1, 'Write the text the client approves').max(20_000).optional(),
  })
  .refine((input) => (input.fileId === undefined) !== (input.text === undefined), {
    message: 'Submit either a file or a text for approval',
    path: ['fileId'],
  });
export type RequestApprovalInput = z.infer<typeof requestApprovalInput>;

export const approvalStatusSchema = z.enum(['pending', 'approved', 'changes_requested', 'cancelled']);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

export const decisionDto = z.object({
  version: z.number().int(),
  decision: z.enum(['approved', 'changes_requested']),
  comment: z.string().nullable(),
  decidedBy: id,
  decidedByName: z.string().nullable(),
  decidedAt: z.date(),
});

export const approvalDto = z.object({
  id,
  clientId: id,
  title: z.string(),
  kind: z.enum(['file', 'text']),
  fileId: nullableId,
  fileName: z.string().nullable(),
  body: z.string().nullable(),
  version: z.number().int(),
  status: approvalStatusSchema,
  createdAt: z.date(),
  updatedAt: z.date(),
  /** Every decision, newest first (one per version at most). */
  decisions: z.array(decisionDto),
});
export type ApprovalDto = z.infer<typeof approvalDto>;

export const listApprovalsInput = z.object({ clientId: id.optional(), status: approvalStatusSchema.optional() }).default({});
export const approvalIdInput = z.object({ approvalId: id });

export const setSharesInput = z.object({
  clientId: id,
  folderIds: z.array(id).max(500).default([]),
  taskIds: z.array(id).max(2000).default([]),
});
export type SetSharesInput = z.infer<typeof setSharesInput>;
export const sharesDto = z.object({ clientId: id, folderIds: z.array(id), taskIds: z.array(id) });
export const getSharesInput = z.object({ clientId: id });

// ---------------------------------------------------------------- portal-side procedures

const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Give the portal address')
  .max(80)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'That is not a portal address');
const nextSchema = z.string().max(500).nullable().optional();

export const requestLinkInput = z.object({
  tenantSlug: slugSchema,
  email: z.email('Give your email address, like name@example.com').max(254),
  next: nextSchema,
});
export type RequestLinkInput = z.infer<typeof requestLinkInput>;
/** The same answer whether the address is known or not. */
export const requestLinkDto = z.object({ sent: z.literal(true), message: z.string() });

export const consumeInput = z.object({
  tenantSlug: slugSchema,
  token: z.string().min(1, 'This sign-in link is incomplete').max(200),
  next: nextSchema,
});
export type ConsumeInput = z.infer<typeof consumeInput>;
export const consumeDto = z.object({ redirectTo: z.string() });

export const brandingInput = z.object({ tenantSlug: slugSchema });
export const logoutInput = z.object({ everywhere: z.boolean().default(false) }).default({ everywhere: false });

export const meDto = z.object({
  portalUserId: id,
  name: z.string(),
  email: z.string(),
  clientName: z.string(),
  branding: brandingDto,
});

export const homeDto = z.object({
  me: meDto,
  needsMe: z.object({
    approvals: z.array(z.object({ id, title: z.string(), version: z.number().int(), createdAt: z.date() })),
    fileRequests: z.array(z.object({ id, label: z.string(), folderName: z.string().nullable(), expiresAt: z.date() })),
  }),
  recent: z.array(z.object({ kind: z.enum(['project', 'file', 'approval', 'milestone']), title: z.string(), at: z.date() })),
  counts: z.object({ projects: z.number().int(), files: z.number().int(), approvals: z.number().int() }),
});
export type HomeDto = z.infer<typeof homeDto>;

/** Portal views take ids only to narrow within the session's client; an id of another client finds nothing. */
export const meProjectsInput = z.object({ projectId: id.optional() }).default({});
export const projectViewDto = z.object({
  id,
  name: z.string(),
  status: z.string(),
  startDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  progress: z.object({ done: z.number().int(), total: z.number().int(), percent: z.number().int() }),
  milestones: z.array(z.object({ id, name: z.string(), dueDate: z.string().nullable(), reachedAt: z.date().nullable() })),
  tasks: z.array(z.object({ id, title: z.string(), status: z.string(), dueDate: z.string().nullable() })),
});
export const meProjectsDto = z.object({ projects: z.array(projectViewDto) });

export const meFilesInput = z.object({ folderId: id.optional() }).default({});
export const meFilesDto = z.object({
  folders: z.array(
    z.object({
      id,
      name: z.string(),
      parentId: nullableId,
      files: z.array(z.object({ id, name: z.string(), version: z.number().int(), size: z.number().int(), contentType: z.string(), updatedAt: z.date() })),
    }),
  ),
  fileRequests: z.array(z.object({ id, label: z.string(), folderId: id, expiresAt: z.date() })),
});

export const downloadInput = z.object({ fileId: id });
export const downloadDto = z.object({ url: z.string(), filename: z.string(), expiresAt: z.string() });

export const requestUploadInput = z.object({
  requestId: id,
  name: z.string().trim().min(1, 'The file needs a name').max(255),
  contentType: z.string().trim().toLowerCase().min(3).max(255),
  size: z.number().int().min(1, 'An empty file cannot be uploaded'),
});
export const requestUploadDto = z.object({
  uploadId: id,
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.string(),
  size: z.number().int(),
});
export const requestCompleteInput = z.object({ requestId: id, uploadId: id });
export const requestCompleteDto = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted'), name: z.string(), remainingFiles: z.number().int() }),
  z.object({ status: z.literal('rejected'), reason: z.string(), remainingFiles: z.number().int() }),
]);
export const requestFinishInput = z.object({ requestId: id });
export const requestFinishDto = z.object({ state: z.literal('completed'), filesReceived: z.number().int() });

export const meApprovalsInput = z.object({ approvalId: id.optional(), status: approvalStatusSchema.optional() }).default({});
export const meApprovalsDto = z.object({ approvals: z.array(approvalDto) });

export const decideInput = z
  .object({
    approvalId: id,
    /** The version the client was shown: a decision counts for that version only. */
    version: z.number().int().min(1),
    decision: z.enum(['approved', 'changes_requested']),
    comment: z.string().trim().max(5000).optional(),
  })
  .refine((input) => input.decision === 'approved' || (input.comment !== undefined && input.comment.length > 0), {
    message: 'Say what should change',
    path: ['comment'],
  });
export type DecideInput = z.infer<typeof decideInput>;

// ---------------------------------------------------------------- actions

export const inviteUserActionInput = z.object({ contactId: id, clientId: id.optional(), sendLink: z.boolean().default(true) });
export const inviteUserActionOutput = z.object({ portalUserId: id, clientId: id, email: z.string(), created: z.boolean() });
export const notifyClientInput = z.object({
  clientId: id,
  subject: z.string().trim().min(1).max(200),
  /** The portal page to link to, e.g. "approvals" or "files" (relative to the portal). */
  page: z.string().trim().max(200).default(''),
  message: z.string().trim().max(5000).default(''),
});
export const notifyClientOutput = z.object({ recipients: z.number().int() });

// ---------------------------------------------------------------- the client's invoices (revenue's, through its portal actions)

export {
  portalInvoiceDetail as meInvoiceDto,
  portalInvoicesOutput as meInvoicesDto,
} from '@ubos/revenue/contracts';
export const meInvoicesInput = z.object({ limit: z.number().int().min(1).max(100).default(50), cursor: id.optional() }).default({ limit: 50 });
export const meInvoiceInput = z.object({ invoiceId: id });
