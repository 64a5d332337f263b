import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { NotFoundError } from "../../errors/app-error.ts";
import { parseModelId } from "../../models/language-model.ts";
import { PERSONA_MODEL_PREFIX } from "../../services/chat-completion-service.ts";
import type { Persona } from "../../services/persona-views.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor } from "../auth.ts";
import { jsonContent } from "../openapi-common.ts";

/*
 * OpenAI's model routes: what an OpenAI client can name as `model` here. Personas answer on
 * /v1/chat/completions as persona/<id>; the embedding model (when one is configured) embeds on
 * /v1/embeddings. Raw provider models are not listed: chat completions always answer as a persona.
 */

const modelSchema = z
  .object({
    id: z.string().openapi({ example: "persona/psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    object: z.literal("model"),
    created: z.number().int().openapi({ description: "Unix seconds" }),
    owned_by: z.string(),
    name: z.string().openapi({ description: "The persona's name, or the embedding model's id" }),
    display_name: z.string().openapi({ description: "The same as name, for clients that read this field" }),
  })
  .openapi("Model");

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["OpenAI-compatible"],
  summary: "Personas (as persona/<id>) and the embedding model, in OpenAI's list format",
  description:
    "The personas the caller can chat with on /v1/chat/completions (model persona/<id>), then the embedding " +
    "model /v1/embeddings uses, when the server has one. Personas generated for research populations are " +
    "left out unless include_generated=true.",
  request: {
    query: z.object({
      include_generated: z
        .enum(["true", "false"])
        .optional()
        .openapi({ description: "Also list personas generated for research populations" }),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ object: z.literal("list"), data: z.array(modelSchema) }).openapi("ModelList"),
      "Models",
    ),
  },
});

const modelRoute = createRoute({
  method: "get",
  path: "/v1/models/{id}",
  tags: ["OpenAI-compatible"],
  summary: "One model: a persona (persona/<id>) or the embedding model",
  description:
    'The id holds a "/" (persona/psn_…), sent as is or percent-encoded (persona%2Fpsn_…). 404 (OpenAI\'s ' +
    "model_not_found) for an unknown id or a persona the caller cannot see.",
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: {
    200: jsonContent(modelSchema, "The model"),
    404: jsonContent(
      z.object({
        error: z.object({
          message: z.string(),
          type: z.string(),
          param: z.string().nullable(),
          code: z.string().nullable(),
        }),
      }),
      "No such model, in OpenAI's error shape (code model_not_found)",
    ),
  },
});

type ModelObject = z.infer<typeof modelSchema>;

function personaModel(c: Context<AppEnv>, persona: Persona, fallbackCreated: number): ModelObject {
  return {
    id: `${PERSONA_MODEL_PREFIX}${persona.id}`,
    object: "model",
    created: Math.floor(Date.parse(persona.created_at) / 1000) || fallbackCreated,
    owned_by: persona.kind === "preset" ? "dramatis" : c.var.principal.tenantId,
    name: persona.name,
    display_name: persona.name,
  };
}

function embeddingModel(id: string, created: number): ModelObject {
  return { id, object: "model", created, owned_by: parseModelId(id).provider, name: id, display_name: id };
}

async function listPersonas(c: Context<AppEnv>, includeGenerated: boolean): Promise<Persona[]> {
  const personas: Persona[] = [];
  let after: string | undefined;
  do {
    const page = await c.var.services.personas.list(personaEditor(c), {
      limit: 200,
      includeGenerated,
      ...(after ? { after } : {}),
    });
    personas.push(...page.items);
    after = page.nextCursor ?? undefined;
  } while (after);
  return personas;
}

/** The model `id` names, as the caller may see it; 404 otherwise. */
async function findModel(c: Context<AppEnv>, id: string): Promise<ModelObject> {
  const now = Math.floor(c.var.services.clock.now().getTime() / 1000);
  const embedding = c.var.services.embeddings.modelId;
  if (embedding !== undefined && id === embedding) return embeddingModel(embedding, now);
  if (id.startsWith(PERSONA_MODEL_PREFIX) && id.length > PERSONA_MODEL_PREFIX.length) {
    try {
      const persona = await c.var.services.personas.get(
        personaEditor(c),
        id.slice(PERSONA_MODEL_PREFIX.length),
      );
      return personaModel(c, persona, now);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  throw new NotFoundError(`the model ${JSON.stringify(id)}`);
}

export function openAIModelRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(modelsRoute, async (c) => {
    const created = Math.floor(c.var.services.clock.now().getTime() / 1000);
    const personas = await listPersonas(c, c.req.valid("query").include_generated === "true");
    const embedding = c.var.services.embeddings.modelId;
    return c.json(
      {
        object: "list" as const,
        data: [
          ...personas.map((persona) => personaModel(c, persona, created)),
          ...(embedding === undefined ? [] : [embeddingModel(embedding, created)]),
        ],
      },
      200,
    );
  });

  // Model ids hold a "/" (persona/psn_…), which a {id} route parameter would not match: the operation is
  // documented as /v1/models/{id} and served by a route whose parameter takes the rest of the path.
  router.openAPIRegistry.registerPath(modelRoute);
  router.get("/v1/models/:id{.+}", async (c) => c.json(await findModel(c, c.req.param("id")), 200));

  return router;
}
