/** Rejected input comes back only as a short excerpt, never whole (a 5 MB card spec, a 100 KB key). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("problem documents quote rejected input only briefly", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it("a card importer's rejected 5 MB spec comes back as an excerpt", async () => {
    const spec = "s".repeat(5 * 1024 * 1024);
    const response = await app.request("/v1/personas/import", {
      method: "POST",
      json: { spec, data: { name: "Huge" } },
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(2000);
    expect(text).not.toContain("s".repeat(100));
    expect(JSON.parse(text).errors).toEqual([
      { field: "spec", message: "must be chara_card_v2 or chara_card_v3" },
    ]);
  });

  it("unknown keys and rejected values are named by short excerpts, a long list cut short", async () => {
    const longKey = "k".repeat(100_000);
    const body: Record<string, unknown> = { name: "Keys", [longKey]: 1 };
    for (let index = 0; index < 500; index++) body[`extra_${index}`] = index;
    const response = await app.request("/v1/personas", { method: "POST", json: body });
    expect(response.status).toBe(422);
    const text = await response.text();
    expect(text).not.toContain("k".repeat(100));
    const problem = JSON.parse(text);
    expect(problem.errors.length).toBeLessThanOrEqual(51);
    expect(problem.errors.at(-1).message).toMatch(/^and \d+ more problems$/);
    for (const error of problem.errors) expect([...error.field].length).toBeLessThanOrEqual(80);
    expect(problem.detail.length).toBeLessThanOrEqual(1000);
  });
});
