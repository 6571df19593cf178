import { defineAction, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import {
  attachedDto,
  attachToProjectInput,
  createdFoldersDto,
  createdRequestActionDto,
  createFolderFromTemplateInput,
  createRequestInput,
  settingsSchema,
  updateSettingsInput,
} from './contracts.ts';
import * as service from './service.ts';
import { attachToProject, downloadUrl } from './service-files.ts';
import { createFromTemplate } from './service-folders.ts';
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

export const filesActions: readonly ActionDefinition[] = [
  updateSettingsAction,
  createFolderFromTemplateAction,
  attachToProjectAction,
  createRequestAction,
  signDownloadAction,
];
