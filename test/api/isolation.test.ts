import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";
import {
  ALICE_PHONE,
  ALICE_WHATSAPP,
  TENANT_A,
  createOwnedTenant,
  snapshotTenant,
  type Operation,
  type OwnedTenant,
} from "./owned-tenant.ts";

/**
 * Walks every route in the OpenAPI document and proves that another tenant's key, another user's header
 * and no key at all reach nothing: 404 or 401, and not one row of the owner changed.
 */

describe("tenant and user isolation across every route", () => {
  let app: TestApp;
  let operations: Operation[];
  let otherTenantKey: string;
  let tenant: OwnedTenant;
  let owned: OwnedTenant["owned"];
  const fillPath = (path: string) => tenant.fillPath(path);
  const validBody = (method: string, path: string) => tenant.validBody(method, path);
  const bodyText: OwnedTenant["bodyText"] = (path, response) => tenant.bodyText(path, response);
  const dataCarryingResponse = (text: string) => tenant.dataCarryingResponse(text);

  beforeAll(async () => {
    // The owned provider points at a closed loopback port: allow-listed, as an operator would a local server.
    app = await createTestApp({ outboundAllow: "127.0.0.1:9" });
    tenant = await createOwnedTenant(app);
    ({ operations, otherTenantKey, owned } = tenant);
  });
  afterAll(async () => app.close());

  it("covers the routes the issues promise", () => {
    const paths = new Set(operations.map((operation) => operation.path));
    for (const path of [
      "/v1/personas",
      "/v1/personas/{id}",
      "/v1/personas/join",
      "/v1/personas/import",
      "/v1/personas/{id}/export",
      "/v1/user-personas",
      "/v1/keys",
      "/v1/conversations/{id}/messages",
      "/v1/conversations/{id}/messages/{messageId}/prompt",
    ]) {
      expect(paths).toContain(path);
    }
  });

  /**
   * Routes whose path parameter names no tenant's object (the server's voice catalogue), or is itself the
   * credential (a signed media link opens for whoever holds it, as Twilio does when it fetches an MMS).
   */
  const serverWide = (path: string) =>
    path.startsWith("/v1/voices/") ||
    path.startsWith("/v1/media-links/") ||
    path.startsWith("/v1/media/art-styles/");

  it("lets the owner read every object route the others are refused (so the 404s mean something)", async () => {
    for (const operation of operations.filter((op) => op.method === "GET" && op.path.includes("{"))) {
      // A call's audio stream is a WebSocket: a plain GET is told to upgrade (426), the owner included.
      if (operation.path.endsWith("/stream")) continue;
      const response = await app.request(fillPath(operation.path), { user: "alice" });
      expect(response.status, `${operation.method} ${operation.path}`).toBe(200);
    }
  });

  it("answers 401 to every authenticated route without a key, changing nothing", async () => {
    const before = await snapshotTenant(app.services.store, TENANT_A);
    for (const operation of operations.filter(
      (op) => !(Array.isArray(op.security) && op.security.length === 0),
    )) {
      const response = await app.request(fillPath(operation.path), {
        method: operation.method,
        key: null,
        user: "alice",
        json: validBody(operation.method, operation.path),
      });
      expect(response.status, `${operation.method} ${operation.path}`).toBe(401);
      const badKey = await app.request(fillPath(operation.path), {
        method: operation.method,
        key: "dra_notarealkey_0000000000000000000000000000",
        user: "alice",
        json: validBody(operation.method, operation.path),
      });
      expect(badKey.status, `${operation.method} ${operation.path} with an unknown key`).toBe(401);
    }
    expect(await snapshotTenant(app.services.store, TENANT_A)).toBe(before);
  });

  it("answers 404 to another tenant's key for every object route, and lists nothing of the owner", async () => {
    const before = await snapshotTenant(app.services.store, TENANT_A);
    for (const operation of operations.filter((op) => op.path.startsWith("/v1/"))) {
      const response = await app.request(fillPath(operation.path), {
        method: operation.method,
        key: otherTenantKey,
        user: "alice",
        json: validBody(operation.method, operation.path),
      });
      const label = `${operation.method} ${operation.path}`;
      const text = await bodyText(operation.path, response);
      if (operation.path.includes("{") && !serverWide(operation.path)) {
        expect(response.status, label).toBe(404);
      } else {
        expect(response.status, label).toBeLessThan(500);
        // A refusal may echo the id the caller sent; a success must carry nothing of the owner's. (Join by
        // code is the one sanctioned way across tenants: it returns a copy with a new id.)
        if (response.status < 300) {
          expect(dataCarryingResponse(text), `${label} leaked the owner's data: ${text.slice(0, 200)}`).toBe(
            false,
          );
        } else if (operation.path === "/v1/transcriptions") {
          // The tenant's own transcriber, fed JSON where audio belongs: refused as not audio.
          expect(response.status, `${label}: ${text.slice(0, 200)}`).toBe(400);
        } else if (operation.path.startsWith("/v1/auth/")) {
          // Sign-in endpoints answer a key (or a wrong password or setup token, or setup once done) with 401/403/409.
          expect(response.status, `${label}: ${text.slice(0, 200)}`).toBeOneOf([401, 403, 409]);
        } else {
          expect(response.status, `${label}: ${text.slice(0, 200)}`).toBeOneOf([403, 404]);
        }
      }
    }
    expect(await snapshotTenant(app.services.store, TENANT_A)).toBe(before);
  });

  it("answers 404 to another user of the same tenant for every user-scoped route", async () => {
    const aliceRows = async () =>
      JSON.stringify(
        await app.services.store.db
          .selectFrom("user_personas")
          .selectAll()
          .where("id", "=", owned.userPersonaId)
          .execute(),
      ) +
      JSON.stringify(await app.services.store.users.findByExternalId(TENANT_A, "alice")) +
      JSON.stringify(
        await app.services.store.db
          .selectFrom("messages")
          .selectAll()
          .where("conversation_id", "=", owned.conversationId)
          .orderBy("sequence")
          .execute(),
      ) +
      JSON.stringify(
        await app.services.store.db
          .selectFrom("conversations")
          .selectAll()
          .where("id", "=", owned.conversationId)
          .execute(),
      ) +
      JSON.stringify(await app.services.store.sms.findContact(TENANT_A, ALICE_PHONE)) +
      JSON.stringify(await app.services.store.whatsapp.findContact(TENANT_A, ALICE_WHATSAPP)) +
      JSON.stringify(
        await app.services.store.db
          .selectFrom("push_subscriptions")
          .selectAll()
          .where("id", "=", owned.pushSubscriptionId)
          .execute(),
      );
    const before = await aliceRows();
    const userScoped = (path: string) =>
      [
        "/v1/user-personas",
        "/v1/conversations",
        "/v1/jobs",
        "/v1/scheduled-messages",
        "/v1/inbox",
        "/v1/phone-numbers",
        "/v1/push",
        "/v1/whatsapp",
      ].some((prefix) => path.startsWith(prefix)) || path.includes("/memories");
    // Paths whose parameter names something of alice's (not the shared persona) must be 404 for mallory.
    const namesAliceObject = (path: string) =>
      path.includes("{") && (!path.startsWith("/v1/personas/") || path.includes("{memoryId}"));
    for (const operation of operations.filter((op) => userScoped(op.path))) {
      const response = await app.request(fillPath(operation.path), {
        method: operation.method,
        user: "mallory",
        json: validBody(operation.method, operation.path),
      });
      const label = `${operation.method} ${operation.path}`;
      const text = await bodyText(operation.path, response);
      if (
        namesAliceObject(operation.path) ||
        (operation.path.endsWith("/active") && operation.method === "GET")
      ) {
        expect(response.status, label).toBe(404);
      } else {
        expect(response.status, label).toBeLessThan(500);
        const leaked = [
          owned.userPersonaId,
          owned.conversationId,
          owned.replyId,
          owned.jobId,
          owned.memoryId,
          owned.pushSubscriptionId,
        ].some((id) => text.includes(id));
        expect(leaked, `${label} leaked alice's data: ${text.slice(0, 200)}`).toBe(false);
      }
    }
    const aliceMemory = await app.request(`/v1/personas/${owned.personaId}/memories/${owned.memoryId}`, {
      user: "alice",
    });
    expect(aliceMemory.status).toBe(200);
    expect(await aliceRows()).toBe(before);
    const stillActive = await app.request("/v1/user-personas/active", { user: "alice" });
    expect((await stillActive.json()).id).toBe(owned.userPersonaId);
  });

  it("requires the end-user header on user-scoped routes", async () => {
    const response = await app.request("/v1/user-personas");
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toMatch(/x-dramatis-user/i);
  });
});
