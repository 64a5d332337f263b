import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one app instance: process defaults plus request counts and latencies. */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "dramatis_" });
    this.requests = new Counter({
      name: "dramatis_http_requests_total",
      help: "HTTP requests by method, route template and status",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "dramatis_http_request_duration_seconds",
      help: "HTTP request latency by method and route template",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this.registry],
    });
  }

  /** Route templates (not raw paths) as labels, so ids never explode the label set. */
  readonly middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.res.status === 404 && routePath(c) === "/*" ? "unmatched" : routePath(c);
    this.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    this.duration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  };
}
