import type { AnyRouter } from '@trpc/server';
import type { Migration } from '../db/migrations.ts';
import { definePermissions, type Role } from '../auth/permissions.ts';
import type { EventContract } from '../events/envelope.ts';
import type { Upcaster } from '../events/upcasting.ts';
import type { DomainModule, JobDefinition, Subscription } from '../module.ts';
import type { ActionDefinition } from './action.ts';

export interface DomainSpec<Name extends string, Router extends AnyRouter> {
  name: Name;
  router: Router;
  migrations: readonly Migration[];
  permissions?: Readonly<Record<string, readonly Role[]>>;
  events?: readonly EventContract[];
  subscriptions?: readonly Subscription[];
  actions?: readonly ActionDefinition[];
  jobs?: readonly JobDefinition[];
  upcasters?: readonly Upcaster[];
}

const domainNamePattern = /^[a-z][a-z0-9]*$/;

/**
 * Makes a domain module and checks its conventions at load time: permission names start with
 * `<name>.`, published events are `<name>.<entity>.<happened>` with aggregate type
 * `<name>.<entity>`, and every upcaster upgrades one of its own events.
 */
export function defineDomain<const Name extends string, Router extends AnyRouter>(spec: DomainSpec<Name, Router>): DomainModule<Name, Router> {
  const { name } = spec;
  if (!domainNamePattern.test(name)) throw new Error(`Domain name "${name}" must be lowercase letters and digits`);
  const permissions = definePermissions(name, spec.permissions ?? {});
  const events = spec.events ?? [];
  for (const contract of events) {
    if (!contract.type.startsWith(`${name}.`)) throw new Error(`Module ${name} publishes event ${contract.type} outside its name`);
    if (!/^[a-z][a-z0-9]*\.[a-z][a-z_]*$/.test(contract.aggregateType) || !contract.aggregateType.startsWith(`${name}.`)) {
      throw new Error(`Event ${contract.type} has aggregate type "${contract.aggregateType}" (expected "${name}.<entity>")`);
    }
  }
  for (const upcaster of spec.upcasters ?? []) {
    if (!events.some((contract) => contract.type === upcaster.type)) {
      throw new Error(`Module ${name} upcasts ${upcaster.type}, which it does not publish`);
    }
  }
  return {
    name,
    router: spec.router,
    migrations: spec.migrations,
    permissions,
    events,
    subscriptions: spec.subscriptions ?? [],
    actions: spec.actions ?? [],
    jobs: spec.jobs ?? [],
    upcasters: spec.upcasters ?? [],
  };
}

/** `{ [module.name]: module.router }` with each router's own type: what appRouter is made of. */
export type RoutersOf<Modules extends readonly DomainModule[]> = { [Module in Modules[number] as Module['name']]: Module['router'] };

export function routersOf<const Modules extends readonly DomainModule[]>(modules: Modules): RoutersOf<Modules> {
  return Object.fromEntries(modules.map((module) => [module.name, module.router])) as RoutersOf<Modules>;
}

/** Every event type some module publishes. */
export function declaredEventTypes(modules: readonly Pick<DomainModule, 'events'>[]): Set<string> {
  return new Set(modules.flatMap((module) => module.events.map((contract) => contract.type)));
}

/** `*`, an exact type, or a `prefix.*` pattern (as the runner matches them) that some declared type satisfies. */
function patternMatchesSomeEvent(pattern: string, declared: ReadonlySet<string>): boolean {
  if (pattern === '*' || declared.has(pattern)) return true;
  if (!pattern.endsWith('.*')) return false;
  const prefix = pattern.slice(0, -1);
  for (const type of declared) if (type.startsWith(prefix)) return true;
  return false;
}

export interface UndeclaredSubscription {
  module: string;
  subscription: string;
  eventType: string;
}

/**
 * Subscriptions to an event type no module publishes (a typo, or a producer not built yet).
 * The host refuses to boot when this is non-empty, and a test asserts it over every module.
 */
export function findUndeclaredSubscriptions(modules: readonly Pick<DomainModule, 'name' | 'events' | 'subscriptions'>[]): UndeclaredSubscription[] {
  const declared = declaredEventTypes(modules);
  const problems: UndeclaredSubscription[] = [];
  for (const module of modules) {
    for (const subscription of module.subscriptions) {
      for (const eventType of subscription.events) {
        if (!patternMatchesSomeEvent(eventType, declared)) problems.push({ module: module.name, subscription: subscription.name, eventType });
      }
    }
  }
  return problems;
}
