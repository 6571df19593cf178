import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crm from '@ubos/crm/contracts';
import * as projects from '@ubos/projects/contracts';
import { createCallerFactory, sql, uuidv7, withTenant, writeEvent, type EventContract, type EventEnvelope, type Permission } from '@ubos/platform';
import { createTestDatabase, testContext, type TestDatabase } from '@ubos/platform/testing';
import { indexDocuments } from '../src/handlers.ts';
import { searchRouter } from '../src/router.ts';
import { runRebuild } from '../src/service-rebuild.ts';
import { handlerContext, modules, payloads, searchSession } from './helpers.ts';

let testDb: TestDatabase;
const createCaller = createCallerFactory(searchRouter);

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function callerFor(tenantId: string, permissions?: Permission[]) {
  const session = searchSession({ userId: uuidv7(), tenantId, role: 'viewer' });
  return createCaller(testContext({ db: testDb.db, session: permissions ? { ...session, permissions: new Set(permissions) } : session, modules }));
}

function envelope<Payload extends Record<string, unknown>>(
  tenantId: string,
  contract: EventContract<string, Payload>,
  payload: Payload,
  aggregateId: string,
): EventEnvelope {
  return {
    id: uuidv7(),
    tenant_id: tenantId,
    type: contract.type,
    version: contract.version,
    payload,
    actor_id: null,
    aggregate_type: contract.aggregateType,
    aggregate_id: aggregateId,
    occurred_at: new Date().toISOString(),
    correlation_id: 'search-test',
    causation_id: null,
  };
}

async function deliver(event: EventEnvelope): Promise<void> {
  await withTenant(testDb.db, { tenantId: event.tenant_id }, (trx) =>
    indexDocuments.handle(event, handlerContext(trx, event.tenant_id, event.correlation_id, event.id)),
  );
}

interface Fixture {
  tenantId: string;
  acme: string;
  acmeHoldings: string;
  acmeExact: string;
  jane: string;
  deal: string;
  project: string;
  task: string;
}

async function seed(): Promise<Fixture> {
  const tenantId = uuidv7();
  const f: Fixture = {
    tenantId,
    acme: uuidv7(),
    acmeHoldings: uuidv7(),
    acmeExact: uuidv7(),
    jane: uuidv7(),
    deal: uuidv7(),
    project: uuidv7(),
    task: uuidv7(),
  };
  await deliver(envelope(tenantId, crm.clientCreated, payloads.client({ client_id: f.acme, name: 'Acme Corporation', domain: 'acme.example' }), f.acme));
  await deliver(envelope(tenantId, crm.clientCreated, payloads.client({ client_id: f.acmeHoldings, name: 'Acme Holdings' }), f.acmeHoldings));
  await deliver(envelope(tenantId, crm.clientCreated, payloads.client({ client_id: f.acmeExact, name: 'Acme' }), f.acmeExact));
  await deliver(
    envelope(tenantId, crm.contactCreated, payloads.contact({ contact_id: f.jane, name: 'Jane Doe', email: 'jane@acme.example', client_id: f.acme }), f.jane),
  );
  await deliver(
    envelope(tenantId, crm.dealCreated, payloads.deal({ deal_id: f.deal, title: 'Acme annual retainer', client_id: f.acme, stage_name: 'proposal' }), f.deal),
  );
  await deliver(
    envelope(
      tenantId,
      projects.projectCreated,
      payloads.project({ project_id: f.project, name: 'Website redesign', client_id: f.acme, status: 'active' }),
      f.project,
    ),
  );
  await deliver(
    envelope(
      tenantId,
      projects.taskCreated,
      payloads.task({ task_id: f.task, project_id: f.project, title: 'Design homepage mockups', client_id: f.acme, status: 'open' }),
      f.task,
    ),
  );
  return f;
}

