// Public contracts of the files domain (ARCHITECTURE.md §3): its events (snake_case payloads),
// the procedures' input schemas and DTOs (camelCase). The only file other packages may import.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

const id = z.uuid();
const nullableId = z.uuid().nullable();

// ---------------------------------------------------------------- shared shapes

/** A MIME type as browsers declare it (`type/subtype`, lower case, no parameters). */
export const contentTypeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/, 'Give a content type like application/pdf');

/** What a tenant accepts until it changes its allow-list (§7: SVG and HTML are only ever served as downloads). */
export const defaultAllowedTypes: readonly string[] = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/svg+xml',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
];

/** Types a browser may show in place (images and PDF); everything else downloads as an attachment. */
export const inlineSafeTypes: readonly string[] = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export const MB = 1024 * 1024;
/** The largest file any tenant may allow (one S3 POST upload). */
export const MAX_FILE_BYTES_LIMIT = 5 * 1024 * MB;
/** A signed upload form is valid this long (§10: minted per file just before the upload). */
export const UPLOAD_URL_SECONDS = 15 * 60;
/** A signed download URL is valid this long (the port caps it at 300 s). */
export const DOWNLOAD_URL_SECONDS = 300;

/**
 * The tenant's settings of the domain. `enabled` and `label` came with the generated domain;
 * `allowedTypes` (the upload allow-list) and `maxFileBytes` (the per-file cap) are the files rules.
 */
