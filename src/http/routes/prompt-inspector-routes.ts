import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { PROMPT_SECTION_NAMES } from "../../domain/prompt-sections.ts";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth.ts";
import { jsonContent, problemResponses, userHeaderSchema } from "../openapi-common.ts";
import { messageParamsSchema } from "../schemas/conversation-schemas.ts";

/* The prompt inspector: the exact prompt a reply was written from. Mounted after chat-control-routes.ts. */

const promptSchema = z
  .object({
    message_id: z.string(),
    model: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    sections: z.array(
      z.object({
        name: z.enum(PROMPT_SECTION_NAMES),
        text: z.string(),
        tokens: z.number(),
        detail: z.string().optional(),
      }),
    ),
    messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })),
    warnings: z.array(z.string()),
    total_tokens: z.number(),
    created_at: z.string(),
  })
  .openapi("PromptRecord");

const tags = ["Conversations"];
const headers = userHeaderSchema;

const promptRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages/{messageId}/prompt",
  tags,
  summary: "Prompt inspector: the exact prompt that produced a reply, by section, with token counts",
  request: { headers, params: messageParamsSchema },
  responses: { 200: jsonContent(promptSchema, "The prompt"), ...problemResponses(404) },
});

export function promptInspectorRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.conversations;

  router.openapi(promptRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    return c.json(await service(c).getPrompt(await requireUser(c), id, messageId), 200);
  });

  return router;
}
