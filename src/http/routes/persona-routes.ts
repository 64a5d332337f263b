import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import type { JsonObject } from "../../lib/deep-merge.ts";
import {
  personaCreateSchema,
  personaDefinitionPatchSchema,
  personaDefinitionSchema,
  personaSeedSchema,
  personaVisibilitySchema,
} from "../schemas/persona-schemas.ts";
import { memorySchema } from "../schemas/memory-schemas.ts";
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

export const personaSchema = personaDefinitionSchema
  .extend({
    id: z.string().openapi({ example: "psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    kind: z.enum(["persona", "preset"]),
    join_code: z.string().openapi({ example: "K7QF3XPM" }),
    production_version: z.number().int().nullable(),
    latest_version: z.number().int(),
    has_unpublished_changes: z.boolean(),
    created_by_user_id: z
      .string()
      .nullable()
      .openapi({
        description:
          "The user who created it. Members change only personas they created unless an admin granted them " +
          "can_edit_all; admins and write keys change every persona of the tenant. Null: made by a key or a preset.",
      }),
    visibility: personaVisibilitySchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Persona");

const versionSummarySchema = z
  .object({ version: z.number().int(), name: z.string(), is_production: z.boolean(), created_at: z.string() })
  .openapi("PersonaVersionSummary");

const versionSchema = versionSummarySchema
  .extend({ definition: personaDefinitionSchema })
  .openapi("PersonaVersion");

/** `draft` or a published version number, as a query or path value. */
export const versionReferenceSchema = z.union([
  z.literal("draft"),
  z.coerce.number().int("must be a version number or 'draft'").min(1, "must be a version number or 'draft'"),
]);

const versionParamSchema = idParamSchema.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "version", in: "path" } }),
});

const tags = ["Personas"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/personas",
  tags,
  summary: "List the tenant's personas and the presets (search by name with q)",
  request: {
    query: pageQuerySchema.extend({
      kind: z.enum(["persona", "preset"]).optional(),
      q: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .openapi({ description: "Only personas whose name contains this text, in any case" }),
      include_generated: z
        .enum(["true", "false"])
        .default("false")
        .transform((value) => value === "true")
        .openapi({
          description: "Also list the personas research populations generated (left out by default)",
        }),
      population_id: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: "Only the members of this population, generated ones included" }),
    }),
  },
  responses: {
    200: jsonContent(pageSchema(personaSchema, "PersonaPage"), "A page of personas"),
    ...problemResponses(422),
  },
});

const createPersonaRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas",
    tags,
    summary: "Create a persona (only name is required)",
    request: { body: jsonBody(personaCreateSchema) },
    responses: { 201: jsonContent(personaSchema, "The new persona"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}",
  tags,
  summary: "Get a persona with its draft definition",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(personaSchema, "The persona"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/personas/{id}",
  tags,
  summary: "Edit the draft",
  description:
    "Objects merge field by field; arrays and scalars replace. NSFW cannot be turned off once set.",
  request: { params: idParamSchema, body: jsonBody(personaDefinitionPatchSchema) },
  responses: {
    200: jsonContent(personaSchema, "The persona with its new draft"),
    ...problemResponses(404, 413, 422),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}",
  tags,
  summary: "Delete a persona and its versions",
  request: { params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

const publishRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas/{id}/publish",
    tags,
    summary: "Publish the draft as the next version and make it production",
    request: { params: idParamSchema },
    responses: {
      201: jsonContent(
        z.object({ version: versionSummarySchema, persona: personaSchema }),
        "The new version",
      ),
      ...problemResponses(404, 409),
    },
  }),
);

const rollbackRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas/{id}/rollback",
    tags,
    summary: "Make an earlier published version production",
    request: { params: idParamSchema, body: jsonBody(z.strictObject({ version: z.number().int().min(1) })) },
    responses: { 200: jsonContent(personaSchema, "The persona"), ...problemResponses(404, 422) },
  }),
);

const listVersionsRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/versions",
  tags,
  summary: "List published versions",
  request: { params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(versionSummarySchema) }), "Versions, oldest first"),
    ...problemResponses(404),
  },
});

const getVersionRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/versions/{version}",
  tags,
  summary: "Get one published version",
  request: { params: versionParamSchema },
  responses: { 200: jsonContent(versionSchema, "The version"), ...problemResponses(404) },
});

const diffRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/diff",
  tags,
  summary: "Differences between two versions (or a version and the draft)",
  request: {
    params: idParamSchema,
    query: z.object({
      from: versionReferenceSchema.openapi({ type: "string", example: "1" }),
      to: versionReferenceSchema.default("draft").openapi({ type: "string", example: "draft" }),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({
          from: z.union([z.number(), z.literal("draft")]),
          to: z.union([z.number(), z.literal("draft")]),
          changes: z.array(z.object({ path: z.string(), from: z.unknown(), to: z.unknown() })),
        })
        .openapi("PersonaDiff"),
      "Changed fields by dotted path",
    ),
    ...problemResponses(404, 422),
  },
});

