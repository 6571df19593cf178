import { router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import * as c from './contracts.ts';
import * as service from './service.ts';
import * as clientService from './service-clients.ts';
import * as contactService from './service-contacts.ts';
import * as customFieldService from './service-custom-fields.ts';
import * as dealService from './service-deals.ts';
import * as exportService from './service-export.ts';
import * as importService from './service-import.ts';
import * as mergeService from './service-merge.ts';
import * as noteService from './service-notes.ts';

// Thin procedures (ARCHITECTURE.md §3): parse (inputs and DTOs from contracts.ts), authorize (the
// meta permission, declared in module.ts), call the service with the request's DomainContext.

const clients = router({
  create: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.createClientInput)
    .output(c.clientDto)
    .mutation(({ ctx, input }) => clientService.createClient(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.updateClientInput)
    .output(c.clientDto)
    .mutation(({ ctx, input: { id, ...changes } }) => clientService.updateClient(ctx.domain, id, changes)),
  get: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.idInput)
    .output(c.clientDto)
    .query(({ ctx, input }) => clientService.getClient(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.listClientsInput)
    .output(c.pageOf(c.clientDto))
    .query(({ ctx, input }) => clientService.listClients(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.idInput)
    .output(c.clientDto)
    .mutation(({ ctx, input }) => clientService.archiveClient(ctx.domain, input.id)),
  restore: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.idInput)
    .output(c.clientDto)
    .mutation(({ ctx, input }) => clientService.restoreClient(ctx.domain, input.id)),
  merge: tenantProcedure
    .meta({ permission: 'crm.record.merge' })
    .input(c.mergeRecordsInput)
    .output(c.clientDto)
    .mutation(({ ctx, input }) => mergeService.mergeClients(ctx.domain, input)),
  profile: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.idInput)
    .output(c.clientProfileDto)
    .query(({ ctx, input }) => exportService.clientProfile(ctx.domain, input.id)),
  export: tenantProcedure
    .meta({ permission: 'crm.export.run', cost: 'expensive' })
    .input(c.exportClientsInput)
    .output(c.csvFileDto)
    .query(({ ctx, input }) => exportService.exportClients(ctx.domain, input)),
});

