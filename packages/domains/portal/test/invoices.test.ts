import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createDomainRuntime,
  defineAction,
  defineDomain,
  NotFoundError,
  platformModule,
  router,
  uuidv7,
  type PortalSessionInfo,
} from '@ubos/platform';
import { createTestDatabase, RecordingCookieJar, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { portalInvoiceDetail, portalInvoiceInput, portalInvoicesInput, portalInvoicesOutput } from '@ubos/revenue/contracts';
import { portalModule } from '../src/module.ts';
import { portalRouter } from '../src/router.ts';
import { client, organization, signIn } from './helpers.ts';

/**
 * The portal's side of invoices: it asks revenue's portal actions for the session's own client
 * (never an id from input) and signs the stored PDF through files. Revenue's side (only that
 * client's issued invoices) is tested in packages/domains/revenue/test/portal-actions.test.ts;
 * here both are stand-ins that record what they were asked.
 */
const asked: { action: string; clientId: string }[] = [];
const invoices = new Map<string, { clientId: string; pdfFileId: string | null }>();
const detail = (id: string, pdfFileId: string | null) => ({
  id,
  number: 'INV-0007',
  status: 'issued' as const,
  currency: 'EUR',
  issueDate: '2026-03-01',
  dueDate: '2026-03-31',
  overdue: false,
  totals: { subtotal: '100', discount: '0', tax: '0', total: '100', paid: '0', credited: '0', balance: '100' },
  hasPdf: pdfFileId !== null,
  lines: [{ description: 'Work', quantity: '1', unitPrice: '100', net: '100' }],
  taxes: [],
  notes: null,
  pdfFileId,
});
const fakeRevenue = defineDomain({
  name: 'revenue',
  router: router({}),
  migrations: [],
  actions: [
    defineAction({
      name: 'revenue.portalInvoices',
      description: 'fake',
      input: portalInvoicesInput,
      output: portalInvoicesOutput,
      idempotent: false,
      run: async (input) => {
        asked.push({ action: 'list', clientId: input.clientId });
        const items = [...invoices.entries()].filter(([, value]) => value.clientId === input.clientId).map(([id, value]) => detail(id, value.pdfFileId));
        return { items: items.map(({ lines: _l, taxes: _t, notes: _n, pdfFileId: _p, ...summary }) => summary), nextCursor: null };
      },
    }),
    defineAction({
      name: 'revenue.portalInvoice',
      description: 'fake',
      input: portalInvoiceInput,
      output: portalInvoiceDetail,
      idempotent: false,
      run: async (input) => {
        asked.push({ action: 'get', clientId: input.clientId });
        const found = invoices.get(input.id);
        if (!found || found.clientId !== input.clientId) throw new NotFoundError('Invoice', input.id);
        return detail(input.id, found.pdfFileId);
      },
    }),
  ],
});
const fakeFiles = defineDomain({
  name: 'files',
  router: router({}),
  migrations: [],
  actions: [
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
const runtime = createDomainRuntime([platformModule, portalModule, fakeRevenue, fakeFiles]);
const portalCaller = createCallerFactory(portalRouter);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

function me(portal: PortalSessionInfo) {
  return portalCaller(testContext({ db: db.db, session: null, portal, runtime, cookies: new RecordingCookieJar() }));
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'OK',
    (error: unknown) => String((error as { code?: unknown }).code ?? error),
  );
}

describe('portal invoices', () => {
  it("asks revenue for the session's own client only, and signs the stored PDF", async () => {
    const org = await organization(db, 'Invoice Studio');
    const acme = await client(db, org.tenantId, 'Acme');
    const bravo = await client(db, org.tenantId, 'Bravo');
    const mine = uuidv7();
    const pending = uuidv7();
    const theirs = uuidv7();
    const pdf = uuidv7();
    invoices.set(mine, { clientId: acme.clientId, pdfFileId: pdf });
    invoices.set(pending, { clientId: acme.clientId, pdfFileId: null });
    invoices.set(theirs, { clientId: bravo.clientId, pdfFileId: uuidv7() });

    const portal = me(await signIn(db, org.tenantId, acme));
    expect((await portal.me.invoices.list()).items.map((item) => item.id).sort()).toEqual([mine, pending].sort());
    expect((await portal.me.invoices.get({ invoiceId: mine })).lines).toHaveLength(1);
    expect(await portal.me.invoices.downloadUrl({ invoiceId: mine })).toMatchObject({ url: `/signed/${pdf}`, filename: 'INV-0007.pdf' });
    expect(await codeOf(portal.me.invoices.downloadUrl({ invoiceId: pending }))).toBe('PRECONDITION_FAILED');
    expect(await codeOf(portal.me.invoices.get({ invoiceId: theirs }))).toBe('NOT_FOUND');
    expect(await codeOf(portal.me.invoices.downloadUrl({ invoiceId: theirs }))).toBe('NOT_FOUND');
    expect(asked.every((item) => item.clientId === acme.clientId)).toBe(true);

    const staffPortal = portalCaller(
      testContext({ db: db.db, session: testSession({ userId: uuidv7(), tenantId: org.tenantId, role: 'owner', modules: [portalModule] }), runtime }),
    );
    expect(await codeOf(staffPortal.me.invoices.list())).not.toBe('OK');
  });
});