const joinRoute = createRoute({
  method: "post",
  path: "/v1/personas/join",
  tags,
  summary: "Copy a persona into this tenant by its join code",
  request: { body: jsonBody(z.strictObject({ code: z.string().min(1).max(40) })) },
  responses: { 201: jsonContent(personaSchema, "The copy"), ...problemResponses(404, 422) },
});

const generateRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas/generate",
    tags,
    summary: "Generate a persona from a seed (name, age, location, occupation) with an initial timeline",
    description:
      "Returns a full definition (traits, communication style, domain knowledge, summary) stored as a draft, " +
      "and a timeline of typed memories. Deterministic for the same seed and fields.",
    request: { body: jsonBody(personaSeedSchema) },
    responses: {
      201: jsonContent(
        z.object({ persona: personaSchema, timeline: z.array(memorySchema) }).openapi("GeneratedPersona"),
        "The persona (a draft) and its timeline",
      ),
      ...problemResponses(413, 422),
    },
  }),
);

const listTemplatesRoute = createRoute({
  method: "get",
  path: "/v1/persona-templates",
  tags,
  summary: "Templates to start a persona from (POST /v1/personas with template_id)",
  responses: {
    200: jsonContent(
      z.object({
        data: z.array(
          z
            .object({
              id: z.string(),
              name: z.string(),
              description: z.string(),
              category: z.string(),
              definition: personaDefinitionSchema,
            })
            .openapi("PersonaTemplate"),
        ),
      }),
      "Templates",
    ),
    ...problemResponses(),
  },
});

export function personaRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(listRoute, async (c) => {
    const { limit, after, kind, q, include_generated, population_id } = c.req.valid("query");
    const page = await c.var.services.personas.list(personaEditor(c), {
      limit,
      after,
      kind,
      q,
      includeGenerated: include_generated,
      populationId: population_id,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(createPersonaRoute, async (c) => {
    const user = await optionalUser(c);
    const persona = await c.var.services.personas.create(
      { tenantId: c.var.principal.tenantId, userId: user?.id },
      c.req.valid("json") as JsonObject,
    );
    return c.json(persona, 201);
  });

  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.personas.get(personaEditor(c), c.req.valid("param").id), 200),
  );

  router.openapi(patchRoute, async (c) => {
    const persona = await c.var.services.personas.updateDraft(
      personaEditor(c),
      c.req.valid("param").id,
      c.req.valid("json") as JsonObject,
    );
    return c.json(persona, 200);
  });

  router.openapi(deleteRoute, async (c) => {
    await c.var.services.personas.delete(personaEditor(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  router.openapi(publishRoute, async (c) =>
    c.json(await c.var.services.personas.publish(personaEditor(c), c.req.valid("param").id), 201),
  );

  router.openapi(rollbackRoute, async (c) => {
    const persona = await c.var.services.personas.rollback(
      personaEditor(c),
      c.req.valid("param").id,
      c.req.valid("json").version,
    );
    return c.json(persona, 200);
  });

  router.openapi(listVersionsRoute, async (c) => {
    const versions = await c.var.services.personas.listVersions(personaEditor(c), c.req.valid("param").id);
    return c.json({ data: versions }, 200);
  });

  router.openapi(getVersionRoute, async (c) => {
    const { id, version } = c.req.valid("param");
    return c.json(await c.var.services.personas.getVersion(personaEditor(c), id, version), 200);
  });

  router.openapi(diffRoute, async (c) => {
    const { from, to } = c.req.valid("query");
    return c.json(
      await c.var.services.personas.diff(personaEditor(c), c.req.valid("param").id, from, to),
      200,
    );
  });

  router.openapi(joinRoute, async (c) => {
    const user = await optionalUser(c);
    const persona = await c.var.services.personas.join(
      { tenantId: c.var.principal.tenantId, userId: user?.id },
      c.req.valid("json").code,
      personaEditor(c),
    );
    return c.json(persona, 201);
  });

  router.openapi(generateRoute, async (c) => {
    const user = await optionalUser(c);
    const generated = await c.var.services.personaGeneration.generate(
      { tenantId: c.var.principal.tenantId, userId: user?.id },
      c.req.valid("json"),
    );
    return c.json(generated, 201);
  });

  router.openapi(listTemplatesRoute, (c) => c.json({ data: c.var.services.personas.listTemplates() }, 200));

  return router;
}
