import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

const seed = {
  name: "Linda Morales",
  age: 47,
  location: "Dayton, Ohio",
  occupation: "nurse",
  seed: 7,
  reference_date: "2026-06-01T00:00:00Z",
};

describe("persona generation and consistency", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  const generate = async (body: Record<string, unknown>) => {
    const response = await app.request("/v1/personas/generate", { method: "POST", json: body });
    expect(response.status).toBe(201);
    return response.json();
  };

  it("generates a deterministic draft persona with a typed timeline that passes its own check", async () => {
    const first = await generate(seed);
    const again = await generate(seed);
    const other = await generate({ ...seed, seed: 8 });
    expect(first.persona).toMatchObject({
      name: "Linda Morales",
      production_version: null,
      identity: { age: 47 },
    });
    expect(first.persona.identity.summary.length).toBeGreaterThan(20);
    expect(first.persona.system_message).toMatch(/nurs/i);
    expect(first.timeline.length).toBeGreaterThanOrEqual(8);
    const facts = (generated: any) => generated.timeline.map((memory: any) => memory.facts);
    expect(facts(again)).toEqual(facts(first));
    expect(again.persona.personality).toBe(first.persona.personality);
    expect(facts(other)).not.toEqual(facts(first));
    const types = new Set(first.timeline.map((memory: any) => memory.type));
    expect(types.has("pride") && types.has("shame")).toBe(true);
    const stored = await (await app.request(`/v1/personas/${first.persona.id}/memories?limit=200`)).json();
    expect(stored.data).toHaveLength(first.timeline.length);

    const report = await (
      await app.request(`/v1/personas/${first.persona.id}/consistency`, { method: "POST" })
    ).json();
    expect(report).toMatchObject({ persona_id: first.persona.id, judged_by: "rules", findings: [] });
    expect(report.checked).toBe(first.timeline.length);
  });

  it("reports a planted contradiction and a planted backwards date with their memory ids", async () => {
    const { persona, timeline } = await generate({ ...seed, seed: "plant" });
    const memories = `/v1/personas/${persona.id}/memories`;
    const last = timeline.reduce((latest: any, memory: any) =>
      memory.sequence > latest.sequence ? memory : latest,
    );
    const backwards = await (
      await app.request(memories, {
        method: "POST",
        json: {
          facts: "I started a new job.",
          sequence: last.sequence + 1,
          event_time: "1990-01-01T00:00:00Z",
        },
      })
    ).json();
    const born = await (
      await app.request(memories, { method: "POST", json: { facts: "I was born in Lisbon." } })
    ).json();
    const bornAgain = await (
      await app.request(memories, { method: "POST", json: { facts: "I was born in Porto." } })
    ).json();

    const report = await (
      await app.request(`/v1/personas/${persona.id}/consistency`, { method: "POST" })
    ).json();
    const timeOrder = report.findings.find((finding: any) => finding.kind === "time_order");
    expect(timeOrder.memory_ids).toContain(backwards.id);
    expect(timeOrder.memory_ids).toContain(last.id);
    const contradiction = report.findings.find((finding: any) => finding.kind === "contradiction");
    expect(contradiction.memory_ids.sort()).toEqual([born.id, bornAgain.id].sort());

    // A revision that corrects the birthplace settles the contradiction.
    await app.request(memories, {
      method: "POST",
      json: { facts: "I was born in Porto, not Lisbon.", type: "revised", revises: born.id },
    });
    const settled = await (
      await app.request(`/v1/personas/${persona.id}/consistency`, { method: "POST" })
    ).json();
    expect(settled.findings.some((finding: any) => finding.kind === "contradiction")).toBe(false);
  });

  it("validates the seed", async () => {
    const response = await app.request("/v1/personas/generate", {
      method: "POST",
      json: { name: "X", age: 2 },
    });
    expect(response.status).toBe(422);
    expect((await response.json()).errors.map((error: any) => error.field).sort()).toEqual([
      "age",
      "location",
      "occupation",
    ]);
  });
});
