import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context as TraceContext,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing (docs/ARCHITECTURE.md §8). Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set
 * (or a test passes an exporter): then the kernel's spans (HTTP request, procedure, SQL query,
 * outbox write, dispatch, event handler) are exported over OTLP/HTTP, and each event carries the
 * W3C trace context of the transaction that wrote it, so one trace follows a request into every
 * subscriber. Off, every helper here is a no-op that allocates nothing.
 */

const tracer = trace.getTracer('ubos');
let enabled = false;

export interface Tracing {
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** The service name spans are exported under (OTEL_SERVICE_NAME wins). */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318 (spans go to <endpoint>/v1/traces). */
  endpoint?: string | undefined;
  /** Tests: an in-memory exporter, spans handed over as they end. */
  exporter?: SpanExporter;
}

/** Starts tracing when an endpoint or an exporter is given; returns null (and stays off) otherwise. */
export function startTracing(options: TracingOptions): Tracing | null {
  if (!options.endpoint && !options.exporter) return null;
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${(options.endpoint ?? '').replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  enabled = true;
  process.env.OTEL_SERVICE_NAME ??= options.serviceName;
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** Runs `fn` in a new active span (a child of the active one); records a thrown error on it. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, parent?: TraceContext): Promise<T> {
  if (!enabled) return fn();
  const options = { attributes, kind: name.startsWith('HTTP ') ? SpanKind.SERVER : SpanKind.INTERNAL };
  const run = (span: Span) =>
    fn().then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
        throw error;
      },
    );
  return parent ? tracer.startActiveSpan(name, options, parent, run) : tracer.startActiveSpan(name, options, run);
}

/** A span for work that already happened (a query whose duration the driver reported). */
export function recordSpan(name: string, attributes: Attributes, startTime: number, endTime: number): void {
  if (!enabled) return;
  tracer.startSpan(name, { attributes, startTime }).end(endTime);
}

/** A span the caller ends itself (an HTTP request, ended on response). */
export interface OpenSpan {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Runs `fn` (and everything it starts) with this span as the active one. */
  run(fn: () => void): void;
  end(): void;
}

export function startSpan(name: string, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL): OpenSpan | null {
  if (!enabled) return null;
  const span = tracer.startSpan(name, { attributes, kind });
  const active = trace.setSpan(context.active(), span);
  return {
    setAttribute: (key, value) => {
      span.setAttribute(key, value);
    },
    run: (fn) => context.with(active, fn),
    end: () => span.end(),
  };
}

/** The W3C `traceparent` of the active span, to store with an event; null when tracing is off. */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The context a stored `traceparent` continues (the root context when there is none). */
export function contextOfTraceparent(traceparent: string | null | undefined): TraceContext {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

export { SpanKind };
