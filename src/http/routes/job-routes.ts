import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { toJobView } from "../../services/job-service.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser } from "../auth.ts";
import { idParamSchema, jsonContent, problemResponses } from "../openapi-common.ts";

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    result: z
      .unknown()
      .openapi({ description: "For a conversation reply: the exchange, as the synchronous call returns it" }),
    error: z.string().nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("Job");

const tags = ["Jobs"];
const userHeader = z.object({
  "x-dramatis-user": z
    .string()
    .optional()
    .openapi({
      param: { name: "x-dramatis-user", in: "header" },
      description:
        "API keys: required for a user's jobs. Ignored for a signed-in session, which is always its own user.",
    }),
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  tags,
  summary: "A background job: status, and its result when done",
  request: { headers: userHeader, params: idParamSchema },
  responses: { 200: jsonContent(jobSchema, "The job"), ...problemResponses(404) },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/events",
  tags,
  summary: "Follow a job as server-sent events until it ends",
  description:
    "Events: `status` ({job}) first and on every change; for a conversation reply also `message-start` " +
    "({message_id}) and `message-delta` ({text}). The stream ends after a terminal status.",
  request: { headers: userHeader, params: idParamSchema },
  responses: {
    200: { description: "SSE stream", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses(404),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/cancel",
  tags,
  summary: "Cancel a job (a running reply stops; what was generated is kept as a partial reply)",
  request: { headers: userHeader, params: idParamSchema },
  responses: { 200: jsonContent(jobSchema, "The job"), ...problemResponses(404) },
});

export function jobRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(getRoute, async (c) =>
    c.json(
      await c.var.services.jobs.get(c.var.principal.tenantId, await optionalUser(c), c.req.valid("param").id),
      200,
    ),
  );

  router.openapi(eventsRoute, async (c) => {
    const user = await optionalUser(c);
    const id = c.req.valid("param").id;
    // Checked before streaming starts, so an unknown or foreign job is a plain 404.
    await c.var.services.jobs.get(c.var.principal.tenantId, user, id);
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      const events = c.var.services.jobs.events(c.var.principal.tenantId, user, id, controller.signal);
      for await (const event of events) {
        if (event.type === "status") {
          await stream.writeSSE({ event: "status", data: JSON.stringify({ job: toJobView(event.job) }) });
        } else {
          const { type, ...data } = event.data as { type?: string };
          await stream.writeSSE({ event: type ?? "progress", data: JSON.stringify(data) });
        }
      }
    });
  });

  router.openapi(cancelRoute, async (c) =>
    c.json(
      await c.var.services.jobs.cancel(
        c.var.principal.tenantId,
        await optionalUser(c),
        c.req.valid("param").id,
      ),
      200,
    ),
  );

  return router;
}
