import { publicProcedure, router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import * as c from './contracts.ts';
import * as fileService from './service-files.ts';
import * as folderService from './service-folders.ts';
import * as linkService from './service-links.ts';
import * as requestService from './service-requests.ts';
import * as service from './service.ts';
import * as templateService from './service-templates.ts';
import * as uploadService from './service-uploads.ts';

// Thin procedures (ARCHITECTURE.md §3): parse (inputs and DTOs from contracts.ts), authorize (the
// meta permission, declared in module.ts), call the service with the request's DomainContext.
// The requestLinks procedures are public: the link's token is their only credential (§7).

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'files.settings.read' })
    .output(c.settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'files.settings.manage' })
    .input(c.updateSettingsInput)
    .output(c.settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
});

const folders = router({
  create: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.createFolderInput)
    .output(c.folderDto)
    .mutation(({ ctx, input }) => folderService.createFolder(ctx.domain, input)),
  createFromTemplate: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.createFolderFromTemplateInput)
    .output(c.createdFoldersDto)
    .mutation(({ ctx, input }) => folderService.createFromTemplate(ctx.domain, input)),
  list: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.listFoldersInput)
    .output(z.array(c.folderDto))
    .query(({ ctx, input }) => folderService.listFolders(ctx.domain, input)),
  rename: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.renameFolderInput)
    .output(c.folderDto)
    .mutation(({ ctx, input }) => folderService.renameFolder(ctx.domain, input)),
  move: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.moveFolderInput)
    .output(c.folderDto)
    .mutation(({ ctx, input }) => folderService.moveFolder(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.archiveFolderInput)
    .output(c.folderArchiveDto)
    .mutation(({ ctx, input }) => folderService.archiveFolder(ctx.domain, input)),
});

const uploads = router({
  create: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.createUploadInput)
    .output(c.uploadTicketDto)
    .mutation(({ ctx, input }) => uploadService.createUpload(ctx.domain, input)),
  complete: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.completeUploadInput)
    .output(c.uploadResultDto)
    .mutation(({ ctx, input }) => uploadService.completeUpload(ctx.domain, input)),
});

const files = router({
  list: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.listFilesInput)
    .output(c.filePageDto)
    .query(({ ctx, input }) => fileService.listFiles(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.idInput)
    .output(c.fileDto)
    .query(({ ctx, input }) => fileService.getFile(ctx.domain, input.id)),
  rename: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.renameFileInput)
    .output(c.fileDto)
    .mutation(({ ctx, input }) => fileService.renameFile(ctx.domain, input)),
  move: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.moveFileInput)
    .output(c.fileDto)
    .mutation(({ ctx, input }) => fileService.moveFile(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.idInput)
    .output(c.fileDto)
    .mutation(({ ctx, input }) => fileService.archiveFile(ctx.domain, input.id)),
  restore: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.idInput)
    .output(c.fileDto)
    .mutation(({ ctx, input }) => fileService.restoreFile(ctx.domain, input.id)),
  versions: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.idInput)
    .output(z.array(c.fileVersionDto))
    .query(({ ctx, input }) => fileService.listVersions(ctx.domain, input.id)),
  downloadUrl: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.downloadUrlInput)
    .output(c.downloadUrlDto)
    .query(({ ctx, input }) => fileService.downloadUrl(ctx.domain, input)),
  attachToProject: tenantProcedure
    .meta({ permission: 'files.write' })
    .input(c.attachToProjectInput)
    .output(c.attachedDto)
    .mutation(({ ctx, input }) => fileService.attachToProject(ctx.domain, input)),
});

const templates = router({
  list: tenantProcedure
    .meta({ permission: 'files.read' })
    .output(z.array(c.templateDto))
    .query(({ ctx }) => templateService.listTemplates(ctx.domain)),
  create: tenantProcedure
    .meta({ permission: 'files.template.manage' })
    .input(c.createTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templateService.createTemplate(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'files.template.manage' })
    .input(c.updateTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templateService.updateTemplate(ctx.domain, input)),
});

const requests = router({
  create: tenantProcedure
    .meta({ permission: 'files.request.manage' })
    .input(c.createRequestInput)
    .output(c.createdRequestDto)
    .mutation(({ ctx, input }) => requestService.createRequest(ctx.domain, input, { publicUrl: ctx.config.PUBLIC_URL ?? null })),
  list: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.listRequestsInput)
    .output(c.requestPageDto)
    .query(({ ctx, input }) => requestService.listRequests(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'files.read' })
    .input(c.idInput)
    .output(c.requestDetailDto)
    .query(({ ctx, input }) => requestService.getRequest(ctx.domain, input.id)),
  revoke: tenantProcedure
    .meta({ permission: 'files.request.manage' })
    .input(c.idInput)
    .output(c.requestDto)
    .mutation(({ ctx, input }) => requestService.revokeRequest(ctx.domain, input.id)),
});

const requestLinks = router({
  open: publicProcedure
    .input(c.requestLinkInput)
    .output(c.requestLinkDto)
    .query(({ ctx, input }) => linkService.openLink(ctx, input)),
  createUpload: publicProcedure
    .input(c.createLinkUploadInput)
    .output(c.uploadTicketDto)
    .mutation(({ ctx, input }) => linkService.createLinkUpload(ctx, input)),
  completeUpload: publicProcedure
    .input(c.completeLinkUploadInput)
    .output(c.linkUploadResultDto)
    .mutation(({ ctx, input }) => linkService.completeLinkUpload(ctx, input)),
  finish: publicProcedure
    .input(c.finishRequestLinkInput)
    .output(c.finishedRequestDto)
    .mutation(({ ctx, input }) => linkService.finishLink(ctx, input)),
});

export const filesRouter = router({ settings, folders, uploads, files, templates, requests, requestLinks });
export type FilesRouter = typeof filesRouter;