describe('search.query', () => {
  it('finds by prefix, ranks the exact match first and groups by type', async () => {
    const f = await seed();
    const result = await callerFor(f.tenantId).query({ q: 'acm' });
    const clients = result.groups.find((group) => group.type === 'client');
    expect(clients?.hits.map((hit) => hit.id).sort()).toEqual([f.acme, f.acmeExact, f.acmeHoldings].sort());
    expect(result.groups.map((group) => group.type)).toContain('deal');

    const exact = await callerFor(f.tenantId).query({ q: 'Acme' });
    expect(exact.groups[0]?.type).toBe('client');
    expect(exact.groups[0]?.hits[0]).toMatchObject({ id: f.acmeExact, title: 'Acme' });

    const contact = await callerFor(f.tenantId).query({ q: 'jane do' });
    expect(contact.groups[0]?.hits[0]).toMatchObject({ type: 'contact', id: f.jane, title: 'Jane Doe', subtitle: 'jane@acme.example', clientId: f.acme });
  });

  it('tolerates a typo (trigram word similarity)', async () => {
    const f = await seed();
    const project = await callerFor(f.tenantId).query({ q: 'redesgn' });
    expect(project.groups.flatMap((group) => group.hits).map((hit) => hit.id)).toContain(f.project);
    const task = await callerFor(f.tenantId).query({ q: 'homepgae' });
    expect(task.groups.flatMap((group) => group.hits)[0]).toMatchObject({ type: 'task', id: f.task, parentId: f.project });
  });

  it('filters by requested types and by what the caller may read', async () => {
    const f = await seed();
    const onlyDeals = await callerFor(f.tenantId).query({ q: 'acme', types: ['deal'] });
    expect(onlyDeals.groups.map((group) => group.type)).toEqual(['deal']);
    const viewer = searchSession({ userId: uuidv7(), tenantId: f.tenantId, role: 'viewer' }).permissions;
    const noClientRead = await callerFor(
      f.tenantId,
      [...viewer].filter((permission) => !permission.startsWith('crm.')),
    );
    const result = await noClientRead.query({ q: 'acme' });
    expect(result.groups.map((group) => group.type).filter((type) => ['client', 'contact', 'deal'].includes(type))).toEqual([]);
    expect(result.groups).toEqual([]);
    const projects = await noClientRead.query({ q: 'website' });
    expect(projects.groups.map((group) => group.type)).toEqual(['project']);
  });

  it('isolates tenants, inside the function and on the table', async () => {
    const f = await seed();
    const other = uuidv7();
    expect(await callerFor(other).query({ q: 'acme' })).toEqual({ groups: [], total: 0 });
    // No tenant set at all: the definer function returns nothing.
    const bare = await sql<{ n: number }>`SELECT count(*)::int AS n FROM search.query_documents('acme', ARRAY['client'], 20)`.execute(testDb.db.kysely);
    expect(bare.rows[0]?.n).toBe(0);
    // ubos_app reading the table directly is held by RLS (forced; only the owner has a read-all SELECT policy).
    const direct = await withTenant(testDb.db, { tenantId: other }, (trx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM search.documents`.execute(trx));
    expect(direct.rows[0]?.n).toBe(0);
    await expect(
      withTenant(testDb.db, { tenantId: other }, (trx) =>
        sql`INSERT INTO search.documents (tenant_id, entity_type, entity_id, title, source_occurred_at) VALUES (${f.tenantId}, 'client', ${uuidv7()}, 'x', now())`.execute(
          trx,
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const catalog = await sql<{
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
      owner: string;
      prosecdef: boolean;
      fn_owner: string;
      policies: string[];
    }>`
      SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner,
             p.prosecdef, pg_get_userbyid(p.proowner) AS fn_owner,
             (SELECT array_agg(pol.polname || ':' || pol.polcmd::text || ':' ||
                      coalesce((SELECT string_agg(pg_get_userbyid(r), ',') FROM unnest(pol.polroles) AS r), '') ORDER BY pol.polname)
              FROM pg_policy pol WHERE pol.polrelid = c.oid) AS policies
      FROM pg_class c, pg_proc p
      WHERE c.oid = 'search.documents'::regclass AND p.oid = 'search.query_documents(text, text[], integer)'::regprocedure`.execute(testDb.db.kysely);
    expect(catalog.rows[0]).toEqual({
      relrowsecurity: true,
      relforcerowsecurity: true,
      owner: 'ubos_owner',
      prosecdef: true,
      fn_owner: 'ubos_owner',
      // polroles 0 (public) shows as an empty-named role list for the tenant policy.
      policies: ['definer_reads_all:r:ubos_owner', expect.stringMatching(/^tenant_isolation:\*:/)],
    });
  });

  it('isolates tenants whose lexeme tags collide (the tag speeds up, never isolates)', async () => {
    const suffix = uuidv7().slice(-12);
    const first = `${uuidv7().slice(0, 24)}${suffix}`;
    const second = `${uuidv7().slice(0, 24)}${suffix}`;
    const firstClient = uuidv7();
    const secondClient = uuidv7();
    await deliver(envelope(first, crm.clientCreated, payloads.client({ client_id: firstClient, name: 'Collision Partners' }), firstClient));
    await deliver(envelope(second, crm.clientCreated, payloads.client({ client_id: secondClient, name: 'Collision Partners' }), secondClient));
    for (const [tenant, own] of [
      [first, firstClient],
      [second, secondClient],
    ] as const) {
      for (const q of ['collision', 'collis', 'partn', 'colision']) {
        const hits = (await callerFor(tenant).query({ q })).groups.flatMap((group) => group.hits.map((hit) => hit.id));
        expect(hits, q).toEqual([own]);
      }
    }
  });

  it('rejects an empty query and answers an unmatched one with no groups', async () => {
    const f = await seed();
    await expect(callerFor(f.tenantId).query({ q: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await callerFor(f.tenantId).query({ q: "zzqx'%_\\" })).toEqual({ groups: [], total: 0 });
  });
});

describe('indexing from events', () => {
  it('updates, archives and merges documents', async () => {
    const f = await seed();
    await deliver(envelope(f.tenantId, crm.clientUpdated, payloads.client({ client_id: f.acmeHoldings, name: 'Zenith Holdings' }), f.acmeHoldings));
    await deliver(envelope(f.tenantId, crm.clientArchived, payloads.client({ client_id: f.acmeExact, name: 'Acme' }), f.acmeExact));
    await deliver(envelope(f.tenantId, crm.clientMerged, payloads.merged(f.acmeHoldings, f.acme), f.acmeHoldings));
    const caller = callerFor(f.tenantId);
    expect((await caller.query({ q: 'zenith' })).groups[0]?.hits.map((hit) => hit.id)).toEqual([f.acmeHoldings]);
    const acme = await caller.query({ q: 'acme', types: ['client'] });
    expect(acme.groups).toEqual([]);
    const deal = await caller.query({ q: 'retainer' });
    expect(deal.groups[0]?.hits[0]?.clientId).toBe(f.acmeHoldings);
    // A replayed older event does not overwrite a newer document.
    const stale = envelope(f.tenantId, crm.clientUpdated, payloads.client({ client_id: f.acmeHoldings, name: 'Old Name' }), f.acmeHoldings);
    await deliver({ ...stale, occurred_at: new Date(Date.now() - 3_600_000).toISOString() });
    expect((await caller.query({ q: 'zenith' })).total).toBe(1);
  });

  it('indexes CRM snapshot payloads (nullable fields included)', async () => {
    const tenantId = uuidv7();
    const contactId = uuidv7();
    const clientId = uuidv7();
    await deliver(
      envelope(
        tenantId,
        crm.contactCreated,
        {
          contact_id: contactId,
          client_id: clientId,
          client_ids: [clientId],
          relationships: [],
          name: 'Priya Raman',
          email: null,
          email_normalized: null,
          phone: null,
          title: null,
          owner_id: null,
          tags: [],
          custom_fields: {},
        },
        contactId,
      ),
    );
    const hits = await callerFor(tenantId).query({ q: 'priya' });
    expect(hits.groups[0]?.hits[0]).toMatchObject({ type: 'contact', id: contactId, title: 'Priya Raman', clientId: clientId });
  });

  it('rebuilds a tenant index by replaying its outbox', async () => {
    const tenantId = uuidv7();
    const keep = uuidv7();
    const gone = uuidv7();
    await withTenant(testDb.db, { tenantId }, async (trx) => {
      const meta = { tenantId, actorId: null, correlationId: 'rebuild' };
      await writeEvent(trx, crm.clientCreated, payloads.client({ client_id: keep, name: 'Northwind Traders' }), { ...meta, aggregateId: keep });
      await writeEvent(trx, crm.clientCreated, payloads.client({ client_id: gone, name: 'Northwind Ghost' }), { ...meta, aggregateId: gone });
      await writeEvent(trx, crm.clientArchived, payloads.client({ client_id: gone, name: 'Northwind Ghost' }), { ...meta, aggregateId: gone });
    });
    const result = await runRebuild(testDb.db, { tenantId, correlationId: 'rebuild' });
    expect(result.rebuild.eventsDone).toBe(3);
    const hits = await callerFor(tenantId).query({ q: 'northwind' });
    expect(hits.groups.flatMap((group) => group.hits.map((hit) => hit.id))).toEqual([keep]);
  });
});

const VOCABULARY =
  'acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne soylent aperture vandelay oscorp piper dunder mifflin ' +
  'gringotts monarch nakatomi weyland yutani zorg massive dynamic bluesun virtucon gekko prestige worldwide bluth sterling cooper ' +
  'draper krusty duff pollos hermanos vehement capital strickland propane wernham hogg bradbury callahan parts oceanic northwind ' +
  'contoso fabrikam adventure works tailspin wingtip coffee litware proseware lucerne alpine house margie travel research coho ' +
  'vineyard humongous insurance importers consolidated messenger graphic design institute school southridge video baldwin museum ' +
  'yonder airlines power light pharmaceuticals jane john maria pierre chen olga ahmed lucia kenji fatima website redesign audit ' +
  'payroll onboarding migration quarterly review tax return annual retainer bookkeeping';

describe('index use under RLS', () => {
  it('runs the nested search on the composite indexes, as ubos_app through the definer function', async () => {
    const tenants = [uuidv7(), uuidv7(), uuidv7()];
    const admin = new pg.Client({ connectionString: testDb.adminUrl });
    await admin.connect();
    try {
      // Realistic spread: titles from a ~100-word vocabulary, so trigram and lexeme frequencies look like names.
      for (const tenantId of tenants) {
        await admin.query(
          `INSERT INTO search.documents (tenant_id, entity_type, entity_id, title, source_occurred_at)
           SELECT $1::uuid, (ARRAY['client','contact','deal','project','task'])[1 + i % 5], gen_random_uuid(),
                  v.a[1 + (hashint4(i * 7) & 2147483647) % cardinality(v.a)] || ' '
                    || v.a[1 + (hashint4(i * 13 + 1) & 2147483647) % cardinality(v.a)] || ' ' || (i % 997),
                  now()
           FROM (SELECT array_agg(initcap(w)) AS a FROM regexp_split_to_table($2, ' ') AS w) AS v,
                generate_series(1, 20000) AS i`,
          [tenantId, VOCABULARY],
        );
      }
      await admin.query('ANALYZE search.documents');
      const notices: string[] = [];
      admin.on('notice', (notice) => notices.push(notice.message ?? ''));
      await admin.query("LOAD 'auto_explain'");
      await admin.query('SET auto_explain.log_min_duration = 0');
      await admin.query('SET auto_explain.log_nested_statements = on');
      await admin.query("SET auto_explain.log_level = 'notice'");
      await admin.query('SET ROLE ubos_app');
      const who = await admin.query<{ u: string }>('SELECT current_user AS u');
      expect(who.rows[0]?.u).toBe('ubos_app');
      await admin.query('BEGIN');
      await admin.query("SELECT set_config('app.tenant_id', $1, true)", [tenants[0]]);
      const hits = await admin.query<{ title: string }>(
        "SELECT title FROM search.query_documents('acme 1', ARRAY['client','contact','deal','project','task'], 20)",
      );
      const typo = await admin.query<{ title: string }>("SELECT title FROM search.query_documents('globxe', ARRAY['client','contact'], 20)");
      await admin.query('COMMIT');
      expect(hits.rows.length).toBeGreaterThan(0);
      expect(hits.rows.every((row) => row.title.toLowerCase().includes('acme'))).toBe(true);
      expect(typo.rows.length).toBeGreaterThan(0);
      const plan = notices.filter((message) => message.includes('search.documents') || message.includes('Scan')).join('\n');
      expect(plan).toContain('documents_tsv_idx');
      expect(plan).toContain('documents_title_trgm_idx');
      expect(plan).toContain('documents_title_prefix_idx');
      expect(plan).not.toMatch(/Seq Scan on documents/);
      // The pitfall the function exists for: the same full-text filter run by ubos_app straight
      // on the table is under RLS, and @@ (not LEAKPROOF) cannot become an index condition.
      await admin.query('BEGIN');
      await admin.query("SELECT set_config('app.tenant_id', $1, true)", [tenants[0]]);
      const direct = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT entity_id FROM search.documents WHERE tsv @@ to_tsquery('simple', $1)`, [
        `x${(tenants[0] ?? '').replaceAll('-', '').slice(-12)}acme:*`,
      ]);
      await admin.query('COMMIT');
      const directPlan = direct.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(directPlan).not.toMatch(/Index Cond: \(tsv @@/);
      expect(directPlan).toMatch(/Filter: .*tsv @@/);
      // Lexemes are tenant-tagged, so a prefix only walks the caller's range of the lexeme tree.
      const tag = `x${(tenants[0] ?? '').replaceAll('-', '').slice(-12)}`;
      expect(plan).toContain(`${tag}acme''`);
    } finally {
      await admin.end();
    }
  });
});
