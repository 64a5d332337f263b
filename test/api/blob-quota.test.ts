import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const MEGABYTE = 1024 * 1024;

/** A V3 card whose one asset is `size` bytes, inline as a data: URI (stored as a blob on import). */
function cardWithAsset(name: string, size: number) {
  const bytes = Buffer.alloc(size, name);
  return {
    spec: "chara_card_v3",
    spec_version: "3.0",
    data: {
      name,
      description: "",
      personality: "",
      scenario: "",
      first_mes: "Hello.",
      mes_example: "",
      creator_notes: "",
      system_prompt: "",
      post_history_instructions: "",
      alternate_greetings: [],
      group_only_greetings: [],
      tags: [],
      creator: "",
      character_version: "1",
      extensions: {},
      assets: [
        {
          type: "x-risu-page",
          uri: `data:application/octet-stream;base64,${bytes.toString("base64")}`,
          name: "page",
          ext: "bin",
        },
      ],
    },
  };
}

describe.each(BACKENDS)("a tenant's storage quota over HTTP ($name)", (backend) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp({ backend, blobQuotaBytes: MEGABYTE });
  });
  afterAll(async () => app.close());

  const countBlobs = async () => (await app.database.db.selectFrom("blobs").select("id").execute()).length;

  it("answers an upload that would pass the quota with a 413 naming it, and keeps nothing of it", async () => {
    const first = await app.request("/v1/personas/import", {
      method: "POST",
      json: cardWithAsset("First", 600 * 1024),
    });
    expect(first.status).toBe(201);
    const blobsBefore = await countBlobs();

    const refused = await app.request("/v1/personas/import", {
      method: "POST",
      json: cardWithAsset("Second", 600 * 1024),
    });
    expect(refused.status).toBe(413);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await refused.json()).detail).toMatch(/storage quota of 1 MB is used up/);
    expect(await countBlobs()).toBe(blobsBefore);
    const personas = await app.database.db.selectFrom("personas").select("name").execute();
    expect(personas.map((persona) => persona.name)).not.toContain("Second");

    // Deleting makes room again.
    const { persona } = await first.json();
    expect((await app.request(`/v1/personas/${persona.id}`, { method: "DELETE" })).status).toBe(204);
    const again = await app.request("/v1/personas/import", {
      method: "POST",
      json: cardWithAsset("Second", 600 * 1024),
    });
    expect(again.status).toBe(201);
  });
});
