import { initTRPC, TRPCError, type AnyRouter } from '@trpc/server';
import type { Access, PermissionCatalog } from '../auth/permissions.ts';
import { withTenant } from '../db/database.ts';
import { createDomainContext } from '../domain/context.ts';
import { DomainError, issuesOf, toTRPCError } from '../errors.ts';
import { procedureCalls, procedureDuration } from '../metrics.ts';
import type { Context, TenantContext } from './context.ts';

export interface Meta {
  /** Every procedure declares its access: a permission from the matrix, 'public' or 'authenticated'. */
  permission?: Access;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const issues = issuesOf(error.cause);
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        code: shape.code,
        message: internal ? 'Internal server error' : shape.message,
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

/** Maps thrown errors, logs unexpected ones and records per-procedure metrics. */
const observed = t.procedure.use(async ({ ctx, path, type, meta, next }) => {
  const started = performance.now();
  if (!meta?.permission) {
    ctx.log.error({ path }, 'procedure declares no permission');
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Procedure ${path} declares no permission` });
  }
  const result = await next();
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
    } else if (permission !== 'public' && permission !== 'authenticated' && !permissions.has(permission)) {
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
