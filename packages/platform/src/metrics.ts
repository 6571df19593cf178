import client from 'prom-client';

/** One registry for the process; the host exposes it at /metrics. */
export const metricsRegistry = new client.Registry();

export const procedureCalls = new client.Counter({
  name: 'ubos_trpc_calls_total',
  help: 'tRPC procedure calls by path, type and result code',
  labelNames: ['path', 'type', 'code'] as const,
  registers: [metricsRegistry],
});

export const procedureDuration = new client.Histogram({
  name: 'ubos_trpc_duration_seconds',
  help: 'tRPC procedure latency by path',
  labelNames: ['path', 'type'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export { client as promClient };