export const settingsSchema = z.object({
  /** Whether the domain is switched on for the tenant. */
  enabled: z.boolean(),
  /** What the tenant calls this area in its workspace; null keeps the default name. */
  label: z.string().trim().min(1).max(100).nullable(),
  /** Content types uploads may have (checked against the declared and the sniffed type). */
  allowedTypes: z.array(contentTypeSchema).min(1).max(200),
  /** The largest file, in bytes, an upload may be. */
  maxFileBytes: z.number().int().min(1, 'Allow files of at least 1 byte').max(MAX_FILE_BYTES_LIMIT, 'A file can be at most 5,120 MB'),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingKeySchema = settingsSchema.keyof();
export type SettingKey = z.infer<typeof settingKeySchema>;

/** What a tenant that never changed anything gets. */
export const defaultSettings: Settings = { enabled: true, label: null, allowedTypes: [...defaultAllowedTypes], maxFileBytes: 100 * MB };

/** The state of an upload's blob (§7): pending → uploaded → ready | rejected, or expired. */
export const blobStates = ['pending', 'uploaded', 'ready', 'rejected', 'expired'] as const;
export const blobStateSchema = z.enum(blobStates);
export type BlobState = z.infer<typeof blobStateSchema>;

/** Where a file request link stands, worked out from its columns. */
export const requestStates = ['open', 'expired', 'revoked', 'completed'] as const;
export const requestStateSchema = z.enum(requestStates);
export type RequestState = z.infer<typeof requestStateSchema>;

/** One node of a folder template's tree (input: `children` may be left out). */
export interface FolderTemplateNode {
  name: string;
  children: FolderTemplateNode[];
}
interface FolderTemplateNodeInput {
  name: string;
  children?: FolderTemplateNodeInput[] | undefined;
}
const folderName = z
  .string()
  .trim()
  .min(1, 'Give the folder a name')
  .max(200)
  .refine((value) => !/[/\\]/.test(value) && value !== '.' && value !== '..', 'A folder name cannot contain / or \\, nor be . or ..');
export const folderTemplateNodeSchema: z.ZodType<FolderTemplateNode, FolderTemplateNodeInput> = z.lazy(() =>
  z.object({ name: folderName, children: z.array(folderTemplateNodeSchema).max(50).default([]) }),
);
/** A template's tree: the top-level folders it creates (at most 5 levels, 200 folders). */
export const folderTemplateTreeSchema = z
  .array(folderTemplateNodeSchema)
  .min(1, 'A template needs at least one folder')
  .max(50)
  .superRefine((tree, context) => {
    let count = 0;
    const walk = (nodes: FolderTemplateNode[], depth: number) => {
      const seen = new Set<string>();
      for (const node of nodes) {
        count += 1;
        if (seen.has(node.name.toLowerCase())) context.addIssue({ code: 'custom', message: `Two folders at one level are both named "${node.name}"` });
        seen.add(node.name.toLowerCase());
        if (depth > 5) context.addIssue({ code: 'custom', message: 'A template can nest folders at most 5 levels deep' });
        walk(node.children, depth + 1);
      }
    };
    walk(tree, 1);
    if (count > 200) context.addIssue({ code: 'custom', message: 'A template can hold at most 200 folders' });
  });

/** The template every tenant has (created the first time its templates are listed or used). */
export const defaultTemplate = {
  name: 'Client onboarding',
  folders: [
    { name: 'Contracts', children: [] },
    { name: 'Invoices', children: [] },
    { name: 'Deliverables', children: [] },
    { name: 'Shared with client', children: [] },
  ] satisfies FolderTemplateNode[],
};

/** How a template is named in a workflow: "Client onboarding" → "client-onboarding". */
export function templateSlug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The public page of a file request link (the web app's route; the token is its last segment). */
export function requestLinkPath(token: string): string {
  return `/upload/${token}`;
}

// ---------------------------------------------------------------- event payloads

export const settingsUpdatedPayload = z.object({
  enabled: z.boolean(),
  label: z.string().nullable(),
  /** Added with the upload rules; absent in events written before them. */
  allowed_types: z.array(z.string()).optional(),
  max_file_bytes: z.number().int().optional(),
  /** The settings this change altered (at least one), as snake_case names. */
  changed_keys: z.array(z.string()).min(1),
  updated_by: z.uuid().nullable(),
});
export type SettingsUpdatedPayload = z.infer<typeof settingsUpdatedPayload>;

/** The tenant's settings changed; aggregate id = tenant id (one settings record per tenant). */
export const settingsUpdated = defineEvent({
  type: 'files.settings.updated',
  version: 1,
  aggregateType: 'files.settings',
  payload: settingsUpdatedPayload,
});

const folderFields = {
  folder_id: id,
  parent_id: nullableId,
  name: z.string(),
  client_id: nullableId,
  project_id: nullableId,
};

export const folderCreated = defineEvent({
  type: 'files.folder.created',
  version: 1,
  aggregateType: 'files.folder',
  payload: z.object({ ...folderFields, template_id: nullableId, created_by: nullableId }),
});

export const folderRenamed = defineEvent({
  type: 'files.folder.renamed',
  version: 1,
  aggregateType: 'files.folder',
  payload: z.object({ ...folderFields, previous_name: z.string() }),
});

export const folderMoved = defineEvent({
  type: 'files.folder.moved',
  version: 1,
  aggregateType: 'files.folder',
  payload: z.object({ ...folderFields, previous_parent_id: nullableId }),
});

export const folderArchived = defineEvent({
  type: 'files.folder.archived',
  version: 1,
  aggregateType: 'files.folder',
  /** `folder_ids`: the folder and every sub-folder archived with it; `file_count`: files archived with them. */
  payload: z.object({ ...folderFields, folder_ids: z.array(id), file_count: z.number().int() }),
});

const fileFields = {
  file_id: id,
  folder_id: id,
  name: z.string(),
  client_id: nullableId,
  project_id: nullableId,
};

const versionFields = {
  version: z.number().int().min(1),
  size: z.number().int(),
  content_type: z.string(),
  sha256: z.string(),
  /** The staff member who uploaded it; null when it came through a file request link. */
  uploaded_by: nullableId,
  /** The file request it came through, if any, and who sent it. */
  request_id: nullableId,
  uploader_name: z.string().nullable(),
  uploader_email: z.string().nullable(),
};

/** A new file (its version 1) is ready. */
export const fileUploaded = defineEvent({
  type: 'files.file.uploaded',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, ...versionFields }),
});

/** A new version (2, 3, …) of a file is ready. */
export const fileVersioned = defineEvent({
  type: 'files.file.versioned',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, ...versionFields }),
});

export const fileRenamed = defineEvent({
  type: 'files.file.renamed',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, previous_name: z.string() }),
});

/** Moved to another folder, or attached to a project (its project_id changed). */
export const fileMoved = defineEvent({
  type: 'files.file.moved',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, previous_folder_id: id, previous_project_id: nullableId }),
});

/** Archived (soft-deleted), by itself or with its folder (`folder_archived`). */
export const fileArchived = defineEvent({
  type: 'files.file.archived',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, with_folder_id: nullableId }),
});

