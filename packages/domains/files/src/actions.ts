import { defineAction, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import {
  attachedDto,
  attachToProjectInput,
  createdFoldersDto,
  createdRequestActionDto,
  createFolderFromTemplateInput,
  createRequestInput,
  finishedRequestDto,
  linkUploadResultDto,
  settingsSchema,
  updateSettingsInput,
} from './contracts.ts';
import * as service from './service.ts';
import { attachToProject, downloadUrl } from './service-files.ts';
import { createFromTemplate } from './service-folders.ts';
import { completeRequestUpload, createRequestUpload, finishRequest } from './service-links.ts';
import { storeGenerated } from './service-generated.ts';
import { openRequest } from './service-requests.ts';

/**
 * Workflow actions of the files domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date).
 */

export const updateSettingsAction = defineAction({
  name: 'files.updateSettings',
  description: "Change the tenant's files settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

export const createFolderFromTemplateAction = defineAction({
  name: 'files.createFolderFromTemplate',
  description: 'Build a folder template (by id, name or slug, default "client-onboarding") for a client or project; reuses folders already there',
  input: createFolderFromTemplateInput,
  output: createdFoldersDto,
  run: (input, ctx) => createFromTemplate(ctx, input),
});

export const attachToProjectAction = defineAction({
  name: 'files.attachToProject',
  description: "Attach files (fileId or fileIds) to a project, moving them into the project's folder when it has one",
  input: attachToProjectInput,
  output: attachedDto,
  run: (input, ctx) => attachToProject(ctx, input),
});

/**
 * Makes a file request. Its output holds no token: step outputs are stored as plain JSON, and a
 * link token is stored only as its hash (§7). Staff hand out links made with files.requests.create.
 */
export const createRequestAction = defineAction({
  name: 'files.createRequest',
  description: 'Make a file request (upload-only link) for a folder; outputs its id, label and expiry',
  input: createRequestInput,
  output: createdRequestActionDto,
  run: async (input, ctx) => {
    const { row } = await openRequest(ctx, input);
    return { requestId: row.id, label: row.label, expiresAt: row.expires_at.toISOString() };
  },
});

/**
 * A signed download URL (at most 300 s) of a file's current version, for another domain that
 * decided the caller may have it (the client portal, for a file in a folder shared with the
 * session's client). Writes nothing and is not idempotent: its output, a short-lived credential,
 * is never stored.
 */
export const signDownloadAction = defineAction({
  name: 'files.signDownload',
  description: "A short-lived signed download URL of a file's current version (for a caller that checked access itself)",
  input: z.object({ fileId: z.uuid() }),
  output: z.object({ url: z.string(), filename: z.string(), contentType: z.string(), expiresAt: z.string() }),
  idempotent: false,
  run: async (input, ctx) => {
    const signed = await downloadUrl(ctx, { id: input.fileId, disposition: 'attachment' });
    return { url: signed.url, filename: signed.filename, contentType: signed.contentType, expiresAt: signed.expiresAt.toISOString() };
  },
});

/**
 * A file request's three upload steps addressed by request id, for a caller that checked who may
 * upload into it (the client portal: a request of the portal session's client) — the same rules as
 * the public link (limits, types, sniffing, slots). The upload form is a short-lived credential:
 * `files.createRequestUpload` is not idempotent and its output is never stored; completing and
 * finishing are idempotent per key and store no secret.
 */
export const createRequestUploadAction = defineAction({
  name: 'files.createRequestUpload',
  description: 'An upload form into a file request (for a caller that checked who may upload); writes a pending upload',
  input: z.object({
    requestId: z.uuid(),
    name: z.string().min(1).max(255),
    contentType: z.string().min(3).max(255),
    size: z.number().int().min(1),
    uploaderName: z.string().max(200).optional(),
    uploaderEmail: z.string().max(254).optional(),
  }),
  output: z.object({
    uploadId: z.uuid(),
    method: z.literal('POST'),
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    expiresAt: z.string(),
    size: z.number().int(),
  }),
  idempotent: false,
  run: async (input, ctx) => {
    const ticket = await createRequestUpload(ctx, input);
    return { ...ticket, expiresAt: ticket.expiresAt.toISOString() };
  },
});

export const completeRequestUploadAction = defineAction({
  name: 'files.completeRequestUpload',
  description: 'Completes an upload into a file request: checks the bytes and keeps the file if the request still has room',
  input: z.object({ requestId: z.uuid(), uploadId: z.uuid() }),
  output: linkUploadResultDto,
  run: (input, ctx) => completeRequestUpload(ctx, input),
});

export const finishRequestAction = defineAction({
  name: 'files.finishRequest',
  description: 'Finishes a file request (files.request.completed once); needs at least one file',
  input: z.object({ requestId: z.uuid() }),
  output: finishedRequestDto,
  run: (input, ctx) => finishRequest(ctx, input.requestId),
});

/**
 * Stores bytes another domain generated (a sealed contract, an invoice PDF) as a new file in a
 * top-level folder of the client (`folderName`, created when missing). Idempotent per key like
 * every action: a retried caller gets the first file back and nothing is stored twice.
 */
export const storeGeneratedFileAction = defineAction({
  name: 'files.storeGeneratedFile',
  description: "Store server-generated bytes (base64) as a new file in a client's folder; outputs the file id and its SHA-256",
  input: z.object({
    clientId: z.uuid(),
    folderName: z.string().trim().min(1).max(200).default('Documents'),
    name: z.string().trim().min(1).max(255),
    contentType: z.string().min(3).max(255),
    contentBase64: z.base64().max(70_000_000),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  output: z.object({ fileId: z.uuid(), folderId: z.uuid(), sha256: z.string(), size: z.number().int() }),
  run: (input, ctx) => storeGenerated(ctx, { ...input, bytes: Buffer.from(input.contentBase64, 'base64') }),
});

export const filesActions: readonly ActionDefinition[] = [
  storeGeneratedFileAction,
  updateSettingsAction,
  createFolderFromTemplateAction,
  attachToProjectAction,
  createRequestAction,
  signDownloadAction,
  createRequestUploadAction,
  completeRequestUploadAction,
  finishRequestAction,
];
