import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { idempotent, withIdempotencyKey, withIdempotencyKeyHeader } from "../idempotency.ts";
import { stream } from "hono/streaming";
import { JsonInputError } from "../../lib/bounded-json.ts";
import { readJsonItems, type JsonItem } from "../../lib/json-items.ts";
import { MEMORY_OWNERS, MEMORY_TYPES } from "../../memory/memory.ts";
import { BadRequestError } from "../../errors/app-error.ts";
import { memoryInputSchema, memoryPatchSchema, memorySchema } from "../schemas/memory-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
} from "../openapi-common.ts";

const tags = ["Memory"];

const userHeader = z.object({
  "x-dramatis-user": z
    .string()
    .optional()
    .openapi({
      param: { name: "x-dramatis-user", in: "header" },
      description:
        "API keys: the end user whose relationship memory is included; without it, only the timeline. " +
        "Ignored for a signed-in session, which always acts as its own user.",
    }),
});

const memoryParams = idParamSchema.extend({
  memoryId: z
    .string()
    .min(1)
    .openapi({ param: { name: "memoryId", in: "path" } }),
});

const isoQuery = z.iso.datetime({ offset: true, message: "must be an ISO 8601 time" }).optional();

const listRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/memories",
  tags,
  summary: "List memories: the timeline, and the user's relationship memory with X-Dramatis-User",
  request: {
    headers: userHeader,
    params: idParamSchema,
    query: pageQuerySchema.extend({
      owner: z.enum(MEMORY_OWNERS).optional(),
      type: z
        .string()
        .regex(
          new RegExp(`^(${MEMORY_TYPES.join("|")})(,(${MEMORY_TYPES.join("|")}))*$`),
          `must be types from ${MEMORY_TYPES.join(", ")}, comma-separated`,
        )
        .optional(),
      strength_min: z.coerce.number().int().min(0).max(100).optional(),
      strength_max: z.coerce.number().int().min(0).max(100).optional(),
      from: isoQuery.openapi({ description: "event time from" }),
      to: isoQuery.openapi({ description: "event time up to" }),
      as_of: isoQuery.openapi({ description: "only memories that existed then" }),
    }),
  },
  responses: {
    200: jsonContent(pageSchema(memorySchema, "MemoryPage"), "A page of memories"),
    ...problemResponses(404, 422),
  },
});

const createMemoryRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas/{id}/memories",
    tags,
    summary: "Add a memory (only facts is required)",
    request: { headers: userHeader, params: idParamSchema, body: jsonBody(memoryInputSchema) },
    responses: { 201: jsonContent(memorySchema, "The memory"), ...problemResponses(404, 413, 422) },
  }),
);

const clearRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/memories",
  tags,
  summary: "Clear memory: forget everything about the user (X-Dramatis-User); the persona's timeline stays",
  request: { headers: userHeader, params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ deleted: z.number().int() }), "How many were forgotten"),
    ...problemResponses(404),
  },
});

const importRoute = createRoute(
  withIdempotencyKeyHeader({
    method: "post",
    path: "/v1/personas/{id}/memories/import",
    tags,
    summary: "Bulk import: a JSON array, or JSON Lines (application/x-ndjson) streamed in",
    description:
      "Items are MemoryInput objects. They are validated one by one and written in batches of 1,000, each in " +
      "its own transaction; invalid items are reported by index and field, valid ones are kept.",
    request: {
      headers: userHeader,
      params: idParamSchema,
      body: {
        required: true,
        content: {
          "application/json": { schema: z.array(memoryInputSchema) },
          "application/x-ndjson": { schema: z.string() },
        },
      },
    },
    responses: {
      200: jsonContent(
        z
          .object({
            imported: z.number().int(),
            failed: z.number().int(),
            errors: z.array(z.object({ index: z.number().int(), field: z.string(), message: z.string() })),
          })
          .openapi("MemoryImportReport"),
        "What was imported and what was not",
      ),
      ...problemResponses(404, 413, 422),
    },
  }),
);

const exportRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/memories/export",
  tags,
  summary: "Export memories as JSON Lines (re-importable)",
  request: { headers: userHeader, params: idParamSchema },
  responses: {
    200: { description: "One memory per line", content: { "application/x-ndjson": { schema: z.string() } } },
    ...problemResponses(404),
  },
});

const usageRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/memories/usage",
  tags,
  summary: "Memory held against the persona's memory tier limit",
  request: { headers: userHeader, params: idParamSchema },
  responses: {
    200: jsonContent(
      z
        .object({
          tier: z.string(),
          limit: z.number().int(),
          used: z.number().int(),
          percent: z.number(),
          timeline: z.number().int(),
          relationship: z.number().int(),
          characters: z.number().int(),
        })
        .openapi("MemoryUsage"),
      "Usage",
    ),
    ...problemResponses(404),
  },
});

const searchRoute = createRoute({
  method: "post",
  path: "/v1/personas/{id}/memories/search",
  tags,
  summary: "Search memories: ranked by relevance, importance and recency, with each score component",
  description:
    "score = relevance·w_r + importance·w_i + recency·w_t (the persona's memory.weights; defaults 3, 2, 0.5), " +
    "each component min-max normalised over the candidates. Relevance is full-text (BM25 on SQLite, " +
    "ts_rank_cd on PostgreSQL); importance is strength; recency decays with a one-week half-life since the " +
    "memory was last reinforced. `user` (or X-Dramatis-User) adds that user's relationship memory.",
  request: {
    headers: userHeader,
    params: idParamSchema,
    body: jsonBody(
      z
        .strictObject({
          query: z.string().trim().min(1, "must not be empty").max(2000),
          k: z.number().int().min(1).max(100).default(10),
          user: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .openapi({
              description:
                "API keys only: the end user whose relationship memory is included (else X-Dramatis-User); " +
                "ignored for a signed-in session, which always searches as its own user",
            }),
          as_of: z.iso.datetime({ offset: true, message: "must be an ISO 8601 time" }).optional(),
        })
        .openapi("MemorySearch"),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({
        data: z.array(
          z
            .object({
              memory: memorySchema,
              score: z.number(),
              components: z.object({
                relevance: z.number(),
                importance: z.number(),
                recency: z.number(),
                text: z.number(),
                vector: z.number().nullable(),
              }),
            })
            .openapi("MemorySearchResult"),
        ),
      }),
      "Best first",
    ),
    ...problemResponses(404, 422),
  },
});

