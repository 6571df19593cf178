import {
  findUndeclaredProcedures,
  findUndeclaredSubscriptions,
  type AnyRouter,
  type DomainModule,
  type PermissionCatalog,
  type UndeclaredSubscription,
} from '@ubos/platform';

export class UndeclaredProceduresError extends Error {
  constructor(problems: readonly { path: string; reason: string }[]) {
    super(
      `Refusing to boot: every procedure must declare its access (.meta({ permission })):\n${problems
        .map((problem) => `  - ${problem.path}: ${problem.reason}`)
        .join('\n')}`,
    );
    this.name = 'UndeclaredProceduresError';
  }
}

export class UndeclaredSubscriptionsError extends Error {
  constructor(problems: readonly UndeclaredSubscription[]) {
    super(
      `Refusing to boot: every subscription must name event types some module publishes (its events):\n${problems
        .map((problem) => `  - ${problem.module} subscription ${problem.subscription}: ${problem.eventType} (no module declares it)`)
        .join('\n')}`,
    );
    this.name = 'UndeclaredSubscriptionsError';
  }
}

export type BootCheckInput = { modules: readonly DomainModule[] } & (
  | {
      /** The router the host serves, checked against the permission catalog of the host's runtime. */
      router: AnyRouter;
      permissions: PermissionCatalog;
    }
  /** A process that serves no tRPC (the standalone worker): only the subscriptions are checked. */
  | { router?: undefined }
);

/**
 * What the host refuses to boot with: a procedure without a declared permission (or naming one
 * no module declares), and a subscription to an event type no module publishes.
 */
export function assertBootable(input: BootCheckInput): void {
  if (input.router) {
    const procedures = findUndeclaredProcedures(input.router, input.permissions);
    if (procedures.length > 0) throw new UndeclaredProceduresError(procedures);
  }
  const subscriptions = findUndeclaredSubscriptions(input.modules);
  if (subscriptions.length > 0) throw new UndeclaredSubscriptionsError(subscriptions);
}