export const fileRestored = defineEvent({
  type: 'files.file.restored',
  version: 1,
  aggregateType: 'files.file',
  payload: z.object({ ...fileFields, restored_folder_ids: z.array(id) }),
});

export const templateSaved = defineEvent({
  type: 'files.template.saved',
  version: 1,
  aggregateType: 'files.template',
  payload: z.object({ template_id: id, name: z.string(), created: z.boolean(), folder_count: z.number().int() }),
});

const requestFields = {
  request_id: id,
  label: z.string(),
  folder_id: id,
  client_id: nullableId,
  project_id: nullableId,
};

export const requestCreated = defineEvent({
  type: 'files.request.created',
  version: 1,
  aggregateType: 'files.request',
  payload: z.object({
    ...requestFields,
    max_files: z.number().int(),
    max_bytes_per_file: z.number().int(),
    expires_at: z.string(),
    created_by: nullableId,
  }),
});

export const requestRevoked = defineEvent({
  type: 'files.request.revoked',
  version: 1,
  aggregateType: 'files.request',
  payload: z.object({ ...requestFields, revoked_by: nullableId, files_received: z.number().int() }),
});

/**
 * The uploader finished a file request (emitted once per request). `file_id` / `file_name` are
 * the first file (what single-file workflow steps use), `file_ids` / `file_names` all of them.
 */
export const requestCompleted = defineEvent({
  type: 'files.request.completed',
  version: 1,
  aggregateType: 'files.request',
  payload: z.object({
    ...requestFields,
    file_ids: z.array(id),
    file_names: z.array(z.string()),
    file_id: nullableId,
    file_name: z.string().nullable(),
    /** The staff member who created the request. */
    requested_by: nullableId,
    uploader_name: z.string().nullable(),
    uploader_email: z.string().nullable(),
  }),
});

/** Every event contract the module publishes. */
export const filesEvents = [
  settingsUpdated,
  folderCreated,
  folderRenamed,
  folderMoved,
  folderArchived,
  fileUploaded,
  fileVersioned,
  fileRenamed,
  fileMoved,
  fileArchived,
  fileRestored,
  templateSaved,
  requestCreated,
  requestRevoked,
  requestCompleted,
] as const;

// ---------------------------------------------------------------- procedure inputs

const fileName = z
  .string()
  .trim()
  .min(1, 'Give the file a name')
  .max(255, 'A file name can have at most 255 characters')
  .refine(
    (value) => !/[/\\]/.test(value) && ![...value].some((char) => char.charCodeAt(0) < 0x20) && value !== '.' && value !== '..',
    'A file name cannot contain / or \\ or control characters',
  );
const limit = z.number().int().min(1).max(200).default(50);

export const idInput = z.object({ id });
export type IdInput = z.infer<typeof idInput>;

// Settings

