import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createDomainRuntime,
  defineAction,
  defineDomain,
  DomainError,
  platformModule,
  readOutbox,
  router,
  sql,
  uuidv7,
  withTenant,
  type Role,
} from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { formatMoney } from '../src/money.ts';
import { revenueModule } from '../src/module.ts';
import { revenueRouter } from '../src/router.ts';
import { pdfText } from './pdf-text.ts';

const createCaller = createCallerFactory(revenueRouter);

/** A stand-in for files' actions (revenue cannot depend on @ubos/files): records what it is asked to store. */
const stored: { input: { clientId: string; folderName: string; name: string; contentBase64: string; sha256: string }; key: string; fileId: string }[] = [];
let storageMissing = false;
const fakeFiles = defineDomain({
  name: 'files',
  router: router({}),
  migrations: [],
  actions: [
    defineAction({
      name: 'files.storeGeneratedFile',
      description: 'fake',
      // The shape of files' own action (packages/domains/files/src/actions.ts).
      input: z.object({
        clientId: z.uuid(),
        folderName: z.string().default('Documents'),
        name: z.string(),
        contentType: z.string(),
        contentBase64: z.base64(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
      output: z.object({ fileId: z.uuid(), folderId: z.uuid(), sha256: z.string(), size: z.number().int() }),
      run: async (input, ctx) => {
        if (storageMissing) throw new DomainError('PRECONDITION_FAILED', 'File storage is not configured on this server');
        const fileId = uuidv7();
        stored.push({ input, key: ctx.idempotencyKey, fileId });
        return { fileId, folderId: uuidv7(), sha256: input.sha256, size: Buffer.from(input.contentBase64, 'base64').length };
      },
    }),
    defineAction({
      name: 'files.signDownload',
      description: 'fake',
      input: z.object({ fileId: z.uuid() }),
      output: z.object({ url: z.string(), filename: z.string(), contentType: z.string(), expiresAt: z.string() }),
      idempotent: false,
      run: async (input) => ({
        url: `/signed/${input.fileId}`,
        filename: 'x.pdf',
        contentType: 'application/pdf',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    }),
  ],
});

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function tenant(role: Role = 'owner') {
  const tenantId = uuidv7();
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [revenueModule] });
  const runtime = createDomainRuntime([platformModule, revenueModule, fakeFiles]);
  const caller = createCaller(testContext({ db: testDb.db, session, runtime }));
  const [clientId = ''] = await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client' }]);
  return { tenantId, userId, caller, clientId };
}

describe('invoice documents', () => {
  it('stores the PDF through files when issued, once, and its printed total is the API’s', async () => {
    const a = await tenant();
    await a.caller.invoiceSettings.update({ brandName: 'Acme Advisory', roundingLevel: 'document', roundingMode: 'halfEven' });
    await a.caller.accounts.update({ clientId: a.clientId, billingName: 'Client Ltd', address: { line1: '1 Main St', city: 'Québec' } });
    const draft = await a.caller.invoices.create({
      clientId: a.clientId,
      currency: 'CAD',
      taxes: [
        { id: 'gst', name: 'GST', rate: '5' },
        { id: 'qst', name: 'QST', rate: '9.975' },
      ],
      documentTaxIds: ['gst', 'qst'],
      lines: [
        { description: 'Design', quantity: '3.333', unitPrice: 9999 },
        { description: 'Build', quantity: '1', unitPrice: 12345, discount: { kind: 'percent', percent: '12.5' } },
      ],
    });
    const preview = await a.caller.invoices.pdfUrl({ id: draft.id });
    expect(preview).toMatchObject({ filename: 'draft-invoice.pdf', expiresAt: null });
    expect(preview.url.startsWith('data:application/pdf;base64,')).toBe(true);
    expect(stored.filter((item) => item.input.clientId === a.clientId)).toHaveLength(0);

    const issued = await a.caller.invoices.issue({ id: draft.id });
    const mine = stored.filter((item) => item.input.clientId === a.clientId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ key: `revenue-invoice-pdf:${draft.id}`, input: { folderName: 'Invoices', name: 'INV-0001.pdf' } });
    expect(issued.pdfFileId).toBe(mine[0]?.fileId);
    const shown = pdfText(Buffer.from(mine[0]?.input.contentBase64 ?? '', 'base64'));
    expect(shown[shown.lastIndexOf('Total') + 1]).toBe(formatMoney(BigInt(issued.totals.total), 'CAD'));
    expect(shown[shown.lastIndexOf('QST 9.975%') + 1]).toBe(formatMoney(BigInt(issued.taxBreakdown[1]?.amount ?? '0'), 'CAD'));
    expect(shown).toEqual(expect.arrayContaining(['Acme Advisory', 'Client Ltd', 'Québec', 'Number: INV-0001']));

    const url = await a.caller.invoices.pdfUrl({ id: draft.id });
    expect(url).toMatchObject({ url: `/signed/${issued.pdfFileId}`, filename: 'INV-0001.pdf' });
    expect(stored.filter((item) => item.input.clientId === a.clientId)).toHaveLength(1);
  });

  it('issues without a stored PDF when the server has no file storage, and stores it on the first download after', async () => {
    const a = await tenant();
    const draft = await a.caller.invoices.create({ clientId: a.clientId, lines: [{ description: 'Work', quantity: '1', unitPrice: 100 }] });
    storageMissing = true;
    try {
      expect((await a.caller.invoices.issue({ id: draft.id })).pdfFileId).toBeNull();
      expect((await a.caller.invoices.pdfUrl({ id: draft.id })).url.startsWith('data:application/pdf')).toBe(true);
    } finally {
      storageMissing = false;
    }
    expect((await a.caller.invoices.pdfUrl({ id: draft.id })).url).toMatch(/^\/signed\//);
    expect((await a.caller.invoices.get({ id: draft.id })).pdfFileId).not.toBeNull();
  });

  it('emails the billing contact a link to the portal page, and says what is missing otherwise', async () => {
    const a = await tenant();
    const draft = await a.caller.invoices.create({ clientId: a.clientId, currency: 'USD', lines: [{ description: 'Work', quantity: '2', unitPrice: 5000 }] });
    await expect(a.caller.invoices.send({ id: draft.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await a.caller.invoices.issue({ id: draft.id });
    await expect(a.caller.invoices.send({ id: draft.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('billing account has no email'),
    });
    await a.caller.accounts.update({ clientId: a.clientId, billingEmail: 'ap@client.test', billingName: 'Accounts Payable' });
    const sent = await a.caller.invoices.send({ id: draft.id });
    expect(sent.sentAt).toBeInstanceOf(Date);
    const mail = await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) =>
      sql<{ to_email: string; subject: string; text: string }>`SELECT to_email, subject, text FROM platform.system_mail`.execute(trx),
    );
    expect(mail.rows).toEqual([expect.objectContaining({ to_email: 'ap@client.test', subject: expect.stringContaining('Invoice INV-0001') })]);
    expect(mail.rows[0]?.text).toContain('USD 100.00');
    expect(mail.rows[0]?.text).toContain(`/portal/invoices/${draft.id}`);
    const events = await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => readOutbox(trx, { types: ['revenue.invoice.sent'] }));
    expect(events[0]?.event.payload).toMatchObject({ to: 'ap@client.test', number: 'INV-0001' });
  });
});
