import type pg from 'pg';
import { metricsRegistry, promClient } from '@ubos/platform';

let defaultMetricsOn = false;
/** Observed pools, their label and how many servers observe them; pools sharing a label are summed. */
const observedPools = new Map<pg.Pool, { label: string; observers: number }>();
let poolGauges: { total: promClient.Gauge<'pool'>; idle: promClient.Gauge<'pool'>; waiting: promClient.Gauge<'pool'> } | null = null;

function gauge(name: string, help: string, read: (pool: pg.Pool) => number): promClient.Gauge<'pool'> {
  return new promClient.Gauge({
    name,
    help,
    labelNames: ['pool'] as const,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      for (const [pool, { label }] of observedPools) this.inc({ pool: label }, read(pool));
    },
  });
}

/**
 * Adds process metrics and pg pool gauges to the kernel's registry (which already counts
 * tRPC calls and latency per procedure). Safe to call once per server instance.
 */
export function observePool(label: string, pool: pg.Pool): () => void {
  if (!defaultMetricsOn) {
    promClient.collectDefaultMetrics({ register: metricsRegistry, prefix: 'ubos_' });
    defaultMetricsOn = true;
  }
  if (!poolGauges) {
    poolGauges = {
      total: gauge('ubos_db_pool_connections_total', 'Connections open in the pg pool', (pool) => pool.totalCount),
      idle: gauge('ubos_db_pool_connections_idle', 'Idle connections in the pg pool', (pool) => pool.idleCount),
      waiting: gauge('ubos_db_pool_clients_waiting', 'Queries waiting for a pg connection', (pool) => pool.waitingCount),
    };
  }
  const entry = observedPools.get(pool) ?? { label, observers: 0 };
  entry.observers += 1;
  observedPools.set(pool, entry);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    entry.observers -= 1;
    if (entry.observers === 0) observedPools.delete(pool);
  };
}

export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
