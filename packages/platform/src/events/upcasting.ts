import { eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';

/**
 * Turns the payload of `type` at `fromVersion` into the payload of version `fromVersion + 1`.
 * Readers chain upcasters until no further one is registered, so a handler written for the
 * latest version never sees an old shape, whether the event comes from the queue or a replay.
 */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(payload: Record<string, unknown>, envelope: EventEnvelope): Record<string, unknown>;
}

export class UpcasterRegistry {
  readonly #byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) this.register(upcaster);
  }

  register(upcaster: Upcaster): this {
    const key = `${upcaster.type}@${upcaster.fromVersion}`;
    if (this.#byKey.has(key)) throw new Error(`Two upcasters for ${key}`);
    this.#byKey.set(key, upcaster);
    return this;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Applies every registered step from the envelope's version on; returns the envelope unchanged if none. */
  upcast(envelope: EventEnvelope): EventEnvelope {
    let current = envelope;
    for (let steps = 0; steps < 1000; steps += 1) {
      const upcaster = this.#byKey.get(`${current.type}@${current.version}`);
      if (!upcaster) return current;
      current = { ...current, version: current.version + 1, payload: upcaster.upcast(current.payload, current) };
    }
    throw new Error(`Upcaster chain for ${envelope.type} does not end`);
  }
}

/** Validates a raw envelope (job data, outbox row) and upcasts it to the newest known version. */
export function readEnvelope(raw: unknown, registry: UpcasterRegistry): EventEnvelope {
  return registry.upcast(eventEnvelopeSchema.parse(raw));
}
