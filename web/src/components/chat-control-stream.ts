/**
 * Regenerate and continue, streamed. The SDK's streamReply covers only sending a message, so these read
 * the same server-sent events (message-start, message-delta, message-end, error) from their own routes.
 */
import { streamEvents } from "@dramatis/sdk";
import { client, problemError, type Schema } from "../lib/api.ts";

/** What a regenerate or continue streams: the reply's id, its new text as it comes, then the reply. */
export type ControlEvent =
  | { type: "start"; messageId: string }
  | { type: "delta"; text: string }
  | { type: "end"; reply: Schema<"Reply"> };

/** `regenerate` answers the turn of `messageId` again; `continue` extends the latest reply. */
export type ControlRequest =
  | { kind: "regenerate"; conversationId: string; messageId: string }
  | { kind: "continue"; conversationId: string };

function open(request: ControlRequest, signal: AbortSignal) {
  const options = {
    body: { stream: true },
    headers: { accept: "text/event-stream" },
    parseAs: "stream" as const,
    signal,
  };
  return request.kind === "regenerate"
    ? client.POST("/v1/conversations/{id}/messages/{messageId}/regenerate", {
        ...options,
        params: { path: { id: request.conversationId, messageId: request.messageId } },
      })
    : client.POST("/v1/conversations/{id}/continue", {
        ...options,
        params: { path: { id: request.conversationId } },
      });
}

/** Yields the control's events; an `error` event (the model failed mid-stream) throws like a failed request. */
export async function* streamControl(
  request: ControlRequest,
  signal: AbortSignal,
): AsyncGenerator<ControlEvent> {
  for await (const event of streamEvents(open(request, signal))) {
    const data = JSON.parse(event.data);
    if (event.event === "error") throw problemError(data, 500, "Internal Server Error");
    if (event.event === "message-start") yield { type: "start", messageId: data.message_id };
    else if (event.event === "message-delta") yield { type: "delta", text: data.text };
    else if (event.event === "message-end") yield { type: "end", reply: data };
  }
}
