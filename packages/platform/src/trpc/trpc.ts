import { initTRPC, TRPCError, type AnyRouter } from '@trpc/server';
import type { Access, PermissionCatalog } from '../auth/permissions.ts';
import { withTenant } from '../db/database.ts';
import { createDomainContext } from '../domain/context.ts';
import { DomainError, issuesOf, toTRPCError } from '../errors.ts';
import { procedureCalls, procedureDuration } from '../metrics.ts';
import type { TakeResult, TokenBucket } from '../rate-limit.ts';
import { withSpan } from '../tracing.ts';
import { describeValidation, installValidationMessages } from '../validation-messages.ts';
import type { Context, PortalContext, TenantContext } from './context.ts';

export interface Meta {
  /** Every procedure declares its access: a permission from the matrix, 'public', 'authenticated' or 'portal'. */
  permission?: Access;
  /**
   * What a call costs against the caller's budgets: queries 1 unit and mutations 5 by default;
   * 'expensive' (imports, exports, rebuilds, replays: long work started by one call) 50.
   */
  cost?: 'expensive';
}

installValidationMessages();

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const issues = issuesOf(error.cause);
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      // An input that failed its schema: zod's message is its issue list as JSON; say it in words.
      const invalidInput = error.code === 'BAD_REQUEST' && !(error.cause instanceof DomainError) && issues !== null && issues.length > 0;
      return {
        code: shape.code,
        message: internal ? 'Internal server error' : invalidInput ? describeValidation(issues) : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          zodIssues: issues,
        },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * The path of the first string (or object key) in `value` holding a NUL character, which
 * Postgres cannot store in text or jsonb; null when there is none.
 */
