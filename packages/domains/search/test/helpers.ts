import { createDomainContext, createLogger, type DomainContext, type Role, type SessionInfo, type Transaction, type UntypedDB } from '@ubos/platform';
import { testSession } from '@ubos/platform/testing';
import { searchModule } from '../src/module.ts';
import { readPermissionOf } from '../src/service.ts';

export const modules = [searchModule];
const log = createLogger({ level: 'silent' });

/**
 * A member's session as the host resolves it: search's own permissions of the role plus the read
 * permissions search checks per hit type (crm.*.read, projects.project.read), which crm and projects
 * grant to every role. (A domain test may not import another domain's module, only its contracts.)
 */
export function searchSession(input: { userId: string; tenantId: string; role: Role }): SessionInfo {
  const session = testSession({ ...input, modules });
  return { ...session, permissions: new Set([...session.permissions, ...Object.values(readPermissionOf)]) };
}

/** The DomainContext a handler receives from the runner for an event of `tenantId`. */
export function handlerContext(trx: Transaction<UntypedDB>, tenantId: string, correlationId: string, causationId: string | null = null): DomainContext {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId, causationId, log });
}
