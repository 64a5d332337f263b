/**
 * The chat screen's reads: every page of a list (conversations, personas, user personas, messages),
 * through the SDK client, aborted by TanStack Query's signal when nobody needs the answer any more.
 */
import { client, unwrap, type Schema } from "../lib/api.ts";

/** Most pages a list loader follows (200 items each). */
const MAX_PAGES = 20;

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

async function allPages<T>(loadPage: (after: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await loadPage(after);
    items.push(...result.data);
    if (!result.next_cursor) break;
    after = result.next_cursor;
  }
  return items;
}

/** The user's conversations, most recently active first. */
export async function loadConversations(signal?: AbortSignal): Promise<Schema<"Conversation">[]> {
  const conversations = await allPages((after) =>
    unwrap(client.GET("/v1/conversations", { params: { query: { limit: 200, after } }, signal })),
  );
  return conversations.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

/** The user's most recently active conversation with a persona, if any. */
export async function latestConversationWith(
  personaId: string,
  signal?: AbortSignal,
): Promise<Schema<"Conversation"> | undefined> {
  const conversations = await allPages((after) =>
    unwrap(
      client.GET("/v1/conversations", {
        params: { query: { limit: 200, after, persona_id: personaId } },
        signal,
      }),
    ),
  );
  return conversations.sort((a, b) => b.updated_at.localeCompare(a.updated_at))[0];
}

/** Personas and presets whose name contains `text` (the server searches), by name. */
export async function searchPersonas(text: string, signal?: AbortSignal): Promise<Schema<"Persona">[]> {
  const page = await unwrap(
    client.GET("/v1/personas", { params: { query: { q: text, limit: 50 } }, signal }),
  );
  return page.data.sort((a, b) => a.name.localeCompare(b.name));
}

/** The tenant's personas and presets, by name. */
export async function loadPersonas(signal?: AbortSignal): Promise<Schema<"Persona">[]> {
  const personas = await allPages((after) =>
    unwrap(client.GET("/v1/personas", { params: { query: { limit: 200, after } }, signal })),
  );
  return personas.sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadUserPersonas(signal?: AbortSignal): Promise<Schema<"UserPersona">[]> {
  return allPages((after) =>
    unwrap(client.GET("/v1/user-personas", { params: { query: { limit: 200, after } }, signal })),
  );
}

/** Every message of a conversation, in order. */
export async function loadMessages(
  conversationId: string,
  signal?: AbortSignal,
): Promise<Schema<"Message">[]> {
  const messages: Schema<"Message">[] = [];
  let afterSequence: number | undefined;
  for (let page = 0; page < MAX_PAGES * 5; page++) {
    const result = await unwrap(
      client.GET("/v1/conversations/{id}/messages", {
        params: { path: { id: conversationId }, query: { limit: 200, after_sequence: afterSequence } },
        signal,
      }),
    );
    messages.push(...result.data);
    if (result.next_sequence === null) break;
    afterSequence = result.next_sequence;
  }
  return messages;
}

/**
 * Starts a conversation on the web channel; it opens with the persona's greeting when it has one
 * (`greeting`: 0 the first message, n its n-th alternate greeting).
 */
export async function createConversation(
  personaId: string,
  greeting = 0,
): Promise<Schema<"ConversationCreated">> {
  return unwrap(
    client.POST("/v1/conversations", { body: { persona_id: personaId, channel: "web", greeting } }),
  );
}
