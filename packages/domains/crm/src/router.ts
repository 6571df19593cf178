import { router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import { clientDto, clientProfileDto, contactDto, csvFileDto, customFieldDto, dealDto, duplicateGroupDto, engagementDto, importDto, noteDto, pageOf, pipelineDto } from './contracts.ts';
import * as s from './schemas.ts';
import * as service from './service.ts';
import * as dealService from './service-deals.ts';
import * as mergeService from './service-merge.ts';
import * as exportService from './service-export.ts';
import * as importService from './service-import.ts';

const clients = router({
  create: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.createClientInput).output(clientDto)
    .mutation(({ ctx, input }) => service.createClient(ctx, input)),
  update: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.updateClientInput).output(clientDto)
    .mutation(({ ctx, input: { id, ...changes } }) => service.updateClient(ctx, id, changes)),
  get: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.idInput).output(clientDto)
    .query(({ ctx, input }) => service.getClient(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.listClientsInput).output(pageOf(clientDto))
    .query(({ ctx, input }) => service.listClients(ctx, input)),
  archive: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.idInput).output(clientDto)
    .mutation(({ ctx, input }) => service.archiveClient(ctx, input.id)),
  restore: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.idInput).output(clientDto)
    .mutation(({ ctx, input }) => service.restoreClient(ctx, input.id)),
  merge: tenantProcedure.meta({ permission: 'crm.record.merge' }).input(s.mergeInput).output(clientDto)
    .mutation(({ ctx, input }) => mergeService.mergeClients(ctx, input)),
  profile: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.idInput).output(clientProfileDto)
    .query(({ ctx, input }) => exportService.clientProfile(ctx, input.id)),
  export: tenantProcedure.meta({ permission: 'crm.export.run' }).input(s.listClientsInput.omit({ cursor: true, limit: true })).output(csvFileDto)
    .query(({ ctx, input }) => exportService.exportClients(ctx, input)),
});

const contacts = router({
  create: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.createContactInput).output(contactDto)
    .mutation(({ ctx, input }) => service.createContact(ctx, input)),
  update: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.updateContactInput).output(contactDto)
    .mutation(({ ctx, input: { id, ...changes } }) => service.updateContact(ctx, id, changes)),
  get: tenantProcedure.meta({ permission: 'crm.contact.read' }).input(s.idInput).output(contactDto)
    .query(({ ctx, input }) => service.getContact(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.contact.read' }).input(s.listContactsInput).output(pageOf(contactDto))
    .query(({ ctx, input }) => service.listContacts(ctx, input)),
  archive: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.idInput).output(contactDto)
    .mutation(({ ctx, input }) => service.archiveContact(ctx, input.id)),
  restore: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.idInput).output(contactDto)
    .mutation(({ ctx, input }) => service.restoreContact(ctx, input.id)),
  merge: tenantProcedure.meta({ permission: 'crm.record.merge' }).input(s.mergeInput).output(contactDto)
    .mutation(({ ctx, input }) => mergeService.mergeContacts(ctx, input)),
  export: tenantProcedure.meta({ permission: 'crm.export.run' }).input(s.listContactsInput.omit({ cursor: true, limit: true })).output(csvFileDto)
    .query(({ ctx, input }) => exportService.exportContacts(ctx, input)),
  linkClient: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.linkInput).output(contactDto)
    .mutation(({ ctx, input }) => service.linkContact(ctx, input)),
  unlinkClient: tenantProcedure.meta({ permission: 'crm.contact.write' }).input(s.unlinkInput).output(contactDto)
    .mutation(({ ctx, input }) => service.unlinkContact(ctx, input)),
});

const notes = router({
  create: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.createNoteInput).output(noteDto)
    .mutation(({ ctx, input }) => service.createNote(ctx, input)),
  update: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.updateNoteInput).output(noteDto)
    .mutation(({ ctx, input }) => service.updateNote(ctx, input)),
  archive: tenantProcedure.meta({ permission: 'crm.client.write' }).input(s.idInput).output(noteDto)
    .mutation(({ ctx, input }) => service.archiveNote(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.listNotesInput).output(pageOf(noteDto))
    .query(({ ctx, input }) => service.listNotes(ctx, input)),
});

