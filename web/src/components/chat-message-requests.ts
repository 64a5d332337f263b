/** The chat controls that answer at once (no generation): choose an alternative, edit, delete, rename. */
import { client, unwrap, type Schema } from "../lib/api.ts";

type Message = Schema<"Message">;

/** Shows alternative `index` of `messageId`'s turn; answers the message now shown. */
export function chooseAlternative(
  conversationId: string,
  messageId: string,
  index: number,
): Promise<Message> {
  return unwrap(
    client.PATCH("/v1/conversations/{id}/messages/{messageId}", {
      params: { path: { id: conversationId, messageId } },
      body: { chosen_alternative: index },
    }),
  );
}

export function editMessage(conversationId: string, messageId: string, content: string): Promise<Message> {
  return unwrap(
    client.PATCH("/v1/conversations/{id}/messages/{messageId}", {
      params: { path: { id: conversationId, messageId } },
      body: { content },
    }),
  );
}

/** A shown reply goes with all its alternatives. */
export async function deleteMessage(conversationId: string, messageId: string): Promise<void> {
  await unwrap(
    client.DELETE("/v1/conversations/{id}/messages/{messageId}", {
      params: { path: { id: conversationId, messageId } },
    }),
  );
}

export function renameConversation(conversationId: string, title: string): Promise<Schema<"Conversation">> {
  return unwrap(
    client.PATCH("/v1/conversations/{id}", { params: { path: { id: conversationId } }, body: { title } }),
  );
}