/** Only the settings to change; at least one, unknown keys are refused. */
export const updateSettingsInput = z
  .strictObject({
    enabled: settingsSchema.shape.enabled.optional(),
    label: settingsSchema.shape.label.optional(),
    allowedTypes: settingsSchema.shape.allowedTypes.optional(),
    maxFileBytes: settingsSchema.shape.maxFileBytes.optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one setting' });
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;

// Folders

/**
 * A folder at the top (parentId null) belongs to the client / project given (or to neither); a
 * sub-folder always takes its parent's client and project.
 */
export const createFolderInput = z.object({
  name: folderName,
  parentId: nullableId.default(null),
  clientId: nullableId.default(null),
  projectId: nullableId.default(null),
});
export type CreateFolderInput = z.infer<typeof createFolderInput>;

/** Every folder matching (a flat list, parents before children: the caller builds the tree). */
export const listFoldersInput = z
  .object({
    clientId: nullableId.default(null),
    projectId: nullableId.default(null),
    includeArchived: z.boolean().default(false),
  })
  .default({ clientId: null, projectId: null, includeArchived: false });
export type ListFoldersInput = z.infer<typeof listFoldersInput>;

export const renameFolderInput = z.object({ id, name: folderName });
export type RenameFolderInput = z.infer<typeof renameFolderInput>;

/** parentId null = to the top level (of the folder's client / project). */
export const moveFolderInput = z.object({ id, parentId: nullableId });
export type MoveFolderInput = z.infer<typeof moveFolderInput>;

/** A folder that holds files (itself or below) is archived only with `confirm: true`. */
export const archiveFolderInput = z.object({ id, confirm: z.boolean().default(false) });
export type ArchiveFolderInput = z.infer<typeof archiveFolderInput>;

/**
 * Builds a template's folders (find-or-create: a folder of the same name already there is reused).
 * `template`: the template's id, name or slug ("client-onboarding"). Also the input of the
 * files.createFolderFromTemplate workflow action.
 */
export const createFolderFromTemplateInput = z.object({
  template: z.string().trim().min(1).max(200).default(templateSlug(defaultTemplate.name)),
  parentId: nullableId.default(null),
  clientId: nullableId.default(null),
  projectId: nullableId.default(null),
});
export type CreateFolderFromTemplateInput = z.infer<typeof createFolderFromTemplateInput>;

// Uploads

/**
 * Asks for a signed upload form: a new file in `folderId`, or a new version of `fileId` (exactly
 * one of them). `size` is the exact byte count the form will accept.
 */
export const createUploadInput = z
  .object({
    folderId: id.optional(),
    fileId: id.optional(),
    name: fileName,
    contentType: contentTypeSchema,
    size: z.number().int().min(1, 'An empty file cannot be uploaded').max(MAX_FILE_BYTES_LIMIT),
  })
  .refine((input) => (input.folderId === undefined) !== (input.fileId === undefined), {
    message: 'Give either the folder for a new file or the file for a new version',
    path: ['folderId'],
  });
export type CreateUploadInput = z.infer<typeof createUploadInput>;

export const completeUploadInput = z.object({ uploadId: id });
export type CompleteUploadInput = z.infer<typeof completeUploadInput>;

// Files

/** A keyset page of files sorted by name; at most one of folderId / clientId / projectId narrows it. */
export const listFilesInput = z.object({
  folderId: id.optional(),
  clientId: id.optional(),
  projectId: id.optional(),
  includeArchived: z.boolean().default(false),
  /** The previous page's `nextCursor`. */
  cursor: z.string().max(1000).nullable().default(null),
  limit,
});
export type ListFilesInput = z.infer<typeof listFilesInput>;

export const renameFileInput = z.object({ id, name: fileName });
export type RenameFileInput = z.infer<typeof renameFileInput>;

export const moveFileInput = z.object({ id, folderId: id });
export type MoveFileInput = z.infer<typeof moveFileInput>;

/** A download URL for the current version, or `version` n. */
export const downloadUrlInput = z.object({
  id,
  version: z.number().int().min(1).optional(),
  /** Ask for inline (preview); granted only for inline-safe types. */
  disposition: z.enum(['inline', 'attachment']).default('attachment'),
});
export type DownloadUrlInput = z.infer<typeof downloadUrlInput>;

/**
 * Attaches files to a project (its project_id) and, when the project has a folder, moves them
 * into it. Also the input of the files.attachToProject workflow action (`fileId` or `fileIds`).
 */
export const attachToProjectInput = z
  .object({
    fileId: id.optional(),
    fileIds: z.array(id).min(1).max(100).optional(),
    projectId: id,
    /** The folder to move them into; by default the project's top folder, if it has one. */
    folderId: id.optional(),
  })
  .refine((input) => input.fileId !== undefined || input.fileIds !== undefined, {
    message: 'Give the file (fileId) or files (fileIds) to attach',
    path: ['fileIds'],
  });
export type AttachToProjectInput = z.infer<typeof attachToProjectInput>;

// Templates

export const createTemplateInput = z.object({ name: z.string().trim().min(1).max(200), folders: folderTemplateTreeSchema });
export type CreateTemplateInput = z.infer<typeof createTemplateInput>;

export const updateTemplateInput = z.object({ id, name: z.string().trim().min(1).max(200).optional(), folders: folderTemplateTreeSchema.optional() });
export type UpdateTemplateInput = z.infer<typeof updateTemplateInput>;

// File requests

/**
 * A file request: an upload-only link for someone without an account. Limits left null take the
 * tenant's settings. Also the input of the files.createRequest workflow action.
 */
export const createRequestInput = z.object({
  label: z.string().trim().min(1, 'Say what you are asking for').max(200),
  folderId: id,
  maxFiles: z.number().int().min(1).max(100).default(10),
  maxBytesPerFile: z.number().int().min(1).max(MAX_FILE_BYTES_LIMIT).nullable().default(null),
  allowedTypes: z.array(contentTypeSchema).min(1).max(200).nullable().default(null),
  /** The link stops working after this many days. */
  expiresInDays: z.number().int().min(1).max(90).default(14),
  requireUploaderName: z.boolean().default(true),
  requireUploaderEmail: z.boolean().default(true),
});
export type CreateRequestInput = z.infer<typeof createRequestInput>;

export const listRequestsInput = z
  .object({
    folderId: id.optional(),
    clientId: id.optional(),
    projectId: id.optional(),
    state: requestStateSchema.optional(),
    cursor: z.string().max(200).nullable().default(null),
    limit,
  })
  .default({ cursor: null, limit: 50 });
export type ListRequestsInput = z.infer<typeof listRequestsInput>;

// Public request links (token-scoped, no session)

/** The link's token: 32 random bytes, base64url (43 characters). */
export const requestTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not valid');
export const requestLinkInput = z.object({ token: requestTokenSchema });
export type RequestLinkInput = z.infer<typeof requestLinkInput>;

const uploaderName = z.string().trim().min(1, 'Tell us your name').max(200);
const uploaderEmail = z.email('Give a valid email address').max(320);

export const createLinkUploadInput = z.object({
  token: requestTokenSchema,
  name: fileName,
  contentType: contentTypeSchema,
  size: z.number().int().min(1, 'An empty file cannot be uploaded').max(MAX_FILE_BYTES_LIMIT),
  uploaderName: uploaderName.optional(),
  uploaderEmail: uploaderEmail.optional(),
});
export type CreateLinkUploadInput = z.infer<typeof createLinkUploadInput>;

export const completeLinkUploadInput = z.object({ token: requestTokenSchema, uploadId: id });
export type CompleteLinkUploadInput = z.infer<typeof completeLinkUploadInput>;

export const finishRequestLinkInput = z.object({ token: requestTokenSchema });
export type FinishRequestLinkInput = z.infer<typeof finishRequestLinkInput>;

// ---------------------------------------------------------------- DTOs

export const settingsDto = z.object({
  settings: settingsSchema,
  /** When the tenant last changed them; null while the defaults apply. */
  updatedAt: z.date().nullable(),
  updatedBy: z.uuid().nullable(),
});
export type SettingsDto = z.infer<typeof settingsDto>;

export const folderDto = z.object({
  id,
  parentId: nullableId,
  name: z.string(),
  clientId: nullableId,
  projectId: nullableId,
  templateId: nullableId,
  archivedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type FolderDto = z.infer<typeof folderDto>;

export const createdFoldersDto = z.object({
  /** The template's top-level folders, created or reused. */
  rootFolderIds: z.array(id),
  /** Every folder of the tree, created or reused, parents first. */
  folderIds: z.array(id),
  /** How many were new. */
  created: z.number().int(),
  templateId: id,
});
export type CreatedFoldersDto = z.infer<typeof createdFoldersDto>;

export const folderArchiveDto = z.object({ folder: folderDto, archivedFolderIds: z.array(id), archivedFileCount: z.number().int() });
export type FolderArchiveDto = z.infer<typeof folderArchiveDto>;

export const fileDto = z.object({
  id,
  folderId: id,
  name: z.string(),
  clientId: nullableId,
  projectId: nullableId,
  /** The current version's number (1 for a new file). */
  version: z.number().int(),
  size: z.number().int(),
  contentType: z.string(),
  sha256: z.string(),
  /** Whether a browser may show it in place (images, PDF); otherwise it downloads. */
  inline: z.boolean(),
  createdBy: nullableId,
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
});
export type FileDto = z.infer<typeof fileDto>;

export const filePageDto = z.object({ items: z.array(fileDto), nextCursor: z.string().nullable() });
export type FilePageDto = z.infer<typeof filePageDto>;

export const fileVersionDto = z.object({
  id,
  fileId: id,
  version: z.number().int(),
  /** The name the file had when this version was uploaded. */
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  sha256: z.string(),
  uploadedBy: nullableId,
  requestId: nullableId,
  uploaderName: z.string().nullable(),
  uploaderEmail: z.string().nullable(),
  createdAt: z.date(),
});
export type FileVersionDto = z.infer<typeof fileVersionDto>;

export const downloadUrlDto = z.object({
  url: z.string(),
  expiresAt: z.date(),
  filename: z.string(),
  contentType: z.string(),
  disposition: z.enum(['inline', 'attachment']),
});
export type DownloadUrlDto = z.infer<typeof downloadUrlDto>;

/** A signed upload form: POST `fields` then the file (field `file`) as multipart/form-data to `url`. */
export const uploadTicketDto = z.object({
  uploadId: id,
  method: z.literal('POST'),
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.date(),
  /** The exact size the form accepts. */
  size: z.number().int(),
});
export type UploadTicketDto = z.infer<typeof uploadTicketDto>;

/** An upload is either ready (a file or a new version of one) or refused with the reason in words. */
export const uploadResultDto = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ready'), file: fileDto, version: z.number().int() }),
  z.object({ status: z.literal('rejected'), reason: z.string() }),
]);
export type UploadResultDto = z.infer<typeof uploadResultDto>;

export const attachedDto = z.object({ fileIds: z.array(id), projectId: id, folderId: nullableId });
export type AttachedDto = z.infer<typeof attachedDto>;

export const templateDto = z.object({
  id,
  name: z.string(),
  /** How workflows may name it ("client-onboarding"). */
  slug: z.string(),
  folders: z.array(folderTemplateNodeSchema),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TemplateDto = z.infer<typeof templateDto>;

export const requestDto = z.object({
  id,
  label: z.string(),
  folderId: id,
  clientId: nullableId,
  projectId: nullableId,
  maxFiles: z.number().int(),
  maxBytesPerFile: z.number().int(),
  allowedTypes: z.array(z.string()),
  requireUploaderName: z.boolean(),
  requireUploaderEmail: z.boolean(),
  filesReceived: z.number().int(),
  state: requestStateSchema,
  expiresAt: z.date(),
  revokedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  createdBy: nullableId,
  createdAt: z.date(),
});
export type RequestDto = z.infer<typeof requestDto>;

export const requestPageDto = z.object({ items: z.array(requestDto), nextCursor: z.string().nullable() });
export type RequestPageDto = z.infer<typeof requestPageDto>;

export const submissionDto = z.object({
  id,
  fileId: id,
  fileName: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  uploaderName: z.string().nullable(),
  uploaderEmail: z.string().nullable(),
  createdAt: z.date(),
});
export type SubmissionDto = z.infer<typeof submissionDto>;

export const requestDetailDto = requestDto.extend({ submissions: z.array(submissionDto) });
export type RequestDetailDto = z.infer<typeof requestDetailDto>;

/** Shown once, when the request is made: only the token's SHA-256 is stored. */
export const createdRequestDto = z.object({
  request: requestDto,
  token: z.string(),
  /** The public page's path (`/upload/<token>`), and the full URL when PUBLIC_URL is configured. */
  path: z.string(),
  url: z.string(),
});
export type CreatedRequestDto = z.infer<typeof createdRequestDto>;

/** What the files.createRequest action outputs (stored as JSON, so no token and no Date). */
export const createdRequestActionDto = z.object({ requestId: id, label: z.string(), expiresAt: z.string() });
export type CreatedRequestActionDto = z.infer<typeof createdRequestActionDto>;

/** What the public page shows: never a file, a folder name or a list. */
export const requestLinkDto = z.object({
  state: requestStateSchema,
  /** Why the link no longer takes files, in words; null while it is open. */
  message: z.string().nullable(),
  label: z.string(),
  organization: z.object({ name: z.string(), logoUrl: z.string().nullable() }),
  maxFiles: z.number().int(),
  remainingFiles: z.number().int(),
  maxBytesPerFile: z.number().int(),
  allowedTypes: z.array(z.string()),
  requireUploaderName: z.boolean(),
  requireUploaderEmail: z.boolean(),
  expiresAt: z.date(),
});
export type RequestLinkDto = z.infer<typeof requestLinkDto>;

/** A link upload is accepted (counted against the link's limit) or refused with the reason in words. */
export const linkUploadResultDto = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted'), name: z.string(), remainingFiles: z.number().int() }),
  z.object({ status: z.literal('rejected'), reason: z.string(), remainingFiles: z.number().int() }),
]);
export type LinkUploadResultDto = z.infer<typeof linkUploadResultDto>;

export const finishedRequestDto = z.object({ state: z.literal('completed'), filesReceived: z.number().int() });
export type FinishedRequestDto = z.infer<typeof finishedRequestDto>;
