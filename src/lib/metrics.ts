import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Job figures of this process (the jobs it queued and the ones its workers ran), by kind. */
export class JobMetrics {
  readonly enqueued: Counter<"kind">;
  readonly running: Gauge<"kind">;
  readonly failed: Counter<"kind">;
  readonly duration: Histogram<"kind" | "outcome">;

  constructor(registry: Registry) {
    this.enqueued = new Counter({
      name: "dramatis_jobs_enqueued_total",
      help: "Jobs queued by this process, by kind (a repeated idempotency key is not counted again)",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.running = new Gauge({
      name: "dramatis_jobs_running",
      help: "Jobs running in this process now, by kind",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.failed = new Counter({
      name: "dramatis_jobs_failed_total",
      help: "Failed job attempts in this process, by kind (a retryable failure with attempts left runs again)",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: "dramatis_job_duration_seconds",
      help: "How long job attempts ran in this process, by kind and outcome (succeeded, failed or stopped)",
      labelNames: ["kind", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    });
  }
}

/** Model calls of this process by provider and model: latency, tokens and errors. */
export class ModelCallMetrics {
  readonly duration: Histogram<"provider" | "model" | "operation">;
  readonly tokens: Counter<"provider" | "model" | "direction">;
  readonly errors: Counter<"provider" | "model" | "operation">;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: "dramatis_model_call_duration_seconds",
      help: "Model call latency (a stream until its last part), by provider, model and operation",
      labelNames: ["provider", "model", "operation"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
      registers: [registry],
    });
    this.tokens = new Counter({
      name: "dramatis_model_tokens_total",
      help: "Tokens models read (input) and wrote (output), by provider and model",
      labelNames: ["provider", "model", "direction"],
      registers: [registry],
    });
    this.errors = new Counter({
      name: "dramatis_model_call_errors_total",
      help: "Model calls that failed (or streams that ended in an error), by provider, model and operation",
      labelNames: ["provider", "model", "operation"],
      registers: [registry],
    });
  }
}

/** Outbound messages of this process (SMS, WhatsApp, web push) by channel and outcome. */
export class DeliveryMetrics {
  readonly deliveries: Counter<"channel" | "outcome">;

  constructor(registry: Registry) {
    this.deliveries = new Counter({
      name: "dramatis_deliveries_total",
      help: "Messages handed to a channel's provider, by channel and outcome (sent or failed)",
      labelNames: ["channel", "outcome"],
      registers: [registry],
    });
  }
}

/**
 * The Prometheus metrics of one process: Node's defaults plus jobs, model calls and deliveries, on one
 * registry that `/metrics` serves (the API's, and the metrics port of a worker).
 *
 * @example const metrics = new Metrics(); metrics.jobs.running.inc({ kind: "reply" }); await metrics.registry.metrics();
 */
export class Metrics {
  readonly registry = new Registry();
  readonly jobs: JobMetrics;
  readonly modelCalls: ModelCallMetrics;
  readonly deliveries: DeliveryMetrics;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "dramatis_" });
    this.jobs = new JobMetrics(this.registry);
    this.modelCalls = new ModelCallMetrics(this.registry);
    this.deliveries = new DeliveryMetrics(this.registry);
  }
}
