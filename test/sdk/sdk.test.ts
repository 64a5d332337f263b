import {
  DramatisApiError,
  streamEvents,
  streamReply,
  unwrap,
  watchJob,
  type ReplyEvent,
  type Schema,
} from "@dramatis/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("@dramatis/sdk against the real app", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  it("creates, reads and edits a persona with typed calls", async () => {
    const client = app.client();
    const created: Schema<"Persona"> = await unwrap(
      client.POST("/v1/personas", { body: { name: "Ada", personality: "curious" } }),
    );
    expect(created.name).toBe("Ada");
    const read = await unwrap(client.GET("/v1/personas/{id}", { params: { path: { id: created.id } } }));
    expect(read.personality).toBe("curious");
    const edited = await unwrap(
      client.PATCH("/v1/personas/{id}", { params: { path: { id: created.id } }, body: { name: "Ada L." } }),
    );
    expect(edited.name).toBe("Ada L.");
  });

  it("turns a problem document into a DramatisApiError naming the field", async () => {
    const client = app.client();
    const failure = await unwrap(client.POST("/v1/personas", { body: { name: "" } })).catch((error) => error);
    expect(failure).toBeInstanceOf(DramatisApiError);
    expect(failure.status).toBe(422);
    expect(failure.errors.length).toBeGreaterThan(0);
    expect(failure.describe()).toMatch(/name/);
  });

  it("hides another tenant's data as 404 and sends no key when told", async () => {
    const anonymous = app.client({ key: null });
    const unauthorized = await unwrap(anonymous.GET("/v1/personas")).catch((error) => error);
    expect(unauthorized).toBeInstanceOf(DramatisApiError);
    expect(unauthorized.status).toBe(401);
    const missing = await unwrap(
      app.client().GET("/v1/personas/{id}", { params: { path: { id: "per_missing" } } }),
    ).catch((error) => error);
    expect(missing.status).toBe(404);
  });

  it("streams a reply's events and a job's events", async () => {
    const client = app.client({ user: "sdk-user" });
    const persona = await unwrap(client.POST("/v1/personas", { body: { name: "Streamer" } }));
    const conversation = await unwrap(client.POST("/v1/conversations", { body: { persona_id: persona.id } }));
    const names: string[] = [];
    for await (const event of streamEvents(
      client.POST("/v1/conversations/{id}/messages", {
        params: { path: { id: conversation.id } },
        body: { content: "Hello there", stream: true },
        parseAs: "stream",
      }),
    )) {
      names.push(event.event);
    }
    expect(names[0]).toBe("message-start");
    expect(names).toContain("message-delta");
    expect(names.at(-1)).toBe("message-end");

    const accepted = await unwrap(
      client.POST("/v1/conversations/{id}/messages", {
        params: { path: { id: conversation.id } },
        body: { content: "Again", mode: "async" },
      }),
    );
    const job = "job" in accepted ? accepted.job : undefined;
    expect(job?.id).toBeTruthy();
    const replies: ReplyEvent[] = [];
    for await (const event of streamReply(client, conversation.id, { content: "Typed, please" })) {
      replies.push(event);
    }
    const end = replies.at(-1);
    expect(end?.type === "message-end" && end.exchange.message.content.length).toBeGreaterThan(0);
    const deltas = replies.flatMap((event) => (event.type === "message-delta" ? [event.text] : []));
    expect(end?.type === "message-end" && end.exchange.message.content).toBe(deltas.join(""));

    const watched: string[] = [];
    for await (const event of watchJob(client, job!.id)) {
      if (event.type === "status") watched.push(event.job.status);
    }
    expect(watched.at(-1)).toBe("succeeded");

    const statuses: string[] = [];
    for await (const event of streamEvents(
      client.GET("/v1/jobs/{id}/events", { params: { path: { id: job!.id } }, parseAs: "stream" }),
    )) {
      if (event.event === "status") statuses.push(JSON.parse(event.data).job.status);
    }
    expect(statuses.at(-1)).toBe("succeeded");
  });
});
