import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { stream, streamSSE } from "hono/streaming";
import { optionalUser, personaEditor } from "../auth.ts";
import { NotFoundError } from "../../errors/app-error.ts";
import { STUDY_RUN_STATUSES } from "../../services/research/study-service.ts";
import { studyInputSchema } from "../schemas/research-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
} from "../openapi-common.ts";
import { skillSchema } from "./skill-routes.ts";

const progressSchema = z
  .object({
    total: z.number().int(),
    pending: z.number().int(),
    queued: z.number().int(),
    running: z.number().int(),
    answered: z.number().int(),
    invalid: z.number().int(),
    failed: z.number().int(),
    done: z.number().int().openapi({ description: "answered + invalid + failed" }),
    rate_per_second: z.number().openapi({ description: "Runs finished per second over the last 30 s" }),
    eta_seconds: z.number().nullable(),
  })
  .openapi("StudyProgress");

export const studySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["running", "cancelled", "completed"]),
    created_by_user_id: z
      .string()
      .nullable()
      .openapi({
        description:
          "The user who started it (null: a key without a user). " +
          "See the cancel route for who may change it.",
      }),
    skill_id: z.string(),
    skill: skillSchema.openapi({ description: "The skill as it was when the study was created" }),
    population_id: z.string(),
    model: z.string().nullable(),
    sampling: z.record(z.string(), z.unknown()),
    concurrency: z.number().int(),
    requests_per_minute: z.number().int().nullable(),
    seed: z.string(),
    context: z.record(z.string(), z.unknown()),
    invalid_retries: z.number().int(),
    max_attempts: z.number().int(),
    progress: progressSchema,
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number() }),
    answer_models: z.array(z.string()).openapi({
      description: "Every model that answered one of its runs so far",
      example: ["offline/default"],
    }),
    offline_engine: z.boolean().openapi({
      description:
        "True when any answer came from the offline engine (`offline/...`): the built-in demo engine's " +
        "answers are canned templates, so the results and statistics say nothing about the personas",
    }),
    created_at: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Study");

const resultSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    persona_name: z.string(),
    persona_version: z.number().int().nullable(),
    cohort_id: z.string(),
    cohort_name: z.string(),
    status: z.enum(STUDY_RUN_STATUSES),
    answer: z.unknown(),
    score: z.number().nullable(),
    raw_output: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    model: z.string().nullable(),
    offline_engine: z.boolean().openapi({
      description: "True when the offline (demo) engine wrote this answer: canned, not a model's",
    }),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cost_usd: z.number(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("StudyResult");

const groupStatisticsFields = {
  runs: z.number().int(),
  answered: z.number().int(),
  invalid: z.number().int(),
  failed: z.number().int(),
  mean: z.number().nullable(),
  sd: z.number().nullable(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  median: z.number().nullable(),
  distribution: z
    .array(z.object({ value: z.string(), count: z.number().int(), share: z.number() }))
    .nullable(),
};

const statisticsSchema = z
  .object({
    answer_type: z.string(),
    overall: z.object(groupStatisticsFields),
    cohorts: z.array(z.object({ cohort_id: z.string(), cohort_name: z.string(), ...groupStatisticsFields })),
    test: z
      .object({
        name: z.enum(["chi_square", "anova"]),
        statistic: z.number(),
        df: z.union([z.number(), z.tuple([z.number(), z.number()])]),
        p_value: z.number(),
      })
      .nullable(),
    offline_engine: z.boolean().openapi({
      description: "True when any answer these figures are computed from came from the offline (demo) engine",
    }),
  })
  .openapi("StudyStatistics");

const tags = ["Research"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/studies",
  tags,
  summary: "List studies",
  request: { query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(studySchema, "StudyPage"), "A page of studies"),
    ...problemResponses(422),
  },
});

const createStudyRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/studies",
    tags,
    summary: "Ask a skill of every persona of a ready population; starts at once",
    request: { body: jsonBody(studyInputSchema) },
    responses: { 201: jsonContent(studySchema, "The running study"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/studies/{id}",
  tags,
  summary: "A study and its progress",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(studySchema, "The study"), ...problemResponses(404) },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/studies/{id}/events",
  tags,
  summary: "Follow a study's progress as server-sent events",
  description:
    "`progress` events ({study}) at once, then about once a second while anything changed; the stream ends " +
    "after the study is completed or cancelled.",
  request: { params: idParamSchema },
  responses: {
    200: { description: "SSE stream", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses(404),
  },
});

/** Who may stop, resume and delete a study (see persona-editor.ts). */
const STUDY_OWNERSHIP =
  "Every member reads the tenant's studies; cancelling, resuming and deleting one is for the member who " +
  "started it, admins, members an admin granted can_edit_all, and write keys (which act as the tenant). " +
  "Anyone else gets 403.";

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/studies/{id}/cancel",
  tags,
  summary: "Cancel a study: runs in flight stop and go back to pending",
  description: STUDY_OWNERSHIP,
  request: { params: idParamSchema },
  responses: { 200: jsonContent(studySchema, "The study"), ...problemResponses(404) },
});

