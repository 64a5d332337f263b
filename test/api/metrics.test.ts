import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/lib/create-logger.ts";
import { startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const PERSONA_NUMBER = "+14155550100";

/** The value of one sample in Prometheus' text format, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics after jobs, model calls and deliveries", () => {
  let app: TestApp;
  let twilio: MockTwilio;
  const lines: Record<string, unknown>[] = [];
  let personaId: string;

  beforeAll(async () => {
    twilio = await startMockTwilio();
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    app = await createTestApp({
      twilio: twilio.settings,
      logger: createLogger({ level: "info", destination }),
    });
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Ada", features: { sms: true } } })
    ).json();
    personaId = persona.id;
    const bound = await app.request(`/v1/personas/${personaId}/phone-numbers`, {
      method: "POST",
      json: { phone_number: PERSONA_NUMBER },
    });
    expect(bound.status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  async function metricsText(): Promise<string> {
    const response = await app.request("/metrics", { key: null });
    expect(response.status).toBe(200);
    return response.text();
  }

  it("counts a model call's latency and tokens by provider and model, and the jobs it queued", async () => {
    const before = await metricsText();
    const conversation = await (
      await app.request("/v1/conversations", { method: "POST", user: "ivy", json: { persona_id: personaId } })
    ).json();
    const sent = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: "ivy",
      json: { content: "Tell me about the sea" },
    });
    expect(sent.status).toBe(200);
    const { usage } = await sent.json();
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    await app.settleJobs("memory-extraction");

    const text = await metricsText();
    const offline = 'provider="offline",model="default"';
    const increase = (series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
    expect(increase(`dramatis_model_call_duration_seconds_count{${offline},operation="generate"}`)).toBe(1);
    // At least the reply's tokens: the memory extraction that follows may call the model too.
    expect(increase(`dramatis_model_tokens_total{${offline},direction="input"}`)).toBeGreaterThanOrEqual(
      usage.input_tokens,
    );
    expect(increase(`dramatis_model_tokens_total{${offline},direction="output"}`)).toBeGreaterThanOrEqual(
      usage.output_tokens,
    );
    expect(sample(text, 'dramatis_jobs_enqueued_total{kind="memory-extraction"}')).toBe(1);
    expect(
      sample(text, 'dramatis_job_duration_seconds_count{kind="memory-extraction",outcome="succeeded"}'),
    ).toBe(1);
    expect(sample(text, 'dramatis_jobs_running{kind="memory-extraction"}')).toBe(0);
  });

  it("counts deliveries by channel and outcome, and logs a failed one with its ids", async () => {
    const started = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "alice",
      json: { phone_number: "+14155550111" },
    });
    expect(started.status).toBe(202);
    twilio.script = [{ status: 400, code: 21211, message: "The 'To' number is not a valid phone number" }];
    const refused = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "bob",
      json: { phone_number: "+14155550122" },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    const text = await metricsText();
    expect(sample(text, 'dramatis_deliveries_total{channel="sms",outcome="sent"}')).toBe(1);
    expect(sample(text, 'dramatis_deliveries_total{channel="sms",outcome="failed"}')).toBe(1);
    const bob = await app.services.store.users.findByExternalId("ten_default", "bob");
    expect(lines.find((line) => line.msg === "delivery failed")).toMatchObject({
      level: 40,
      channel: "sms",
      tenant_id: bob?.tenant_id,
      user_id: bob?.id,
      err: { message: expect.stringContaining("HTTP 400 (code 21211)") },
    });
  });

  it("logs a proactive message a channel failed to deliver, with the channel and the message's ids", async () => {
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Mira",
          initiative: 10,
          active_hours: { start: "00:00", end: "23:59", time_zone: "UTC" },
        },
      })
    ).json();
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "carol",
        json: { persona_id: persona.id },
      })
    ).json();
    await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: "carol",
      json: { content: "My interview is on Thursday." },
    });
    app.services.proactive.onSent("carrier-pigeon", async () => {
      throw new Error("the pigeon flew off");
    });
    await app.services.proactive.plan();
    const carol = await app.services.store.users.findByExternalId("ten_default", "carol");
    const [slot] = await app.services.store.scheduledMessages.list({
      userId: carol!.id,
      personaId: persona.id,
      kind: "good_night",
      statuses: ["pending"],
      limit: 1,
    });
    expect(slot).toBeDefined();
    await app.services.store.db
      .updateTable("scheduled_messages")
      .set({ due_at: app.clock.now().toISOString() })
      .where("id", "=", slot!.id)
      .execute();
    await app.services.proactive.dispatchDue();
    await app.settleJobs("scheduled-message");

    const sent = await app.services.store.scheduledMessages.findById(slot!.id);
    expect(sent?.status).toBe("sent");
    expect(lines.find((line) => line.msg === "delivering a proactive message failed")).toMatchObject({
      level: 50,
      channel: "carrier-pigeon",
      scheduled_message_id: slot!.id,
      tenant_id: slot!.tenant_id,
      persona_id: persona.id,
      conversation_id: conversation.id,
      message_id: sent?.message_id,
      err: { message: "the pigeon flew off" },
    });
  });
});
