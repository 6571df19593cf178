import { z } from 'zod';
import { withIdempotency } from '../idempotency.ts';
import type { DomainContext } from './context.ts';

/** What a workflow action receives: the step's tenant context and its idempotency key. */
export interface ActionContext extends DomainContext {
  /** `run_id:step_key`: the same key returns the same result and creates nothing new. */
  readonly idempotencyKey: string;
}

/**
 * What a step that waits for an event waits for (ARCHITECTURE.md §6 "Waiting for an event"): an
 * event type and payload fields that must equal the given values, for at most `timeoutSeconds`.
 */
export interface AwaitedEvent {
  event: string;
  match: Record<string, string | number | boolean>;
  timeoutSeconds: number;
}

/**
 * Thrown by the `run` of an action that declares `awaits` when what it waits for has not happened
 * yet: the engine undoes what the attempt wrote, parks the step until the awaited event arrives (or
 * the timeout passes) and runs it again then. No polling.
 */
export class StillWaiting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StillWaiting';
  }
}

/** A workflow-callable command a domain offers, as the engine and the registry see it. */
export interface ActionDefinition {
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType;
  readonly output: z.ZodType;
  /** For an action that may wait: the event it waits for, from its (valid) input. */
  awaits?(input: unknown): AwaitedEvent;
  /** Validates the input, runs once per idempotency key, validates the output (see defineAction). */
  run(input: unknown, context: ActionContext): Promise<unknown>;
  compensate?(input: unknown, output: unknown, context: ActionContext): Promise<void>;
}

export interface ActionSpec<Input extends z.ZodType, Output extends z.ZodType> {
  /** `domain.verbNoun`, e.g. `crm.createClient`. */
  name: string;
  description: string;
  input: Input;
  output: Output;
  /**
   * Default true: the kit runs `run` at most once per (tenant, action, idempotency key) and
   * returns the stored result on a repeat. Only an action that writes nothing opts out.
   */
  idempotent?: boolean;
  run(input: z.output<Input>, context: ActionContext): Promise<z.input<Output>>;
  compensate?(input: z.output<Input>, output: z.output<Output>, context: ActionContext): Promise<void>;
  /**
   * An action that waits (e.g. "until the contract is signed") names the event that may end the
   * wait; its `run` throws `StillWaiting` while the thing has not happened, and the engine runs it
   * again when such an event arrives.
   */
  awaits?(input: z.output<Input>): AwaitedEvent;
}

export const actionNamePattern = /^[a-z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$/;
const idempotencyKeySchema = z.string().min(1).max(500);

/**
 * Defines a workflow action. The kit validates the input before `run` and the output after it
 * (and again when a stored result is returned), and honours the idempotency key: inside the
 * step's transaction, a key already used returns its stored result and `run` is not called.
 */
export function defineAction<Input extends z.ZodType, Output extends z.ZodType>(spec: ActionSpec<Input, Output>): ActionDefinition {
  if (!actionNamePattern.test(spec.name)) throw new Error(`Invalid action name "${spec.name}" (expected domain.verbNoun)`);
  const idempotent = spec.idempotent ?? true;
  const runOnce = async (raw: unknown, context: ActionContext): Promise<z.output<Output>> => {
    const input = spec.input.parse(raw);
    return spec.output.parse(await spec.run(input, context));
  };
  const definition: ActionDefinition = {
    name: spec.name,
    description: spec.description,
    input: spec.input,
    output: spec.output,
    async run(raw, context) {
      if (!idempotent) return runOnce(raw, context);
      const key = idempotencyKeySchema.parse(context.idempotencyKey);
      const stored = await withIdempotency(context.db<unknown>(), { tenantId: context.tenantId, scope: spec.name, key }, () => runOnce(raw, context));
      return spec.output.parse(stored);
    },
  };
  const awaits = spec.awaits;
  if (awaits) definition.awaits = (raw) => awaits(spec.input.parse(raw));
  const compensate = spec.compensate;
  if (compensate) {
    definition.compensate = (raw, output, context) => compensate(spec.input.parse(raw), spec.output.parse(output), context);
  }
  return definition;
}

/** Name → action, built by the host from every module's `actions` and injected where needed. */
export class ActionRegistry {
  readonly #actions = new Map<string, ActionDefinition>();

  constructor(actions: readonly ActionDefinition[] = []) {
    for (const action of actions) {
      if (!actionNamePattern.test(action.name)) throw new Error(`Invalid action name "${action.name}" (expected domain.verbNoun)`);
      const existing = this.#actions.get(action.name);
      if (existing === action) continue;
      if (existing) throw new Error(`Action "${action.name}" is registered twice`);
      this.#actions.set(action.name, action);
    }
  }

  get(name: string): ActionDefinition | undefined {
    return this.#actions.get(name);
  }

  has(name: string): boolean {
    return this.#actions.has(name);
  }

  list(): ActionDefinition[] {
    return [...this.#actions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