const resumeRoute = createRoute({
  method: "post",
  path: "/v1/studies/{id}/resume",
  tags,
  summary: "Run what is left of a study (and, with retry_failed, its failed and invalid runs again)",
  description: STUDY_OWNERSHIP,
  request: {
    params: idParamSchema,
    body: {
      required: false,
      content: {
        "application/json": { schema: z.strictObject({ retry_failed: z.boolean().default(false) }) },
      },
    },
  },
  responses: { 200: jsonContent(studySchema, "The study"), ...problemResponses(404, 422) },
});

const resultsRoute = createRoute({
  method: "get",
  path: "/v1/studies/{id}/results",
  tags,
  summary: "Every run: the answer with its persona, cohort, tokens and cost",
  request: {
    params: idParamSchema,
    query: pageQuerySchema.extend({
      cohort_id: z.string().max(200).optional(),
      status: z.enum(STUDY_RUN_STATUSES).optional(),
    }),
  },
  responses: {
    200: jsonContent(pageSchema(resultSchema, "StudyResultPage"), "A page of results"),
    ...problemResponses(404, 422),
  },
});

const statisticsRoute = createRoute({
  method: "get",
  path: "/v1/studies/{id}/statistics",
  tags,
  summary: "Per-cohort and overall statistics, and a test of the difference between cohorts",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(statisticsSchema, "The statistics"), ...problemResponses(404) },
});

const exportRoute = createRoute({
  method: "get",
  path: "/v1/studies/{id}/export",
  tags,
  summary: "Download every result as CSV, or the study, statistics and results as JSON",
  description:
    "Answers written by the offline (demo) engine are marked: the CSV has an `offline_engine` column " +
    "(true/false per row), the JSON `offline_engine` and `warnings` at the top and on the study, the " +
    "statistics and each result.",
  request: {
    params: idParamSchema,
    query: z.object({ format: z.enum(["csv", "json"]).default("csv") }),
  },
  responses: {
    200: {
      description: "The export",
      content: { "text/csv": { schema: z.string() }, "application/json": { schema: z.unknown() } },
    },
    ...problemResponses(404, 422),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/studies/{id}",
  tags,
  summary: "Cancel and delete a study with its results",
  description: STUDY_OWNERSHIP,
  request: { params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

/** How often the event stream looks at the study. */
const EVENT_POLL_MS = 1_000;

export function studyRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(listRoute, async (c) => {
    const page = await c.var.services.studies.list(c.var.principal.tenantId, c.req.valid("query"));
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(createStudyRoute, async (c) => {
    // A session's user starts it (and may stop it); a key acts as the tenant, or for the user it names.
    const user = await optionalUser(c);
    return c.json(
      await c.var.services.studies.create(c.var.principal.tenantId, c.req.valid("json"), user?.id ?? null),
      201,
    );
  });
  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.studies.get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(eventsRoute, async (c) => {
    const tenantId = c.var.principal.tenantId;
    const id = c.req.valid("param").id;
    const studies = c.var.services.studies;
    // Looked up before streaming starts, so an unknown or foreign study is a plain 404.
    let study = await studies.get(tenantId, id);
    return streamSSE(c, async (sse) => {
      let aborted = false;
      sse.onAbort(() => {
        aborted = true;
      });
      let sent = "";
      for (;;) {
        const data = JSON.stringify({ study });
        if (data !== sent) {
          await sse.writeSSE({ event: "progress", data });
          sent = data;
        }
        if (study.status !== "running" || aborted) return;
        await sse.sleep(EVENT_POLL_MS);
        if (aborted) return;
        try {
          study = await studies.get(tenantId, id);
        } catch (error) {
          // Deleted while watched: the stream simply ends.
          if (error instanceof NotFoundError) return;
          throw error;
        }
      }
    });
  });
  router.openapi(cancelRoute, async (c) =>
    c.json(await c.var.services.studies.cancel(personaEditor(c), c.req.valid("param").id), 200),
  );
  router.openapi(resumeRoute, async (c) => {
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : undefined;
    return c.json(
      await c.var.services.studies.resume(personaEditor(c), c.req.valid("param").id, {
        retryFailed: body?.retry_failed ?? false,
      }),
      200,
    );
  });
  router.openapi(resultsRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await c.var.services.studies.results(c.var.principal.tenantId, c.req.valid("param").id, {
      cohortId: query.cohort_id,
      status: query.status,
      after: query.after,
      limit: query.limit,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(statisticsRoute, async (c) =>
    c.json(await c.var.services.studies.statistics(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(exportRoute, async (c) => {
    const tenantId = c.var.principal.tenantId;
    const id = c.req.valid("param").id;
    const studies = c.var.services.studies;
    if (c.req.valid("query").format === "json") {
      const exported = await studies.exportJson(tenantId, id);
      c.header("Content-Disposition", `attachment; filename="${id}.json"`);
      return c.json(exported as never, 200);
    }
    await studies.get(tenantId, id);
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="${id}.csv"`);
    return stream(c, async (body) => {
      for await (const chunk of studies.exportCsv(tenantId, id)) await body.write(chunk);
    }) as never;
  });
  router.openapi(deleteRoute, async (c) => {
    await c.var.services.studies.delete(personaEditor(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
  return router;
}
