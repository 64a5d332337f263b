import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, problemResponses } from "../openapi-common.ts";

const totalSchema = z.object({
  requests: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
  sms_segments: z.number().int().openapi({ description: "SMS segments received and sent" }),
  speech_characters: z.number().int().openapi({ description: "Characters read aloud (text to speech)" }),
  audio_seconds: z
    .number()
    .openapi({ description: "Seconds of audio transcribed (speech to text) and talked in calls" }),
});

const usageRoute = createRoute({
  method: "get",
  path: "/v1/usage",
  tags: ["Usage"],
  summary: "Metered usage (tokens, requests, cost) summed by day, persona, kind or model",
  request: {
    query: z.object({
      group_by: z.enum(["day", "persona", "kind", "model"]).default("day"),
      from: z.iso.datetime({ message: "must be an ISO 8601 time such as 2026-01-01T00:00:00Z" }).optional(),
      to: z.iso.datetime({ message: "must be an ISO 8601 time such as 2026-02-01T00:00:00Z" }).optional(),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({
          from: z.string(),
          to: z.string(),
          group_by: z.enum(["day", "persona", "kind", "model"]),
          totals: z.array(totalSchema.extend({ key: z.string().nullable() })),
          overall: totalSchema,
        })
        .openapi("UsageSummary"),
      "Totals per group and overall; the default window is the last 30 days",
    ),
    ...problemResponses(422),
  },
});

export function usageRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(usageRoute, async (c) => {
    const { group_by, from, to } = c.req.valid("query");
    const normalise = (time: string | undefined) =>
      time === undefined ? undefined : new Date(time).toISOString();
    const summary = await c.var.services.usage.summarize(c.var.principal.tenantId, {
      groupBy: group_by,
      from: normalise(from),
      to: normalise(to),
    });
    return c.json(summary, 200);
  });
  return router;
}
