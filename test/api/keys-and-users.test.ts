import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("API keys", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it("shows a key once, lists it by prefix with last-used time, and revokes it", async () => {
    const created = await app.request("/v1/keys", {
      method: "POST",
      json: { name: "reader", scopes: ["read"] },
    });
    expect(created.status).toBe(201);
    const { key, id, prefix } = await created.json();
    expect(key).toMatch(/^dra_/);
    expect(key.startsWith(prefix)).toBe(true);

    expect((await app.request("/v1/personas", { key })).status).toBe(200);
    expect((await app.request("/v1/personas", { headers: { "x-api-key": key }, key: null })).status).toBe(
      200,
    );
    const listed = (await (await app.request("/v1/keys")).json()).data.find((entry: any) => entry.id === id);
    expect(listed).toMatchObject({ name: "reader", prefix, scopes: ["read"], revoked_at: null });
    expect(listed.last_used_at).toBe(app.clock.now().toISOString());
    expect(JSON.stringify(listed)).not.toContain(key);

    const revoked = await app.request(`/v1/keys/${id}`, { method: "DELETE" });
    expect((await revoked.json()).revoked_at).not.toBeNull();
    const refused = await app.request("/v1/personas", { key });
    expect(refused.status).toBe(401);
    expect((await refused.json()).detail).toMatch(/revoked/);
  });

  it("enforces scopes: read cannot write, write cannot manage keys", async () => {
    const reader = (
      await (await app.request("/v1/keys", { method: "POST", json: { name: "r", scopes: ["read"] } })).json()
    ).key;
    const writer = (
      await (await app.request("/v1/keys", { method: "POST", json: { name: "w", scopes: ["write"] } })).json()
    ).key;
    const write = await app.request("/v1/personas", { method: "POST", key: reader, json: { name: "x" } });
    expect(write.status).toBe(403);
    expect((await write.json()).detail).toMatch(/'write' scope/);
    expect(
      (await app.request("/v1/personas", { method: "POST", key: writer, json: { name: "x" } })).status,
    ).toBe(201);
    expect((await app.request("/v1/personas", { key: writer })).status).toBe(200);
    expect((await app.request("/v1/keys", { key: writer })).status).toBe(403);
    expect(
      (await app.request("/v1/tenants", { method: "POST", key: writer, json: { name: "t" } })).status,
    ).toBe(403);
  });

  it("rejects unknown scopes and malformed authorization headers", async () => {
    const bad = await app.request("/v1/keys", { method: "POST", json: { name: "x", scopes: ["root"] } });
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors[0].field).toBe("scopes.0");
    const malformed = await app.request("/v1/personas", {
      key: null,
      headers: { authorization: "Basic abc" },
    });
    expect(malformed.status).toBe(401);
    expect((await malformed.json()).detail).toMatch(/Bearer/);
  });

  it("lets only the operator tenant create tenants", async () => {
    const other = await (await app.request("/v1/tenants", { method: "POST", json: { name: "Acme" } })).json();
    expect(other.tenant).toMatchObject({ name: "Acme", is_operator: false });
    const again = await app.request("/v1/tenants", {
      method: "POST",
      key: other.admin_key,
      json: { name: "Nested" },
    });
    expect(again.status).toBe(403);
    expect((await (await app.request("/v1/tenant", { key: other.admin_key })).json()).id).toBe(
      other.tenant.id,
    );
  });
});

