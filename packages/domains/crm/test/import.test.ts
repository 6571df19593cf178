import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, withTenant } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { importSubscription } from '../src/handlers.ts';
import { parseCsv } from '../src/csv.ts';
import { actor, count, deliverAll, domainContext, outbox } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const contactsCsv = [
  'Full Name,E-mail,Phone,Level,Ignored',
  'Ann Able,ann@example.com,+1 111,gold,x',
  'Bad Email,not-an-email,,silver,x',
  ',,,,x',
  'Cid Cole,CID@example.com,,platinum,x',
  '"Dee, Dot",dee@example.com,"+1 ""222""",,x',
  'Ann Again,Ann+dup@Example.com,,,x',
  'No Mail,,555,,x',
  '',
].join('\r\n');

describe('CSV import', () => {
  it('reports each bad row, imports the good ones, dedupes, and a re-run creates nothing', async () => {
    const a = actor(testDb.db);
    await a.caller.customFields.create({ entity: 'contact', key: 'level', label: 'Level', type: 'select', options: ['gold', 'silver'] });
    const existing = await a.caller.contacts.create({ name: 'Pre Existing', email: 'dee@example.com' });
    const mapping = { 'Full Name': 'name', 'E-mail': 'email', Phone: 'phone', Level: 'custom.level' };
    const created = await a.caller.imports.create({ kind: 'contacts', csv: contactsCsv, mapping, fileName: 'people.csv' });
    expect(created).toMatchObject({ status: 'queued', totalRows: 7, rowsDone: 0 });
    await deliverAll(testDb.db, a.tenantId, importSubscription);
    const done = await a.caller.imports.get({ id: created.id });
    expect(done).toMatchObject({ status: 'completed', totalRows: 7, rowsDone: 7, createdCount: 2, duplicateCount: 2, errorCount: 3 });
    expect(done.errors).toEqual([
      { row: 3, field: 'E-mail', message: 'Enter an email address such as name@example.com' },
      { row: 4, field: 'Full Name', message: 'Enter a name' },
      { row: 5, field: 'Level', message: 'Must be one of: gold, silver' },
    ]);
    const names = (await a.caller.contacts.list({ limit: 100 })).items.map((c) => c.name).sort();
    expect(names).toEqual(['Ann Able', 'No Mail', 'Pre Existing'].sort());
    const ann = (await a.caller.contacts.list({ q: 'ann' })).items[0];
    expect(ann).toMatchObject({ email: 'ann@example.com', phone: '+1 111', customFields: { level: 'gold' } });
    expect(existing.id).toBeDefined();
    const createdEvents = await outbox(testDb.db, a.tenantId, 'crm.contact.created');
    expect(createdEvents).toHaveLength(3);

    const again = await a.caller.imports.create({ kind: 'contacts', csv: contactsCsv, mapping });
    await deliverAll(testDb.db, a.tenantId, importSubscription);
    expect(await a.caller.imports.get({ id: again.id })).toMatchObject({ status: 'completed', createdCount: 0, duplicateCount: 4, errorCount: 3 });
    expect(await count(testDb.db, a.tenantId, 'crm.contacts')).toBe(3);
    expect(await outbox(testDb.db, a.tenantId, 'crm.contact.created')).toHaveLength(3);
  });

  it('links imported contacts to the client named in a company column, creating missing clients once', async () => {
    const a = actor(testDb.db);
    const acme = await a.caller.clients.create({ name: 'Acme Inc' });
    const csv =
      'First,Last,Mail,Company,Role\nAl,One,al@acme.io,"ACME, Inc.",CEO\nBea,Two,bea@globex.io,Globex,\nCy,Three,cy@globex.io,Globex,CTO\nDi,Four,di@solo.io,,\n';
    const mapping = { First: 'first_name', Last: 'last_name', Mail: 'email', Company: 'company', Role: 'role' };
    for (let run = 0; run < 2; run += 1) {
      await a.caller.imports.create({ kind: 'contacts', csv, mapping });
      await deliverAll(testDb.db, a.tenantId, importSubscription);
    }
    const clients = (await a.caller.clients.list({})).items.map((c) => c.name).sort();
    expect(clients).toEqual(['Acme Inc', 'Globex']);
    const atAcme = (await a.caller.contacts.list({ clientId: acme.id })).items;
    expect(atAcme.map((c) => [c.name, c.relationships[0]?.role])).toEqual([['Al One', 'CEO']]);
    const globex = (await a.caller.clients.list({ q: 'glob' })).items[0];
    expect((await a.caller.contacts.list({ clientId: globex?.id ?? '' })).items.map((c) => c.name)).toEqual(['Bea Two', 'Cy Three']);
    expect(await count(testDb.db, a.tenantId, 'crm.contacts')).toBe(4);
    const created = await outbox(testDb.db, a.tenantId, 'crm.contact.created');
    expect(created.find((e) => e.payload.name === 'Cy Three')?.payload).toMatchObject({
      client_id: globex?.id,
      relationships: [{ client_id: globex?.id, role: 'CTO' }],
    });
    expect(await outbox(testDb.db, a.tenantId, 'crm.client.created')).toHaveLength(2);
  });

  it('validates the mapping up front', async () => {
    const a = actor(testDb.db);
    const error = await a.caller.imports
      .create({ kind: 'clients', csv: 'Company,Web\nAcme,acme.com\n', mapping: { Company: 'nom', Missing: 'website' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (error as { cause: { issues: { path: string[] }[] } }).cause.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(['mapping.Company', 'mapping.Missing', 'mapping']);
    // No column mapped to the name: refused, saying why, and nothing is written.
    await expect(
      a.caller.imports.create({ kind: 'clients', csv: 'Company Name,Web\nAcme,https://acme.test\n', mapping: { Web: 'website' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('No column is imported as the client’s name, and every client needs one'),
    });
    await expect(a.caller.imports.create({ kind: 'contacts', csv: 'Phone\n123\n', mapping: { Phone: 'phone' } })).rejects.toMatchObject({
      message: expect.stringContaining('every contact needs one'),
    });
    await expect(a.caller.imports.create({ kind: 'clients', csv: 'a,"b\n1,2', mapping: { a: 'name' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await count(testDb.db, a.tenantId, 'crm.imports')).toBe(0);
  });

  it('processes chunk by chunk with committed progress; a repeated delivery changes nothing', async () => {
    const a = actor(testDb.db);
    const lines = ['Company,Website,Status'];
    for (let i = 0; i < 4_500; i += 1) lines.push(`Company ${i},https://c${i}.example.com,${i % 2 ? 'Active' : 'lead'}`);
    lines.push('Company 1,,active'); // same name as row 3: duplicate
    const created = await a.caller.imports.create({
      kind: 'clients',
      csv: lines.join('\n'),
      mapping: { Company: 'name', Website: 'website', Status: 'status' },
    });
    const requested = (await outbox(testDb.db, a.tenantId, 'crm.import.requested'))[0];
    if (!requested) throw new Error('no crm.import.requested event');
    const envelope = await withTenant(testDb.db, { tenantId: a.tenantId }, async (trx) => {
      const { rowToEnvelope } = await import('@ubos/platform');
      const result = await sql<import('@ubos/platform').OutboxRow>`SELECT * FROM platform.outbox WHERE id = ${requested.id}`.execute(trx);
      const row = result.rows[0];
      if (!row) throw new Error('missing');
      return rowToEnvelope(row);
    });
    const context = (trx: import('@ubos/platform').Transaction<import('@ubos/platform').UntypedDB>) =>
      domainContext(trx, { tenantId: a.tenantId, actorId: a.userId, correlationId: envelope.correlation_id, causationId: envelope.id });
    // First delivery: chunk 0 only.
    await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => importSubscription.handle(envelope, context(trx)));
    expect(await a.caller.imports.get({ id: created.id })).toMatchObject({ status: 'running', rowsDone: 2_000, createdCount: 2_000 });
    // The same event again (at-least-once delivery, bypassing processed_events): nothing changes.
    await withTenant(testDb.db, { tenantId: a.tenantId }, (trx) => importSubscription.handle(envelope, context(trx)));
    expect(await a.caller.imports.get({ id: created.id })).toMatchObject({ rowsDone: 2_000, createdCount: 2_000 });
    // A chunk that fails rolls back alone: progress stays at the last committed chunk.
    await expect(
      withTenant(testDb.db, { tenantId: a.tenantId }, async (trx) => {
        await importSubscription.handle(
          { ...envelope, type: 'crm.import.chunk_processed', payload: { import_id: created.id, chunk: 0, next_chunk: 1, rows_done: 2000, total_rows: 4501 } },
          context(trx),
        );
        throw new Error('crash after the chunk');
      }),
    ).rejects.toThrow('crash after the chunk');
    expect(await a.caller.imports.get({ id: created.id })).toMatchObject({ rowsDone: 2_000 });
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(2_000);
    // Resume: the runner delivers the committed chunk_processed event and the rest follows.
    await deliverAll(testDb.db, a.tenantId, importSubscription, new Set([requested.id]));
    const done = await a.caller.imports.get({ id: created.id });
    expect(done).toMatchObject({ status: 'completed', totalRows: 4_501, rowsDone: 4_501, createdCount: 4_500, duplicateCount: 1, errorCount: 0 });
    expect(await count(testDb.db, a.tenantId, 'crm.clients')).toBe(4_500);
    const progress = (await outbox(testDb.db, a.tenantId, 'crm.import.chunk_processed')).map((e) => e.payload.rows_done);
    expect(progress).toEqual([2_000, 4_000, 4_501]);
    expect(await outbox(testDb.db, a.tenantId, 'crm.import.completed')).toHaveLength(1);
    expect((await a.caller.clients.list({ status: 'active', limit: 1 })).items).toHaveLength(1);
    // 2,000 rows per chunk share one created_at: the id tie-breaker still pages each row exactly once.
    for (const direction of ['asc', 'desc'] as const) {
      const seen = new Set<string>();
      let cursor: string | undefined;
      let rows = 0;
      do {
        const page = await a.caller.clients.list({ sort: 'created_at', direction, limit: 100, ...(cursor ? { cursor } : {}) });
        for (const client of page.items) seen.add(client.id);
        rows += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect([rows, seen.size]).toEqual([4_500, 4_500]);
    }
  });
});

describe('CSV export', () => {
  it('escapes formula cells and round-trips through the parser', async () => {
    const a = actor(testDb.db);
    await a.caller.customFields.create({ entity: 'client', key: 'note', label: 'Note', type: 'text' });
    await a.caller.clients.create({ name: '=HYPERLINK("http://evil.example","click")', customFields: { note: '@SUM(A1:A9)' } });
    await a.caller.clients.create({ name: '+Plus, Inc', tags: ['-minus'] });
    await a.caller.clients.create({ name: 'Normal' });
    const file = await a.caller.clients.export({ sort: 'name' });
    expect(file).toMatchObject({ fileName: 'clients.csv', contentType: 'text/csv', rows: 3 });
    const records = parseCsv(file.content).map((r) => r.fields);
    expect(records[0]).toEqual(['id', 'name', 'domain', 'website', 'status', 'owner_id', 'tags', 'created_at', 'custom.note']);
    const byName = records.slice(1).map((r) => [r[1], r[6], r[8]]);
    expect(byName).toEqual([
      ["'+Plus, Inc", "'-minus", ''],
      ['\'=HYPERLINK("http://evil.example","click")', '', "'@SUM(A1:A9)"],
      ['Normal', '', ''],
    ]);
    for (const record of records) for (const value of record) expect(value).not.toMatch(/^[=+\-@\t\r]/);
    const contacts = await a.caller.contacts.export({});
    expect(contacts.rows).toBe(0);
    const viewer = actor(testDb.db, 'viewer', a.tenantId);
    await expect(viewer.caller.clients.export({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
