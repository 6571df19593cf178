import client from 'prom-client';
import { metricsRegistry } from '../metrics.ts';

/** Event backbone metrics, all in the kernel's registry (exposed by the host at /metrics). */
export const eventsWritten = new client.Counter({
  name: 'ubos_events_written_total',
  help: 'Events written to the outbox (counted at write; a rolled-back transaction still counts here)',
  labelNames: ['type'] as const,
  registers: [metricsRegistry],
});

export const eventsDispatched = new client.Counter({
  name: 'ubos_events_dispatched_total',
  help: 'Outbox rows handed to pg-boss (marked dispatched)',
  registers: [metricsRegistry],
});

export const eventJobsEnqueued = new client.Counter({
  name: 'ubos_event_jobs_enqueued_total',
  help: 'Jobs enqueued per subscription by the dispatcher or a replay',
  labelNames: ['subscription', 'source'] as const,
  registers: [metricsRegistry],
});

export const eventsHandled = new client.Counter({
  name: 'ubos_events_handled_total',
  help: 'Events handled per subscription; outcome=skipped when processed_events shows a redelivery',
  labelNames: ['subscription', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const eventsFailed = new client.Counter({
  name: 'ubos_events_failed_total',
  help: 'Handler attempts that threw',
  labelNames: ['subscription'] as const,
  registers: [metricsRegistry],
});

export const eventsDeadLettered = new client.Counter({
  name: 'ubos_events_dead_lettered_total',
  help: 'Events moved to a dead-letter queue after the last attempt',
  labelNames: ['subscription'] as const,
  registers: [metricsRegistry],
});

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const dispatchLag = new client.Histogram({
  name: 'ubos_event_dispatch_lag_seconds',
  help: 'From event occurred_at to its dispatch to pg-boss',
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const handlerDuration = new client.Histogram({
  name: 'ubos_event_handler_duration_seconds',
  help: 'Handler latency (its transaction included) per subscription',
  labelNames: ['subscription'] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const deliveryLag = new client.Histogram({
  name: 'ubos_event_delivery_lag_seconds',
  help: 'From event occurred_at to the handler finishing, per subscription',
  labelNames: ['subscription'] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const outboxPending = new client.Gauge({
  name: 'ubos_outbox_pending',
  help: 'Undispatched outbox rows seen by the last empty/short dispatcher pass (0 when caught up)',
  registers: [metricsRegistry],
});
