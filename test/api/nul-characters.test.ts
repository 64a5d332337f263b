import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * Found by the fuzz suite: a NUL character (U+0000) in a path id, a query parameter or a body string was
 * a 500 on PostgreSQL, which refuses it in text. It is the caller's bad input: a 4xx problem document.
 */
describe.each(BACKENDS)("NUL characters in input on $name", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ backend });
  });
  afterAll(async () => app.close());

  async function expectClientError(response: Awaited<ReturnType<TestApp["request"]>>) {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await response.json();
    expect(problem.status).toBe(response.status);
    if (backend.name === "postgres" && response.status === 400) expect(problem.detail).toMatch(/NUL/);
  }

  it("refuses a NUL in a path id, a query parameter and a body id with a 4xx", async () => {
    await expectClientError(await app.request("/v1/personas/%00"));
    await expectClientError(await app.request("/v1/jobs/a%00b", { user: "alice" }));
    const page = await app.request("/v1/skills?after=%00");
    // A cursor nothing follows: an empty page on SQLite, refused input on PostgreSQL.
    if (page.status === 200) expect((await page.json()).data).toEqual([]);
    else await expectClientError(page);
    await expectClientError(
      await app.request("/v1/conversations", {
        method: "POST",
        user: "alice",
        json: { persona_id: "\u0000" },
      }),
    );
  });

  it("answers a NUL inside a stored text field with a success or a 4xx, never a 500", async () => {
    const response = await app.request("/v1/personas", { method: "POST", json: { name: "a\u0000b" } });
    if (response.status !== 201) await expectClientError(response);
  });
});
