import type { Context } from "hono";
import type { UserRow } from "../store/schema.ts";
import type { AppEnv } from "./app-env.ts";
import { personaEditor } from "./auth.ts";

/**
 * Resolves the conversation before any stream starts (a wrong id is a plain 404, not an event), and 404s
 * when its persona was made private by another member since: it answers no more.
 */
export async function assertPersonaAnswers(
  c: Context<AppEnv>,
  user: UserRow,
  conversationId: string,
): Promise<void> {
  const conversation = await c.var.services.conversations.get(user, conversationId);
  await c.var.services.personas.assertNotHidden(personaEditor(c), conversation.persona_id);
}
