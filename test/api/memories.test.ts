import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

describe.each(BACKENDS)("memories on $name", (backend) => {
  let app: TestApp;
  let personaId: string;

  beforeAll(async () => {
    app = await createTestApp({ backend });
    personaId = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Mira" } })).json())
      .id;
  });
  afterAll(async () => app.close());

  const url = (suffix = "") => `/v1/personas/${personaId}/memories${suffix}`;

  it("creates, reads, edits and deletes timeline memories, validating fields", async () => {
    const created = await app.request(url(), {
      method: "POST",
      json: {
        facts: "I sailed to the Azores at nineteen.",
        feelings: "free",
        emotion_tags: ["joy"],
        type: "pride",
        strength: 85,
        event_time: "2014-06-01T00:00:00Z",
        sequence: 1,
        metadata: { chapter: 3, nested: { ok: true } },
      },
    });
    expect(created.status).toBe(201);
    const memory = await created.json();
    expect(memory).toMatchObject({
      owner: "timeline",
      user_id: null,
      type: "pride",
      metadata: { chapter: 3, nested: { ok: true } },
    });
    expect(memory.source).toEqual({ kind: "manual" });
    const patched = await (
      await app.request(url(`/${memory.id}`), { method: "PATCH", json: { strength: 90 } })
    ).json();
    expect(patched.strength).toBe(90);
    const bad = await app.request(url(), {
      method: "POST",
      json: { facts: "", strength: 101, type: "weird" },
    });
    expect((await bad.json()).errors.map((error: any) => error.field).sort()).toEqual([
      "facts",
      "strength",
      "type",
    ]);
    const orphan = await app.request(url(), {
      method: "POST",
      json: { facts: "x", type: "revised", revises: "mem_nope" },
    });
    expect((await orphan.json()).errors[0].field).toBe("revises");
    const revision = await app.request(url(), {
      method: "POST",
      json: { facts: "I sailed to Madeira, not the Azores.", type: "revised", revises: memory.id },
    });
    expect(revision.status).toBe(201);
    expect((await app.request(url(`/${memory.id}`), { method: "DELETE" })).status).toBe(204);
    expect((await app.request(url(`/${memory.id}`))).status).toBe(404);
  });

  it("keeps relationship memory to its user, and clears it without touching the timeline", async () => {
    await app.request(url(), {
      method: "POST",
      user: "ana",
      json: { owner: "relationship", facts: "Ana loves sailing." },
    });
    const withoutUser = await app.request(url(), {
      method: "POST",
      json: { owner: "relationship", facts: "Nobody" },
    });
    expect(withoutUser.status).toBe(400);
    const anaList = await (await app.request(url(), { user: "ana" })).json();
    expect(anaList.data.some((memory: any) => memory.facts === "Ana loves sailing.")).toBe(true);
    const bobList = await (await app.request(url(), { user: "bob" })).json();
    expect(bobList.data.some((memory: any) => memory.owner === "relationship")).toBe(false);
    const anaMemory = anaList.data.find((memory: any) => memory.owner === "relationship");
    expect((await app.request(url(`/${anaMemory.id}`), { user: "bob" })).status).toBe(404);
    const timelineBefore = (await (await app.request(url())).json()).data.length;
    const cleared = await (await app.request(url(), { method: "DELETE", user: "ana" })).json();
    expect(cleared.deleted).toBe(1);
    expect((await (await app.request(url())).json()).data.length).toBe(timelineBefore);
  });

  it("imports 10,000 memories with metadata in one JSON Lines request, reporting bad items", async () => {
    const lines = Array.from({ length: 10_000 }, (_, index) =>
      JSON.stringify({
        facts: `Memory number ${index} about ${index % 2 ? "lighthouses" : "harbours"}.`,
        strength: index % 101,
        metadata: { index, source: "bulk" },
      }),
    );
    lines.splice(5, 0, "{not json", JSON.stringify({ facts: "", strength: 3 }));
    const response = await app.request(url("/import"), {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.join("\n"),
    });
    expect(response.status).toBe(200);
    const report = await response.json();
    expect(report.imported).toBe(10_000);
    expect(report.failed).toBe(2);
    expect(report.errors.map((error: any) => [error.index, error.field])).toEqual([
      [5, "(item)"],
      [6, "facts"],
    ]);
    const usage = await (await app.request(url("/usage"))).json();
    expect(usage.used).toBeGreaterThanOrEqual(10_000);
    const exported = await (await app.request(url("/export"))).text();
    const rows = exported
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const sample = rows.find((memory) => memory.metadata?.index === 4242);
    expect(sample).toMatchObject({
      facts: "Memory number 4242 about harbours.",
      metadata: { index: 4242, source: "bulk" },
    });
  });

  it("searches the imported memories, ranked with score parts and metadata intact", async () => {
    const response = await app.request(url("/search"), {
      method: "POST",
      json: { query: "memory number 4243 lighthouses", k: 5 },
    });
    expect(response.status).toBe(200);
    const results = (await response.json()).data;
    expect(results).toHaveLength(5);
    // The best text match has full relevance; the final order also weighs strength and recency.
    const best = results.find(
      (result: any) => result.memory.facts === "Memory number 4243 about lighthouses.",
    );
    expect(best.components.text).toBe(1);
    expect(best.memory.metadata).toEqual({ index: 4243, source: "bulk" });
    expect(Object.keys(results[0].components).sort()).toEqual([
      "importance",
      "recency",
      "relevance",
      "text",
      "vector",
    ]);
    const scores = results.map((result: any) => result.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const past = await app.request(url("/search"), {
      method: "POST",
      json: { query: "lighthouses", as_of: "2000-01-01T00:00:00Z" },
    });
    expect((await past.json()).data).toEqual([]);
    const bad = await app.request(url("/search"), { method: "POST", json: { query: "", k: 0 } });
    expect((await bad.json()).errors.map((error: any) => error.field).sort()).toEqual(["k", "query"]);
  });

  it("puts relevant relationship memory into the reply's prompt", async () => {
    const persona = (
      await (await app.request("/v1/personas", { method: "POST", json: { name: "Kai" } })).json()
    ).id;
    await app.request(`/v1/personas/${persona}/memories`, {
      method: "POST",
      user: "ana",
      json: { owner: "relationship", facts: "The user's name is Ana and she loves sailing.", strength: 80 },
    });
    const conversation = (
      await (
        await app.request("/v1/conversations", { method: "POST", user: "ana", json: { persona_id: persona } })
      ).json()
    ).id;
    const exchange = await (
      await app.request(`/v1/conversations/${conversation}/messages`, {
        method: "POST",
        user: "ana",
        json: { content: "Do you remember what I love doing on the water?" },
      })
    ).json();
    const prompt = await (
      await app.request(`/v1/conversations/${conversation}/messages/${exchange.message.id}/prompt`, {
        user: "ana",
      })
    ).json();
    const memories = prompt.sections.find((section: any) => section.name === "memories");
    expect(memories.text).toContain("sailing");
    expect(memories.tokens).toBeGreaterThan(0);
    expect(exchange.message.content).toContain("sailing");
  });

  it("re-imports its own export into another persona, keeping revision links", async () => {
    const source = (
      await (await app.request("/v1/personas", { method: "POST", json: { name: "Src" } })).json()
    ).id;
    const target = (
      await (await app.request("/v1/personas", { method: "POST", json: { name: "Dst" } })).json()
    ).id;
    const original = await (
      await app.request(`/v1/personas/${source}/memories`, {
        method: "POST",
        json: { facts: "I grew up in Braga." },
      })
    ).json();
    await app.request(`/v1/personas/${source}/memories`, {
      method: "POST",
      json: {
        facts: "I grew up in Guimarães.",
        type: "revised",
        revises: original.id,
        metadata: { why: "fixed" },
      },
    });
    const exported = await (await app.request(`/v1/personas/${source}/memories/export`)).text();
    const report = await (
      await app.request(`/v1/personas/${target}/memories/import`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: exported,
      })
    ).json();
    expect(report).toEqual({ imported: 2, failed: 0, errors: [] });
    const copied = (await (await app.request(`/v1/personas/${target}/memories`)).json()).data;
    const copiedOriginal = copied.find((memory: any) => memory.facts === "I grew up in Braga.");
    const copiedRevision = copied.find((memory: any) => memory.type === "revised");
    expect(copiedRevision).toMatchObject({ revises: copiedOriginal.id, metadata: { why: "fixed" } });
  });

  it("imports a JSON array and rejects a body that is neither", async () => {
    const ok = await app.request(url("/import"), {
      method: "POST",
      json: [{ facts: "One" }, { facts: "Two" }],
    });
    expect((await ok.json()).imported).toBe(2);
    const bad = await app.request(url("/import"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"facts": "not an array"}',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/JSON array/);
  });
});
