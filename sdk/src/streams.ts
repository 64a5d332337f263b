import { streamEvents, type DramatisClient } from "./client.ts";
import { problemError } from "./problem.ts";
import type { components } from "./schema.ts";

/*
 * The API's event streams, typed. OpenAPI describes a text/event-stream body only as a string, so each
 * stream's events are named here, next to the route that writes them (src/http/routes).
 */

type Schemas = components["schemas"];

/** A streamed reply: the stored user message, the reply's text as it comes, then the whole exchange. */
export type ReplyEvent =
  | { type: "message-start"; user_message: Schemas["Message"]; message_id: string }
  | { type: "message-delta"; text: string }
  | { type: "message-end"; exchange: Schemas["Exchange"] };

/** A job's status whenever it changes, and the progress events its handler reports. */
export type JobEvent =
  { type: "status"; job: Schemas["Job"] } | { type: "progress"; name: string; data: Record<string, unknown> };

/** The inbox: a new message (with the id to resume from) or the unread count. */
export type InboxEvent =
  { type: "message"; id: string | undefined; item: Schemas["InboxItem"] } | { type: "unread"; count: number };

interface StreamOptions {
  signal?: AbortSignal;
}

/**
 * Sends a message and yields the reply as it streams. A failure after the stream began (the `error`
 * event) throws DramatisApiError, like a failure before it.
 */
export async function* streamReply(
  client: DramatisClient,
  conversationId: string,
  body: {
    content: string;
    user_persona_id?: string | null;
    recording_id?: string;
    attachment_ids?: string[];
  },
  options: StreamOptions = {},
): AsyncGenerator<ReplyEvent> {
  const events = streamEvents(
    client.POST("/v1/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { ...body, stream: true },
      headers: { accept: "text/event-stream" },
      parseAs: "stream",
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  for await (const event of events) {
    const data = JSON.parse(event.data);
    if (event.event === "error") throw problemError(data, 500, "Internal Server Error");
    if (event.event === "message-start") yield { type: "message-start", ...data };
    else if (event.event === "message-delta") yield { type: "message-delta", text: data.text };
    else if (event.event === "message-end") yield { type: "message-end", exchange: data };
  }
}

/** A job's events until it ends (succeeded, failed or cancelled). */
export async function* watchJob(
  client: DramatisClient,
  jobId: string,
  options: StreamOptions & { user?: string } = {},
): AsyncGenerator<JobEvent> {
  const events = streamEvents(
    client.GET("/v1/jobs/{id}/events", {
      params: { path: { id: jobId } },
      parseAs: "stream",
      ...(options.user !== undefined ? { headers: { "x-dramatis-user": options.user } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  for await (const event of events) {
    const data = JSON.parse(event.data);
    if (event.event === "status") yield { type: "status", job: data.job };
    else yield { type: "progress", name: event.event, data };
  }
}

/** A study as it runs: a snapshot whenever it changes, ending once it is no longer running. */
export async function* watchStudy(
  client: DramatisClient,
  studyId: string,
  options: StreamOptions = {},
): AsyncGenerator<Schemas["Study"]> {
  const events = streamEvents(
    client.GET("/v1/studies/{id}/events", {
      params: { path: { id: studyId } },
      parseAs: "stream",
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  for await (const event of events) {
    if (event.event === "progress") yield (JSON.parse(event.data) as { study: Schemas["Study"] }).study;
  }
}

/** The signed-in user's inbox as it changes; `lastEventId` resumes after a dropped connection. */
export async function* watchInbox(
  client: DramatisClient,
  options: StreamOptions & { lastEventId?: string } = {},
): AsyncGenerator<InboxEvent> {
  const events = streamEvents(
    client.GET("/v1/inbox/events", {
      parseAs: "stream",
      ...(options.lastEventId ? { headers: { "last-event-id": options.lastEventId } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
  for await (const event of events) {
    const data = JSON.parse(event.data);
    if (event.event === "message") yield { type: "message", id: event.id, item: data };
    else if (event.event === "unread") yield { type: "unread", count: data.count };
  }
}