const consistencyRoute = createRoute({
  method: "post",
  path: "/v1/personas/{id}/consistency",
  tags,
  summary: "Consistency report of the persona's memory; every finding cites memory ids",
  description:
    "Deterministic checks (sequence gaps, event times that go backwards against their stated order, broken " +
    "revision chains, duplicate events) and contradictions between related memories, judged by the persona's " +
    "model (or by rules with the offline engine). With X-Dramatis-User the user's relationship memory is included.",
  request: { headers: userHeader, params: idParamSchema },
  responses: {
    200: jsonContent(
      z
        .object({
          persona_id: z.string(),
          checked: z.number().int(),
          judged_by: z.string(),
          findings: z.array(
            z.object({
              kind: z.enum([
                "sequence_gap",
                "time_order",
                "broken_revision",
                "duplicate_event",
                "contradiction",
              ]),
              message: z.string(),
              memory_ids: z.array(z.string()),
            }),
          ),
        })
        .openapi("ConsistencyReport"),
      "The report",
    ),
    ...problemResponses(404),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/memories/{memoryId}",
  tags,
  summary: "Get a memory",
  request: { headers: userHeader, params: memoryParams },
  responses: { 200: jsonContent(memorySchema, "The memory"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/personas/{id}/memories/{memoryId}",
  tags,
  summary: "Edit a memory",
  request: { headers: userHeader, params: memoryParams, body: jsonBody(memoryPatchSchema) },
  responses: { 200: jsonContent(memorySchema, "The memory"), ...problemResponses(404, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/memories/{memoryId}",
  tags,
  summary: "Delete a memory",
  request: { headers: userHeader, params: memoryParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

/** Malformed bulk bodies are the client's fault: a 400 naming the problem. */
async function* asClientErrors(items: AsyncIterable<JsonItem>): AsyncIterable<JsonItem> {
  try {
    yield* items;
  } catch (error) {
    if (error instanceof JsonInputError) throw new BadRequestError(error.message);
    throw error;
  }
}

export function memoryRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const actorOf = async (c: Parameters<typeof optionalUser>[0]) => ({
    tenantId: c.var.principal.tenantId,
    user: await optionalUser(c),
    editor: personaEditor(c),
  });
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.memories;

  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await service(c).list(await actorOf(c), c.req.valid("param").id, {
      owner: query.owner,
      types: query.type?.split(","),
      strengthMin: query.strength_min,
      strengthMax: query.strength_max,
      eventFrom: query.from && new Date(query.from).toISOString(),
      eventTo: query.to && new Date(query.to).toISOString(),
      asOf: query.as_of && new Date(query.as_of).toISOString(),
      after: query.after,
      limit: query.limit,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(createMemoryRoute, async (c) =>
    c.json(await service(c).create(await actorOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  );

  router.openapi(clearRoute, async (c) =>
    c.json(await service(c).clearRelationship(await actorOf(c), c.req.valid("param").id), 200),
  );

  // The body is read as a stream (JSON Lines) or whole (a JSON array), not by the generic JSON validator.
  router.openAPIRegistry.registerPath(importRoute);
  router.post("/v1/personas/:id/memories/import", idempotent, async (c) => {
    const items = readJsonItems(c.req.raw.body, c.req.header("content-type"));
    const report = await service(c).import(await actorOf(c), c.req.param("id"), asClientErrors(items));
    return c.json(report, 200);
  });

  router.openapi(exportRoute, async (c) => {
    const actor = await actorOf(c);
    const personaId = c.req.valid("param").id;
    const memories = service(c).export(actor, personaId)[Symbol.asyncIterator]();
    // Read the first item before answering, so an unknown persona is a plain 404.
    const first = await memories.next();
    c.header("content-type", "application/x-ndjson");
    c.header("content-disposition", `attachment; filename="${personaId}-memories.jsonl"`);
    return stream(c, async (output) => {
      if (first.done) return;
      await output.write(`${JSON.stringify(first.value)}\n`);
      for (let next = await memories.next(); !next.done; next = await memories.next()) {
        await output.write(`${JSON.stringify(next.value)}\n`);
      }
    });
  });

  router.openapi(searchRoute, async (c) => {
    const body = c.req.valid("json");
    const personaId = c.req.valid("param").id;
    // `user` names the end user for API keys only; a session searches as its own user.
    const user = await optionalUser(c, body.user);
    const ranked = await c.var.services.memoryRetrieval.search({
      tenantId: c.var.principal.tenantId,
      personaId,
      query: body.query,
      k: body.k,
      userId: user?.id ?? null,
      asOf: body.as_of && new Date(body.as_of).toISOString(),
    });
    return c.json({ data: ranked }, 200);
  });

  router.openapi(consistencyRoute, async (c) =>
    c.json(await c.var.services.consistency.check(await actorOf(c), c.req.valid("param").id), 200),
  );

  router.openapi(usageRoute, async (c) =>
    c.json(await service(c).usage(await actorOf(c), c.req.valid("param").id), 200),
  );

  router.openapi(getRoute, async (c) => {
    const { id, memoryId } = c.req.valid("param");
    return c.json(await service(c).get(await actorOf(c), id, memoryId), 200);
  });

  router.openapi(patchRoute, async (c) => {
    const { id, memoryId } = c.req.valid("param");
    return c.json(await service(c).update(await actorOf(c), id, memoryId, c.req.valid("json")), 200);
  });

  router.openapi(deleteRoute, async (c) => {
    const { id, memoryId } = c.req.valid("param");
    await service(c).delete(await actorOf(c), id, memoryId);
    return c.body(null, 204);
  });

  return router;
}
