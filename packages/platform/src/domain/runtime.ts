import type { PgBoss } from 'pg-boss';
import { PermissionCatalog } from '../auth/permissions.ts';
import type { DomainModule, Subscription } from '../module.ts';
import { ActionRegistry } from './action.ts';
import type { KernelServices } from './services.ts';

/**
 * What the admin procedures (dead letters, replay) need at request time: the process's
 * pg-boss instance and the registered subscriptions. The host puts it in the DomainRuntime it
 * injects into every request context.
 */
export interface EventAdminRuntime {
  boss: PgBoss;
  subscriptions: readonly Subscription[];
}

/** What the host injects into every request (Context.runtime), built once from the module list. */
export interface DomainRuntime {
  readonly permissions: PermissionCatalog;
  readonly actions: ActionRegistry;
  /** This process's pg-boss and subscriptions, for the dead-letter and replay procedures. */
  readonly events: EventAdminRuntime | null;
  /** The kernel's ports built from config (blob store, scanner, …), handed to every DomainContext. */
  readonly services: KernelServices;
}

export function createDomainRuntime(modules: readonly DomainModule[], events: EventAdminRuntime | null = null, services: KernelServices = {}): DomainRuntime {
  return {
    services,
    permissions: new PermissionCatalog(modules),
    actions: new ActionRegistry(modules.flatMap((module) => module.actions)),
    events,
  };
}