const customFields = router({
  list: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.listCustomFieldsInput).output(z.array(customFieldDto))
    .query(({ ctx, input }) => service.listCustomFieldDefinitions(ctx, input?.entity)),
  create: tenantProcedure.meta({ permission: 'crm.settings.manage' }).input(s.createCustomFieldInput).output(customFieldDto)
    .mutation(({ ctx, input }) => service.createCustomField(ctx, input)),
  update: tenantProcedure.meta({ permission: 'crm.settings.manage' }).input(s.updateCustomFieldInput).output(customFieldDto)
    .mutation(({ ctx, input }) => service.updateCustomField(ctx, input)),
  archive: tenantProcedure.meta({ permission: 'crm.settings.manage' }).input(s.idInput).output(customFieldDto)
    .mutation(({ ctx, input }) => service.archiveCustomField(ctx, input.id)),
});

const tags = router({
  list: tenantProcedure.meta({ permission: 'crm.client.read' }).output(z.array(z.object({ tag: z.string(), clients: z.number().int(), contacts: z.number().int() })))
    .query(({ ctx }) => service.listTags(ctx)),
});

const pipelines = router({
  getDefault: tenantProcedure.meta({ permission: 'crm.deal.read' }).output(pipelineDto)
    .query(({ ctx }) => dealService.defaultPipeline(ctx)),
  updateStages: tenantProcedure.meta({ permission: 'crm.settings.manage' }).input(s.updateStagesInput).output(pipelineDto)
    .mutation(({ ctx, input }) => dealService.updateStages(ctx, input)),
});

const deals = router({
  create: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.createDealInput).output(dealDto)
    .mutation(({ ctx, input }) => dealService.createDeal(ctx, input)),
  update: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.updateDealInput).output(dealDto)
    .mutation(({ ctx, input: { id, ...changes } }) => dealService.updateDeal(ctx, id, changes)),
  get: tenantProcedure.meta({ permission: 'crm.deal.read' }).input(s.idInput).output(dealDto)
    .query(({ ctx, input }) => dealService.getDeal(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.deal.read' }).input(s.listDealsInput).output(pageOf(dealDto))
    .query(({ ctx, input }) => dealService.listDeals(ctx, input)),
  board: tenantProcedure.meta({ permission: 'crm.deal.read' })
    .output(z.object({ pipeline: pipelineDto, columns: z.array(z.object({ stageId: z.uuid(), deals: z.array(dealDto) })) }))
    .query(({ ctx }) => dealService.board(ctx)),
  moveStage: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.moveStageInput).output(dealDto)
    .mutation(({ ctx, input }) => dealService.moveStage(ctx, input)),
  markWon: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.markWonInput).output(dealDto)
    .mutation(({ ctx, input }) => dealService.closeDeal(ctx, { ...input, outcome: 'won' })),
  markLost: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.markLostInput).output(dealDto)
    .mutation(({ ctx, input }) => dealService.closeDeal(ctx, { ...input, outcome: 'lost' })),
  archive: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.idInput).output(dealDto)
    .mutation(({ ctx, input }) => dealService.archiveDeal(ctx, input.id)),
});

const engagements = router({
  create: tenantProcedure.meta({ permission: 'crm.deal.write' }).input(s.createEngagementInput).output(engagementDto)
    .mutation(({ ctx, input }) => dealService.createEngagement(ctx, input)),
  get: tenantProcedure.meta({ permission: 'crm.deal.read' }).input(s.idInput).output(engagementDto)
    .query(({ ctx, input }) => dealService.getEngagement(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.deal.read' }).input(s.clientIdInput).output(z.array(engagementDto))
    .query(({ ctx, input }) => dealService.listEngagements(ctx, input.clientId)),
});

const duplicates = router({
  list: tenantProcedure.meta({ permission: 'crm.client.read' }).input(s.duplicatesInput).output(z.array(duplicateGroupDto))
    .query(({ ctx, input }) => mergeService.listDuplicates(ctx, input)),
});

const imports = router({
  create: tenantProcedure.meta({ permission: 'crm.import.run' }).input(s.createImportInput).output(importDto)
    .mutation(({ ctx, input }) => importService.createImport(ctx, input)),
  get: tenantProcedure.meta({ permission: 'crm.import.run' }).input(s.idInput).output(importDto)
    .query(({ ctx, input }) => importService.getImport(ctx, input.id)),
  list: tenantProcedure.meta({ permission: 'crm.import.run' }).output(z.array(importDto))
    .query(({ ctx }) => importService.listImports(ctx)),
});

/** The crm domain's procedures, mounted at appRouter.crm. */
export const crmRouter = router({ clients, contacts, notes, customFields, tags, pipelines, deals, engagements, duplicates, imports });