export function findNulCharacter(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findNulCharacter(value[index], [...path, index], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = findNulCharacter(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Units a call costs against the per-IP, per-user and per-tenant budgets (config RATE_LIMIT_UNITS_*). */
export const CALL_COST = { query: 1, mutation: 5, expensive: 50 } as const;

/**
 * A budget of `unitsPerMinute` is a token bucket refilled at that rate that holds two seconds of it
 * (at least one expensive call): bursts of a page load pass, a sustained flood gets the rate and no more.
 */
export function callBucket(key: string, unitsPerMinute: number): TokenBucket {
  return { key, perSecond: unitsPerMinute / 60, capacity: Math.max(Math.ceil(unitsPerMinute / 30), CALL_COST.expensive) };
}

function secondsText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/**
 * Charges one procedure call (each call of a batch on its own) to the caller's IP, user and
 * tenant budgets, so a batch is not one request, one office behind a NAT does not share one
 * user's budget, and a noisy tenant runs out of its own budget before it crowds out others.
 * A refused call charges nothing. A limiter outage lets the call through: throttling must not
 * take the API down.
 */
async function chargeCall(ctx: Context, type: string, meta: Meta): Promise<void> {
  const weight = meta.cost === 'expensive' ? CALL_COST.expensive : type === 'mutation' ? CALL_COST.mutation : CALL_COST.query;
  const budgets: { bucket: TokenBucket; refusal: string }[] = [
    { bucket: callBucket(`calls:ip:${ctx.ip}`, ctx.config.RATE_LIMIT_UNITS_PER_IP), refusal: 'Too many requests from your network' },
  ];
  if (ctx.session) {
    budgets.push({
      bucket: callBucket(`calls:user:${ctx.session.userId}`, ctx.config.RATE_LIMIT_UNITS_PER_USER),
      refusal: 'You are sending requests too quickly',
    });
    if (ctx.session.tenantId) {
      budgets.push({
        bucket: callBucket(`calls:tenant:${ctx.session.tenantId}`, ctx.config.RATE_LIMIT_UNITS_PER_TENANT),
        refusal: 'Your organization is sending too many requests',
      });
    }
  } else if (ctx.portal) {
    // A client portal session (§3) spends its own user budget and its firm's tenant budget.
    budgets.push(
      {
        bucket: callBucket(`calls:portal-user:${ctx.portal.portalUserId}`, ctx.config.RATE_LIMIT_UNITS_PER_USER),
        refusal: 'You are sending requests too quickly',
      },
      {
        bucket: callBucket(`calls:tenant:${ctx.portal.tenantId}`, ctx.config.RATE_LIMIT_UNITS_PER_TENANT),
        refusal: 'Too many requests reach this portal right now',
      },
    );
  }
  let result: TakeResult;
  try {
    result = await ctx.rateLimiter.takeAll(
      budgets.map((budget) => budget.bucket),
      weight,
    );
  } catch (error) {
    ctx.log.warn({ err: error }, 'rate limiter unavailable: call let through');
    return;
  }
  if (result.allowed) return;
  const refusal = budgets[result.refusedIndex]?.refusal ?? 'Too many requests';
  const retryAfterMs = result.retryAfterMs;
  throw toTRPCError(new DomainError('TOO_MANY_REQUESTS', `${refusal}: try again in ${secondsText(retryAfterMs)}`, undefined, { retryAfterMs }));
}

/** Maps thrown errors, logs unexpected ones and records per-procedure metrics. */
const observed = t.procedure.use(async ({ ctx, path, type, meta, next }) => {
  const started = performance.now();
  if (!meta?.permission) {
    ctx.log.error({ path }, 'procedure declares no permission');
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Procedure ${path} declares no permission` });
  }
  try {
    await chargeCall(ctx, type, meta);
  } catch (error) {
    procedureCalls.inc({ path, type, code: 'TOO_MANY_REQUESTS' });
    throw error;
  }
  const result = await withSpan(`trpc ${path}`, { 'rpc.system': 'trpc', 'rpc.method': path, 'ubos.procedure.type': type }, () => next());
  const seconds = (performance.now() - started) / 1000;
  procedureDuration.observe({ path, type }, seconds);
  if (result.ok) {
    procedureCalls.inc({ path, type, code: 'OK' });
    return result;
  }
  const mapped = toTRPCError(result.error);
  procedureCalls.inc({ path, type, code: mapped.code });
  if (mapped.code === 'INTERNAL_SERVER_ERROR') {
    ctx.log.error({ err: result.error.cause ?? result.error, path }, 'procedure failed');
  }
  throw mapped;
});

/**
 * No procedure reaches Postgres with a NUL character, in any string of any input. Checked after
 * authorization (an anonymous caller learns nothing about inputs) and before the resolver; input
 * that does not even parse is left to the procedure's own parser and its error.
 */
async function refuseNulCharacters(getRawInput: () => Promise<unknown>): Promise<void> {
  const raw = await getRawInput().catch(() => undefined);
  const nulAt = findNulCharacter(raw);
  if (!nulAt) return;
  const message = 'Text cannot contain the NUL character (\\u0000)';
  throw new TRPCError({ code: 'BAD_REQUEST', message, cause: new DomainError('BAD_REQUEST', message, [{ path: nulAt, message, code: 'nul_character' }]) });
}

export const publicProcedure = observed.meta({ permission: 'public' }).use(async ({ next, getRawInput }) => {
  await refuseNulCharacters(getRawInput);
  return next();
});

export const authedProcedure = observed.meta({ permission: 'authenticated' }).use(async ({ ctx, next, getRawInput }) => {
  if (!ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue' });
  if (ctx.session.apiKey) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'An API key cannot call this: it acts for a signed-in person (their session, password or organizations)',
    });
  }
  await refuseNulCharacters(getRawInput);
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/**
 * Runs the resolver inside withTenant(): one transaction with app.tenant_id set, so RLS
 * scopes every query and the business write and its events commit together or not at all.
 * The procedure MUST declare `.meta({ permission })` with a permission from the matrix.
 */
export const tenantProcedure = observed.use(async ({ ctx, meta, path, next, getRawInput }) => {
  const session = ctx.session;
  if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue' });
  const permission = meta?.permission;
  if (!permission || !ctx.runtime.permissions.has(permission)) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Tenant procedure declares no permission' });
  }
  if (!session.tenantId || !session.role) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Choose an organization first' });
  }
  if (!session.permissions.has(permission)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Your role does not allow ${permission}` });
  }
  await refuseNulCharacters(getRawInput);
  const tenant = { tenantId: session.tenantId, userId: session.userId, role: session.role, permissions: session.permissions };
  const afterCommit: (() => Promise<void>)[] = [];
  const committed = await withTenant(ctx.db, { tenantId: tenant.tenantId, userId: tenant.userId }, async (trx) => {
    const domain = createDomainContext({
      trx,
      tenantId: tenant.tenantId,
      actorId: tenant.userId,
      correlationId: ctx.correlationId,
      causationId: null,
      log: ctx.log,
      services: ctx.runtime.services,
      afterCommit: (task) => {
        afterCommit.push(task);
      },
    });
    const tenantCtx: TenantContext = { ...ctx, session, tenant, domain };
    const result = await next({ ctx: tenantCtx });
    // A failed resolver must roll the transaction back: rethrow instead of returning.
    if (!result.ok) throw result.error;
    return result;
  });
  for (const task of afterCommit) {
    try {
      await task();
    } catch (error) {
      ctx.log.error({ err: error, path }, 'after-commit task failed');
    }
  }
  return committed;
});

/**
 * A client portal procedure (§3): only a portal session may call it (a staff session is
 * UNAUTHORIZED here, as a portal session is on every tenant procedure). It runs in withTenant()
 * of the portal user's tenant, so RLS scopes every query to that tenant and the writes and their
 * events commit together; the actor is the portal user. Scoping to the one client is the
 * service's job: every portal query takes `ctx.portal.clientId`, never a client id from input.
 */
export const portalProcedure = observed.meta({ permission: 'portal' }).use(async ({ ctx, path, next, getRawInput }) => {
  const portal = ctx.portal;
  if (!portal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to the client portal to continue' });
  await refuseNulCharacters(getRawInput);
  const afterCommit: (() => Promise<void>)[] = [];
  const committed = await withTenant(ctx.db, { tenantId: portal.tenantId, userId: null }, async (trx) => {
    const domain = createDomainContext({
      trx,
      tenantId: portal.tenantId,
      actorId: portal.portalUserId,
      correlationId: ctx.correlationId,
      causationId: null,
      log: ctx.log,
      services: ctx.runtime.services,
      afterCommit: (task) => {
        afterCommit.push(task);
      },
    });
    const portalCtx: PortalContext = { ...ctx, portal, domain };
    const result = await next({ ctx: portalCtx });
    if (!result.ok) throw result.error;
    return result;
  });
  for (const task of afterCommit) {
    try {
      await task();
    } catch (error) {
      ctx.log.error({ err: error, path }, 'after-commit task failed');
    }
  }
  return committed;
});

export interface UndeclaredProcedure {
  path: string;
  reason: string;
}

interface ProcedureLike {
  _def: { meta?: Meta; type?: string };
}

/**
 * Lists procedures that declare no access or a permission no module declares. The host refuses to
 * boot when this is non-empty, and a test asserts it over the whole app router.
 */
export function findUndeclaredProcedures(appRouter: AnyRouter, permissions: PermissionCatalog): UndeclaredProcedure[] {
  const problems: UndeclaredProcedure[] = [];
  const procedures = appRouter._def.procedures as Record<string, ProcedureLike>;
  for (const [path, procedure] of Object.entries(procedures)) {
    const permission = procedure._def.meta?.permission;
    if (!permission) {
      problems.push({ path, reason: 'no permission declared' });
    } else if (permission !== 'public' && permission !== 'authenticated' && permission !== 'portal' && !permissions.has(permission)) {
      problems.push({ path, reason: `unknown permission ${String(permission)}` });
    }
  }
  return problems;
}

export function listProcedures(appRouter: AnyRouter): { path: string; type: string; permission: Access | undefined }[] {
  const procedures = appRouter._def.procedures as Record<string, ProcedureLike>;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    type: procedure._def.type ?? 'unknown',
    permission: procedure._def.meta?.permission,
  }));
}

export { TRPCError };
export type { AnyRouter };
