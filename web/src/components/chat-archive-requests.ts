/** Conversations as a whole: branch from a message, search messages, export and import files. */
import { client, unwrap, type Schema } from "../lib/api.ts";

type Conversation = Schema<"Conversation">;
export type ExportFormat = "sillytavern" | "dramatis";

/** A new conversation copying this one up to and including `messageId`. */
export function branchConversation(conversationId: string, messageId: string): Promise<Conversation> {
  return unwrap(
    client.POST("/v1/conversations/{id}/branch", {
      params: { path: { id: conversationId } },
      body: { message_id: messageId },
    }),
  );
}

export function searchMessages(query: string, signal?: AbortSignal): Promise<Schema<"MessageSearchPage">> {
  return unwrap(
    client.GET("/v1/conversations/search", { params: { query: { q: query, limit: 20 } }, signal }),
  );
}

function fileNameFrom(response: Response, fallback: string): string {
  const match = /filename="?([^";]+)"?/i.exec(response.headers.get("content-disposition") ?? "");
  return match?.[1] ?? fallback;
}

/** Fetches the export with the session and hands it to the browser as a download. */
export async function downloadConversation(conversationId: string, format: ExportFormat): Promise<void> {
  const request = client.GET("/v1/conversations/{id}/export", {
    params: { path: { id: conversationId }, query: { format } },
    parseAs: "blob",
  });
  const { response } = await request;
  const blob = await unwrap(request);
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = fileNameFrom(response, format === "sillytavern" ? "chat.jsonl" : "chat.dramatis.json");
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Sends a chat file as it is: a Dramatis export (JSON) or a SillyTavern chat (JSONL, which names its
 * character by name only, so `personaId` says who the conversation is with).
 */
export async function importConversation(file: File, personaId: string | undefined) {
  const text = await file.text();
  const isJson = file.name.toLowerCase().endsWith(".json") && !file.name.toLowerCase().endsWith(".jsonl");
  return unwrap(
    client.POST("/v1/conversations/import", {
      params: { query: { persona_id: personaId || undefined } },
      // The typed body is the Dramatis document; the file's text goes as it is, with its own media type.
      body: text as unknown as Schema<"ConversationExport">,
      bodySerializer: (body: unknown) => body as string,
      headers: { "content-type": isJson ? "application/json" : "application/jsonl" },
    }),
  );
}