const contacts = router({
  create: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.createContactInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => contactService.createContact(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.updateContactInput)
    .output(c.contactDto)
    .mutation(({ ctx, input: { id, ...changes } }) => contactService.updateContact(ctx.domain, id, changes)),
  get: tenantProcedure
    .meta({ permission: 'crm.contact.read' })
    .input(c.idInput)
    .output(c.contactDto)
    .query(({ ctx, input }) => contactService.getContact(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.contact.read' })
    .input(c.listContactsInput)
    .output(c.pageOf(c.contactDto))
    .query(({ ctx, input }) => contactService.listContacts(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.idInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => contactService.archiveContact(ctx.domain, input.id)),
  restore: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.idInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => contactService.restoreContact(ctx.domain, input.id)),
  merge: tenantProcedure
    .meta({ permission: 'crm.record.merge' })
    .input(c.mergeRecordsInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => mergeService.mergeContacts(ctx.domain, input)),
  export: tenantProcedure
    .meta({ permission: 'crm.export.run', cost: 'expensive' })
    .input(c.exportContactsInput)
    .output(c.csvFileDto)
    .query(({ ctx, input }) => exportService.exportContacts(ctx.domain, input)),
  // Contacts linked to no client whose email domain is one client's domain: "link to that client?".
  linkSuggestions: tenantProcedure
    .meta({ permission: 'crm.contact.read' })
    .input(c.linkSuggestionsInput)
    .output(z.array(c.linkSuggestionDto))
    .query(({ ctx, input }) => contactService.linkSuggestions(ctx.domain, input?.limit ?? 20)),
  linkClient: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.linkClientInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => contactService.linkContact(ctx.domain, input)),
  unlinkClient: tenantProcedure
    .meta({ permission: 'crm.contact.write' })
    .input(c.unlinkClientInput)
    .output(c.contactDto)
    .mutation(({ ctx, input }) => contactService.unlinkContact(ctx.domain, input)),
});

const notes = router({
  create: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.createNoteInput)
    .output(c.noteDto)
    .mutation(({ ctx, input }) => noteService.createNote(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.updateNoteInput)
    .output(c.noteDto)
    .mutation(({ ctx, input }) => noteService.updateNote(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'crm.client.write' })
    .input(c.idInput)
    .output(c.noteDto)
    .mutation(({ ctx, input }) => noteService.archiveNote(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.listNotesInput)
    .output(c.pageOf(c.noteDto))
    .query(({ ctx, input }) => noteService.listNotes(ctx.domain, input)),
});

const customFields = router({
  list: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.listCustomFieldsInput)
    .output(z.array(c.customFieldDto))
    .query(({ ctx, input }) => customFieldService.listCustomFieldDefinitions(ctx.domain, input?.entity)),
  create: tenantProcedure
    .meta({ permission: 'crm.settings.manage' })
    .input(c.createCustomFieldInput)
    .output(c.customFieldDto)
    .mutation(({ ctx, input }) => customFieldService.createCustomField(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'crm.settings.manage' })
    .input(c.updateCustomFieldInput)
    .output(c.customFieldDto)
    .mutation(({ ctx, input }) => customFieldService.updateCustomField(ctx.domain, input)),
  archive: tenantProcedure
    .meta({ permission: 'crm.settings.manage' })
    .input(c.idInput)
    .output(c.customFieldDto)
    .mutation(({ ctx, input }) => customFieldService.archiveCustomField(ctx.domain, input.id)),
});

const tags = router({
  list: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .output(z.array(c.tagCountDto))
    .query(({ ctx }) => service.listTags(ctx.domain)),
});

const pipelines = router({
  getDefault: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .output(c.pipelineDto)
    .query(({ ctx }) => dealService.defaultPipeline(ctx.domain)),
  updateStages: tenantProcedure
    .meta({ permission: 'crm.settings.manage' })
    .input(c.updateStagesInput)
    .output(c.pipelineDto)
    .mutation(({ ctx, input }) => dealService.updateStages(ctx.domain, input)),
});

const deals = router({
  create: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.createDealInput)
    .output(c.dealDto)
    .mutation(({ ctx, input }) => dealService.createDeal(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.updateDealInput)
    .output(c.dealDto)
    .mutation(({ ctx, input: { id, ...changes } }) => dealService.updateDeal(ctx.domain, id, changes)),
  get: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .input(c.idInput)
    .output(c.dealDto)
    .query(({ ctx, input }) => dealService.getDeal(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .input(c.listDealsInput)
    .output(c.pageOf(c.dealDto))
    .query(({ ctx, input }) => dealService.listDeals(ctx.domain, input)),
  board: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .output(c.dealBoardDto)
    .query(({ ctx }) => dealService.board(ctx.domain)),
  moveStage: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.moveStageInput)
    .output(c.dealDto)
    .mutation(({ ctx, input }) => dealService.moveStage(ctx.domain, input)),
  markWon: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.markWonInput)
    .output(c.dealDto)
    .mutation(({ ctx, input }) => dealService.closeDeal(ctx.domain, { ...input, outcome: 'won' })),
  markLost: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.markLostInput)
    .output(c.dealDto)
    .mutation(({ ctx, input }) => dealService.closeDeal(ctx.domain, { ...input, outcome: 'lost' })),
  archive: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.idInput)
    .output(c.dealDto)
    .mutation(({ ctx, input }) => dealService.archiveDeal(ctx.domain, input.id)),
});

const engagements = router({
  create: tenantProcedure
    .meta({ permission: 'crm.deal.write' })
    .input(c.createEngagementInput)
    .output(c.engagementDto)
    .mutation(({ ctx, input }) => dealService.createEngagement(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .input(c.idInput)
    .output(c.engagementDto)
    .query(({ ctx, input }) => dealService.getEngagement(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.deal.read' })
    .input(c.clientIdInput)
    .output(z.array(c.engagementDto))
    .query(({ ctx, input }) => dealService.listEngagements(ctx.domain, input.clientId)),
});

const duplicates = router({
  list: tenantProcedure
    .meta({ permission: 'crm.client.read' })
    .input(c.listDuplicatesInput)
    .output(z.array(c.duplicateGroupDto))
    .query(({ ctx, input }) => mergeService.listDuplicates(ctx.domain, input)),
});

const imports = router({
  create: tenantProcedure
    .meta({ permission: 'crm.import.run', cost: 'expensive' })
    .input(c.createImportInput)
    .output(c.importDto)
    .mutation(({ ctx, input }) => importService.createImport(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'crm.import.run' })
    .input(c.idInput)
    .output(c.importDto)
    .query(({ ctx, input }) => importService.getImport(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'crm.import.run' })
    .output(z.array(c.importDto))
    .query(({ ctx }) => importService.listImports(ctx.domain)),
});

/** The crm domain's procedures, mounted at appRouter.crm. */
export const crmRouter = router({ clients, contacts, notes, customFields, tags, pipelines, deals, engagements, duplicates, imports });
