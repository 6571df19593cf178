import {
  createCallerFactory,
  createDatabase,
  createDomainContext,
  createDomainRuntime,
  createLogger,
  platformModule,
  readOutbox,
  uuidv7,
  withTenant,
  type Database,
  type KernelServices,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { testConfig, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import type { CreateTypeInput } from '../src/contracts.ts';
import type { SchedulingDB } from '../src/db.ts';
import { schedulingModule } from '../src/module.ts';
import { schedulingRouter } from '../src/router.ts';

/** What the scheduling tests share: callers per role, anonymous visitors, a tenant with a page, outbox reads. */

export const createCaller = createCallerFactory(schedulingRouter);
export const silent = createLogger({ level: 'silent' });
const DAY = 86_400_000;

export function actor(
  db: Database,
  options: { role?: Role; tenantId?: string; userId?: string; services?: KernelServices; config?: Parameters<typeof testConfig>[0] } = {},
) {
  const tenantId = options.tenantId ?? uuidv7();
  const userId = options.userId ?? uuidv7();
  const session = testSession({ userId, tenantId, role: options.role ?? 'owner', modules: [schedulingModule] });
  const runtime = createDomainRuntime([platformModule, schedulingModule], null, options.services ?? {});
  return { tenantId, userId, caller: createCaller(testContext({ db, session, runtime, config: testConfig(options.config ?? {}) })) };
}

let visitorCounter = 0;
/** A visitor with no session and an address of its own (rate limits stay apart unless shared). */
export function visitor(db: Database, options: { ip?: string; services?: KernelServices; config?: Parameters<typeof testConfig>[0] } = {}) {
  visitorCounter += 1;
  const ip = options.ip ?? `10.${(visitorCounter >> 16) & 255}.${(visitorCounter >> 8) & 255}.${visitorCounter & 255}`;
  const runtime = createDomainRuntime([platformModule, schedulingModule], null, options.services ?? {});
  return createCaller(testContext({ db, session: null, runtime, ip, config: testConfig(options.config ?? {}) }));
}

export function inTenant<T>(
  db: Database,
  tenantId: string,
  fn: (scheduling: Transaction<SchedulingDB>, trx: Transaction<UntypedDB>) => Promise<T>,
): Promise<T> {
  return withTenant(db, { tenantId }, (trx) =>
    fn(createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent }).db<SchedulingDB>(), trx),
  );
}

export function domainContext(trx: Transaction<UntypedDB>, tenantId: string, actorId: string | null = null) {
  return createDomainContext({ trx, tenantId, actorId, correlationId: 'test', log: silent, afterCommit: () => undefined });
}

export function events(db: Database, tenantId: string, types: string[]) {
  return withTenant(db, { tenantId }, (trx) => readOutbox(trx, { types }));
}

/** A larger pool on the same test database, so concurrent requests really run at once. */
export function widePool(testDb: TestDatabase): Database {
  return createDatabase({ connectionString: testDb.appUrl, max: 25, applicationName: 'ubos-test-wide' });
}

/** Midnight UTC `days` from today: a day far enough ahead for any notice. */
export function dayAhead(days: number): Date {
  const now = Date.now();
  return new Date(now - (now % DAY) + days * DAY);
}

/** A tenant with a site, hosts working every day all day in UTC, and a type on page "team". */
export async function bookingTenant(
  db: Database,
  options: { hosts?: number; type?: Partial<CreateTypeInput>; timeZone?: string; owner?: ReturnType<typeof actor> } = {},
) {
  const owner = options.owner ?? actor(db);
  const slug = `org-${uuidv7().slice(-12)}`;
  await owner.caller.site.set({ slug, name: 'Acme Studio' });
  const hostIds = [owner.userId];
  for (let i = 1; i < (options.hosts ?? 1); i += 1) hostIds.push(uuidv7());
  const allDay = { '1': [[0, 1440]], '2': [[0, 1440]], '3': [[0, 1440]], '4': [[0, 1440]], '5': [[0, 1440]], '6': [[0, 1440]], '7': [[0, 1440]] } as const;
  for (const hostId of hostIds) {
    await owner.caller.availability.set({ userId: hostId, timeZone: options.timeZone ?? 'UTC', weekly: structuredClone(allDay) as never });
  }
  const type = await owner.caller.types.create({
    name: 'Intro call',
    pageSlug: 'team',
    slug: 'intro',
    durationMinutes: 30,
    locationKind: 'video',
    hostIds: options.type?.assignment && options.type.assignment !== 'single' ? hostIds : [owner.userId],
    ...options.type,
  } as CreateTypeInput);
  return { owner, slug, hostIds, type };
}

export function bookInput(slug: string, start: Date, extra: { typeSlug?: string; email?: string; name?: string; timeZone?: string } = {}) {
  return {
    tenantSlug: slug,
    pageSlug: 'team',
    typeSlug: extra.typeSlug ?? 'intro',
    start,
    attendeeName: extra.name ?? 'Ana Lopez',
    attendeeEmail: extra.email ?? `ana.${uuidv7().slice(-8)}@example.com`,
    attendeeTimeZone: extra.timeZone ?? 'America/New_York',
    answers: {},
  };
}
