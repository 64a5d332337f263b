import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { BadRequestError, fieldErrorsFromIssues } from "../../errors/app-error.ts";
import { MAXIMUM_EMBEDDING_INPUTS } from "../../services/embedding-service.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser } from "../auth.ts";
import { jsonBody, jsonContent } from "../openapi-common.ts";

/*
 * OpenAI's /v1/embeddings, wire format only: the EmbeddingService embeds with the server's embedding model.
 * Errors are OpenAI-shaped (problem.ts) and, as OpenAI's, invalid requests are 400 naming the parameter.
 */

const embeddingRequestSchema = z
  .looseObject({
    model: z.string().min(1).openapi({ example: "offline/default" }),
    input: z
      .union([
        z.string(),
        z.array(z.string()),
        // Token arrays are OpenAI's too; they are refused with a clear 400 (this server embeds text).
        z.array(z.number().int()),
        z.array(z.array(z.number().int())),
      ])
      .openapi({
        description: `A text or up to ${MAXIMUM_EMBEDDING_INPUTS} texts, none empty (token arrays are not supported)`,
      }),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.number().int().min(1).optional(),
    user: z.string().max(200).optional().openapi({
      description: "The end user the call is recorded for, for API-key requests (else X-Dramatis-User)",
    }),
  })
  .openapi("EmbeddingRequest");

const embeddingResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]).openapi({
          description: "Numbers, or with encoding_format base64 the little-endian float32 bytes in base64",
        }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi("EmbeddingList");

const embeddingsRoute = createRoute({
  method: "post",
  path: "/v1/embeddings",
  tags: ["OpenAI-compatible"],
  summary: "Embeds texts with the server's embedding model, in OpenAI's format",
  description:
    "The model is the embedding model GET /v1/models lists (its id, or its name without the provider); " +
    "404 (model_not_found) for another, or when the server has none (DRAMATIS_EMBEDDING_MODEL).",
  request: { body: jsonBody(embeddingRequestSchema) },
  responses: {
    200: jsonContent(embeddingResponseSchema, "One embedding per input, in order"),
  },
});

/** The vector as OpenAI's base64 encoding: its float32 values' little-endian bytes. */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString("base64");
}

/** The texts of `input`; token arrays are refused by name. */
function textsOf(input: z.infer<typeof embeddingRequestSchema>["input"]): string[] {
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "string")) return input;
  throw new BadRequestError(
    "input: token arrays are not supported on this server; send a string or an array of strings",
    [{ field: "input", message: "token arrays are not supported" }],
  );
}

export function openAIEmbeddingRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(
    embeddingsRoute,
    async (c) => {
      const body = c.req.valid("json");
      const user = await optionalUser(c, body.user);
      const result = await c.var.services.embeddings.embed(c.var.principal.tenantId, {
        model: body.model,
        input: textsOf(body.input),
        dimensions: body.dimensions,
        userId: user?.id,
      });
      const base64 = body.encoding_format === "base64";
      return c.json(
        {
          object: "list" as const,
          data: result.embeddings.map((vector, index) => ({
            object: "embedding" as const,
            index,
            embedding: base64 ? toBase64(vector) : Array.from(vector),
          })),
          model: result.model,
          usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
        },
        200,
      );
    },
    // OpenAI answers a malformed request with 400 naming the parameter (not 422).
    (result) => {
      if (result.success) return undefined;
      const errors = fieldErrorsFromIssues(result.error.issues);
      throw new BadRequestError(errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
    },
  );

  return router;
}