describe("user personas", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it("creates, lists, edits and switches the active user persona, including back to No Persona", async () => {
    const none = await app.request("/v1/user-personas/active", { user: "u1" });
    expect(none.status).toBe(404);
    const elena = await (
      await app.request("/v1/user-personas", {
        method: "POST",
        user: "u1",
        json: { name: "Elena", description: "a 28-year-old space pirate" },
      })
    ).json();
    const wizard = await (
      await app.request("/v1/user-personas", { method: "POST", user: "u1", json: { name: "Wren" } })
    ).json();
    expect(wizard).toMatchObject({ description: "", avatar_url: null, is_active: false });

    const activated = await app.request(`/v1/user-personas/active/${elena.id}`, {
      method: "PUT",
      user: "u1",
    });
    expect((await activated.json()).is_active).toBe(true);
    await app.request(`/v1/user-personas/active/${wizard.id}`, { method: "PUT", user: "u1" });
    expect((await (await app.request("/v1/user-personas/active", { user: "u1" })).json()).id).toBe(wizard.id);

    const list = await (await app.request("/v1/user-personas", { user: "u1" })).json();
    expect(list.data.map((entry: any) => [entry.name, entry.is_active])).toEqual([
      ["Elena", false],
      ["Wren", true],
    ]);

    const patched = await app.request(`/v1/user-personas/${wizard.id}`, {
      method: "PATCH",
      user: "u1",
      json: { description: "a nervous first-year wizard" },
    });
    expect(await patched.json()).toMatchObject({ name: "Wren", description: "a nervous first-year wizard" });

    const cleared = await app.request("/v1/user-personas/active", { method: "DELETE", user: "u1" });
    expect(await cleared.json()).toEqual({ status: "cleared" });
    expect((await app.request("/v1/user-personas/active", { user: "u1" })).status).toBe(404);
  });

  it("drops the active choice when the active user persona is deleted", async () => {
    const persona = await (
      await app.request("/v1/user-personas", { method: "POST", user: "u2", json: { name: "Temp" } })
    ).json();
    await app.request(`/v1/user-personas/active/${persona.id}`, { method: "PUT", user: "u2" });
    expect(
      (await app.request(`/v1/user-personas/${persona.id}`, { method: "DELETE", user: "u2" })).status,
    ).toBe(204);
    expect((await app.request("/v1/user-personas/active", { user: "u2" })).status).toBe(404);
  });

  it("validates names and avatars", async () => {
    const response = await app.request("/v1/user-personas", {
      method: "POST",
      user: "u3",
      json: { name: "", avatar_url: "not a url" },
    });
    expect(response.status).toBe(422);
    expect((await response.json()).errors.map((error: any) => error.field).sort()).toEqual([
      "avatar_url",
      "name",
    ]);
  });
});

describe("system routes and limits", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ bodyLimitBytes: 2048, importLimitBytes: 4096 });
  });
  afterAll(async () => app.close());

  it("serves health, metrics, the OpenAPI document and the API reference without a key", async () => {
    expect(await (await app.request("/healthz", { key: null })).json()).toEqual({ status: "ok" });
    await app.request("/v1/personas");
    const metrics = await (await app.request("/metrics", { key: null })).text();
    expect(metrics).toContain('dramatis_http_requests_total{method="GET",route="/v1/personas",status="200"}');
    const document = await (await app.request("/openapi.json", { key: null })).json();
    expect(document.openapi).toBe("3.1.0");
    const docs = await app.request("/docs", { key: null });
    expect(await docs.text()).toContain("swagger-ui-bundle.js");
    const bundle = await app.request("/docs/assets/swagger-ui-bundle.js", { key: null });
    expect(bundle.status).toBe(200);
    expect((await app.request("/docs/assets/..%2Fpackage.json", { key: null })).status).toBe(404);
  });

  it("refuses bodies over the limit with 413 and writes nothing", async () => {
    const before = (await (await app.request("/v1/personas?kind=persona")).json()).data.length;
    const response = await app.request("/v1/personas", {
      method: "POST",
      json: { name: "Big", system_message: "x".repeat(4000) },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect((await (await app.request("/v1/personas?kind=persona")).json()).data.length).toBe(before);
    const bigImport = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: new Uint8Array(5000),
    });
    expect(bigImport.status).toBe(413);
  });

  it("answers unknown routes with a problem document", async () => {
    const response = await app.request("/v1/nothing-here");
    expect(response.status).toBe(404);
    expect((await response.json()).detail).toMatch(/no route/);
  });
});
