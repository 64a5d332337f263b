import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobHandlers } from "../../src/jobs/job-handlers.ts";
import { InvalidJobPayloadError, readJobPayload } from "../../src/jobs/job-payload.ts";
import type { Job } from "../../src/jobs/job-queue.ts";
import { z } from "zod";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * Job payloads are JSON in the jobs table, written by whatever release queued them: every handler reads
 * its payload through its kind's schema, and one that does not match fails the job with a message naming
 * the job and the field, never a TypeError inside the handler.
 */
function storedJob(kind: string, payload: unknown): Job {
  return {
    id: "job_test",
    tenantId: "ten_default",
    kind,
    payload,
    status: "running",
    result: null,
    error: null,
    attempts: 1,
    maxAttempts: 3,
    crashes: 0,
    idempotencyKey: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: null,
  } as Job;
}

describe("readJobPayload", () => {
  const schema = z.object({ persona_id: z.string(), count: z.number().int() });

  it("returns a payload that matches its schema", () => {
    expect(readJobPayload(storedJob("x", { persona_id: "psn_1", count: 2 }), schema)).toEqual({
      persona_id: "psn_1",
      count: 2,
    });
  });

  it("names the job and every field that does not match", () => {
    const read = () => readJobPayload(storedJob("memory-embedding", { count: "2" }), schema);
    expect(read).toThrow(InvalidJobPayloadError);
    expect(read).toThrow(/job job_test \(memory-embedding\) has an invalid payload: persona_id: .*; count: /);
  });
});

describe("every job handler checks its payload", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app?.close());

  it.each([
    "conversation-reply",
    "memory-embedding",
    "memory-extraction",
    "population-generation",
    "study-run",
    "scheduled-message",
    "sms-inbound",
    "whatsapp-inbound",
    "message-speech",
  ])("%s fails clearly on a payload from nowhere", async (kind) => {
    const handlers = createJobHandlers(app.services);
    expect(Object.keys(handlers)).toContain(kind);
    const context = { signal: new AbortController().signal, publish: async () => {} };
    await expect(handlers[kind]!(storedJob(kind, { unexpected: true }), context)).rejects.toThrow(
      InvalidJobPayloadError,
    );
  });
});
