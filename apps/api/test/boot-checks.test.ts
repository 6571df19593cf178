/**
 * The host refuses to boot when a procedure declares no permission (or one no module declares)
 * and when a subscription names an event type no module publishes: both through buildServer
 * (what tests and tools build) and startApp (the process), before it touches a database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PermissionCatalog,
  createLogger,
  defineDomain,
  findUndeclaredSubscriptions,
  grants,
  mergeRouters,
  router,
  tenantProcedure,
  type DomainModule,
} from '@ubos/platform';
import { createTestDatabase, testConfig, type TestDatabase } from '@ubos/platform/testing';
import { startApp } from '../src/app.ts';
import { UndeclaredProceduresError, UndeclaredSubscriptionsError, assertBootable } from '../src/boot-checks.ts';
import { modules } from '../src/modules.ts';
import { appRouter } from '../src/router.ts';
import { testServer } from './helpers.ts';

/** A module listening for an invoice event no module publishes yet (revenue publishes none). */
const listener = defineDomain({
  name: 'listener',
  router: router({}),
  migrations: [],
  subscriptions: [
    { name: 'listener.invoices', events: ['revenue.invoice.created'], handle: async () => undefined },
    // A pattern counts as declared when some published event matches it.
    { name: 'listener.clients', events: ['crm.client.*'], handle: async () => undefined },
  ],
});

/** A module whose procedure names a permission it does not declare. */
const unknownPermission = defineDomain({
  name: 'stray',
  router: router({ read: tenantProcedure.meta({ permission: 'stray.thing.read' }).query(() => 'secret') }),
  migrations: [],
  permissions: { 'stray.other.read': grants.everyone },
});

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

describe('subscriptions name published events', () => {
  it('no subscription of the real module list names an undeclared event type', () => {
    expect(findUndeclaredSubscriptions(modules)).toEqual([]);
  });

  it('reports a subscription to an event type no module publishes, naming module, subscription and type', () => {
    const withListener: readonly DomainModule[] = [...modules, listener];
    expect(findUndeclaredSubscriptions(withListener)).toEqual([
      { module: 'listener', subscription: 'listener.invoices', eventType: 'revenue.invoice.created' },
    ]);
    expect(() => assertBootable({ modules: withListener })).toThrow(UndeclaredSubscriptionsError);
    expect(() => assertBootable({ modules: withListener })).toThrow(/listener subscription listener\.invoices: revenue\.invoice\.created/);
  });
});

describe('the host refuses to boot', () => {
  it('buildServer: with a subscription to an undeclared event type', async () => {
    const withListener: readonly DomainModule[] = [...modules, listener];
    await expect(testServer({ db: testDb.db, boss: null, modules: withListener })).rejects.toThrow(UndeclaredSubscriptionsError);
    await expect(testServer({ db: testDb.db, boss: null, modules: withListener })).rejects.toThrow(/revenue\.invoice\.created \(no module declares it\)/);
  });

  it('buildServer: with a procedure naming a permission no module declares', async () => {
    const withStray: readonly DomainModule[] = [...modules, unknownPermission];
    const strayRouter = mergeRouters(appRouter, router({ stray: unknownPermission.router }));
    await expect(testServer({ db: testDb.db, boss: null, modules: withStray, router: strayRouter })).rejects.toThrow(UndeclaredProceduresError);
    await expect(testServer({ db: testDb.db, boss: null, modules: withStray, router: strayRouter })).rejects.toThrow(
      /stray\.read: unknown permission stray\.thing\.read/,
    );
  });

  it('startApp: before touching the database (which here does not answer)', async () => {
    const config = testConfig({
      DATABASE_URL: 'postgres://ubos_owner@127.0.0.1:1/ubos',
      DATABASE_APP_URL: 'postgres://ubos_app@127.0.0.1:1/ubos',
      WEB_DIST_DIR: '/nonexistent/ubos-web-dist',
    });
    const log = createLogger({ level: 'silent' });
    await expect(startApp({ config, log, modules: [...modules, listener], listen: false })).rejects.toThrow(UndeclaredSubscriptionsError);
    await expect(startApp({ config, log, modules: [...modules, unknownPermission], router: unknownPermission.router, listen: false })).rejects.toThrow(
      UndeclaredProceduresError,
    );
  });

  it('boots with the real module list and router', () => {
    expect(() => assertBootable({ router: appRouter, modules, permissions: new PermissionCatalog(modules) })).not.toThrow();
  });
});
