import { Hono, type Handler, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { Counter, Histogram, type Registry } from "prom-client";
import { equalInConstantTime } from "../lib/constant-time.ts";
import { problemResponse } from "./problem.ts";

/** Request counts and latencies of one app instance, on the process's metrics registry. */
export class HttpMetrics {
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: "dramatis_http_requests_total",
      help: "HTTP requests by method, route template and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: "dramatis_http_request_duration_seconds",
      help: "HTTP request latency by method and route template",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
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

/**
 * `GET /metrics`: the registry in Prometheus' text format. With a token (DRAMATIS_METRICS_TOKEN) only for
 * `Authorization: Bearer <token>` (compared in constant time), 401 otherwise: route names, job kinds,
 * model names and process figures are for the operator only.
 *
 * @example app.get("/metrics", serveMetrics({ registry: metrics.registry, token: config.metricsToken }));
 */
export function serveMetrics(options: { registry: Registry; token: string | undefined }): Handler {
  const { registry, token } = options;
  return async (c) => {
    if (token) {
      const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
      if (!equalInConstantTime(token, presented)) {
        const response = problemResponse(c, {
          title: "Unauthorized",
          status: 401,
          detail: "/metrics needs the bearer token set in DRAMATIS_METRICS_TOKEN",
        });
        response.headers.set("www-authenticate", 'Bearer realm="metrics"');
        return response;
      }
    }
    return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
  };
}

/**
 * The app of the metrics port (DRAMATIS_METRICS_PORT): `/metrics` and nothing else, so a worker, which
 * serves no API, can be scraped too.
 *
 * @example serve({ fetch: createMetricsApp({ registry, token }).fetch, port: 9464 });
 */
export function createMetricsApp(options: { registry: Registry; token: string | undefined }): Hono {
  const app = new Hono();
  app.get("/metrics", serveMetrics(options));
  app.notFound((c) =>
    problemResponse(c, { title: "Not Found", status: 404, detail: "this port serves only GET /metrics" }),
  );
  return app;
}
