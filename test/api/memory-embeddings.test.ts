import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("semantic memory search with an embedding model", () => {
  let app: TestApp;
  let personaId: string;

  beforeAll(async () => {
    app = await createTestApp({ embeddingModel: "offline/default" });
    personaId = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Vee" } })).json())
      .id;
  });
  afterAll(async () => app.close());

  it("embeds memories in the background and ranks with vector similarity as well as text", async () => {
    const facts = [
      "I kept bees on the roof for years.",
      "My brother taught me to sail.",
      "I hate loud trains.",
    ];
    await app.request(`/v1/personas/${personaId}/memories/import`, {
      method: "POST",
      json: facts.map((fact) => ({ facts: fact })),
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      const pending = await app.services.store.memories.listUnembedded(personaId, "offline/default", 10);
      if (pending.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await app.services.store.memories.listUnembedded(personaId, "offline/default", 10)).toEqual([]);
    const results = (
      await (
        await app.request(`/v1/personas/${personaId}/memories/search`, {
          method: "POST",
          json: { query: "who taught you sailing", k: 3 },
        })
      ).json()
    ).data;
    expect(results[0].memory.facts).toBe("My brother taught me to sail.");
    expect(results[0].components.vector).toBe(1);
    expect(results.every((result: any) => result.components.vector !== null)).toBe(true);

    // An edit drops the stale vector and embeds the new text.
    const bees = results.find((result: any) => result.memory.facts.includes("bees")).memory;
    await app.request(`/v1/personas/${personaId}/memories/${bees.id}`, {
      method: "PATCH",
      json: { facts: "I kept goats." },
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      if ((await app.services.store.memories.listUnembedded(personaId, "offline/default", 10)).length === 0)
        break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const goats = (
      await (
        await app.request(`/v1/personas/${personaId}/memories/search`, {
          method: "POST",
          json: { query: "goats", k: 1 },
        })
      ).json()
    ).data;
    expect(goats[0].memory.facts).toBe("I kept goats.");
  });
});
