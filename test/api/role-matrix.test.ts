import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Backend } from "../backends.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";
import { EXPECTED_STATUS, PRINCIPALS, type Principal } from "./role-matrix-expectations.ts";
import {
  PASSWORD,
  TENANT_A,
  createOwnedTenant,
  signIn,
  snapshotTenant,
  type OwnedTenant,
  type WebSession,
} from "./owned-tenant.ts";

/**
 * The role matrix: every operation of /openapi.json x every kind of caller, with the status each must get
 * (role-matrix-expectations.ts; an operation missing there fails) and not one row of the owner's tenant
 * changed by any request that is refused or fails. The owner is a member whose user created the persona
 * and holds the user persona, conversation, memories, push subscription, numbers and scheduled message.
 * Writes that succeed run on a fresh tenant per caller, so one caller's success never hides another's
 * refusal.
 */

const OWNER_EMAIL = "alice@example.com";

/** A signed-in person as the browser is: the session cookie and the CSRF token on writes. */
interface World {
  app: TestApp;
  tenant: OwnedTenant;
  sessions: Record<"owner" | "member" | "admin", WebSession>;
  readKey: string;
}

async function createWorld(backend: Backend): Promise<World> {
  const app = await createTestApp({ backend, outboundAllow: "127.0.0.1:9" });
  for (const [email, role] of [
    [OWNER_EMAIL, "member"],
    ["mallory@example.com", "member"],
    ["boss@example.com", "admin"],
  ] as const) {
    const created = await app.request("/v1/accounts", {
      method: "POST",
      json: { email, password: PASSWORD, name: email.split("@")[0], role },
    });
    expect(created.status, `account ${email}`).toBe(201);
  }
  const tenant = await createOwnedTenant(app, OWNER_EMAIL);
  const readKey = (
    await (
      await app.request("/v1/keys", { method: "POST", json: { name: "reader", scopes: ["read"] } })
    ).json()
  ).key;
  expect(readKey).toMatch(/^dra_/);
  return {
    app,
    tenant,
    readKey,
    sessions: {
      owner: await signIn(app, OWNER_EMAIL),
      member: await signIn(app, "mallory@example.com"),
      admin: await signIn(app, "boss@example.com"),
    },
  };
}

/** Sends `method path` as `principal`, aimed at the owner's objects with a body that would work for them. */
async function send(
  world: World,
  principal: Principal,
  operation: { method: string; path: string },
): Promise<TestResponse> {
  const { app, tenant } = world;
  let body = tenant.validBody(operation.method, operation.path);
  const headers: Record<string, string> = {};
  let key: string | null = null;
  const session =
    principal === "owner" || principal === "member" || principal === "admin"
      ? world.sessions[principal]
      : principal === "body-user"
        ? world.sessions.member
        : undefined;
  if (session) {
    headers.cookie = session.cookie;
    if (operation.method !== "GET") headers["x-csrf-token"] = session.csrf;
  }
  if (principal === "read-key") key = world.readKey;
  if (principal === "other-tenant") key = tenant.otherTenantKey;
  // Keys name the owner as their end user (a key acts as the tenant); the body-user caller is a member
  // signed in as themselves who names the owner in the header and in any `user` field of the body.
  const namesOwner = principal !== "owner" && principal !== "member" && principal !== "admin";
  if (namesOwner) headers["x-dramatis-user"] = OWNER_EMAIL;
  if (principal === "body-user" && body && typeof body === "object" && !Array.isArray(body)) {
    if (operation.path === "/v1/chat/completions" || operation.path.endsWith("/memories/search")) {
      body = { ...body, user: OWNER_EMAIL };
    }
  }
  const response = await app.request(tenant.fillPath(operation.path), {
    method: operation.method,
    key,
    headers,
    json: body,
  });
  // Drain (or cancel, for an endless stream) so nothing is left running.
  await tenant.bodyText(operation.path, response);
  return response;
}

/**
 * ROLE_MATRIX_PRINT=1 prints the statuses the app gives (as rows for role-matrix-expectations.ts) after
 * sending every write as every caller on fresh worlds: for reviewing a new route's row, never for copying
 * blindly.
 */
const discover = process.env.ROLE_MATRIX_PRINT !== undefined;

/** A 4xx: the request was refused or invalid, so it must have changed nothing. (A 502 from a push test may record the failure.) */
const isRefusal = (status: number) => status >= 400 && status < 500;

const label = (operation: { method: string; path: string }) => `${operation.method} ${operation.path}`;

/** Destructive operations go last, deepest paths first, signing out last of all. */
function executionOrder(operation: { method: string; path: string }): number {
  if (operation.path === "/v1/auth/logout") return 3_000;
  if (operation.path === "/v1/auth/password") return 2_500;
  if (operation.method === "DELETE") return 2_000 - operation.path.length;
  return 0;
}

describe.each(BACKENDS)("role matrix ($name)", (backend) => {
  let world: World;
  const actual = new Map<string, Partial<Record<Principal, number>>>();

  beforeAll(async () => {
    world = await createWorld(backend);
  }, 120_000);
  afterAll(async () => {
    await world.app.close();
    if (discover) {
      for (const [operation, row] of actual)
        console.log(`  "${operation}": [${PRINCIPALS.map((p) => row[p] ?? "?").join(", ")}],`);
    }
  });

  it("has an expectation for every operation of the OpenAPI document, and none for a missing one", () => {
    const documented = world.tenant.operations.map(label);
    const missing = documented.filter((operation) => !(operation in EXPECTED_STATUS));
    expect(missing, "operations without a row in role-matrix-expectations.ts").toEqual([]);
    const stale = Object.keys(EXPECTED_STATUS).filter((operation) => !documented.includes(operation));
    expect(stale, "rows for operations the app no longer has").toEqual([]);
  });

  it("gives every caller its expected status on reads and refusals, changing no row when refused", async () => {
    const failures: string[] = [];
    for (const principal of PRINCIPALS) {
      const before = await snapshotTenant(world.app.services.store, TENANT_A);
      for (const operation of world.tenant.operations) {
        const expected = EXPECTED_STATUS[label(operation)]?.[PRINCIPALS.indexOf(principal)];
        // Writes that are not refused run in their own test, on a world of their own.
        if (expected === undefined && !(discover && operation.method === "GET")) continue;
        if (operation.method !== "GET" && (discover || !isRefusal(expected!))) continue;
        const rowsBefore =
          operation.method === "GET" ? undefined : await snapshotTenant(world.app.services.store, TENANT_A);
        const response = await send(world, principal, operation);
        actual.set(label(operation), { ...actual.get(label(operation)), [principal]: response.status });
        if (response.status !== expected && !discover)
          failures.push(`${label(operation)} as ${principal}: ${response.status}, expected ${expected}`);
        if (rowsBefore !== undefined && isRefusal(response.status)) {
          const rowsAfter = await snapshotTenant(world.app.services.store, TENANT_A);
          if (rowsAfter !== rowsBefore)
            failures.push(
              `${label(operation)} as ${principal}: refused with ${response.status} but changed rows`,
            );
        }
      }
      // Reads (and refused writes) as this caller left the owner's tenant as it was.
      const after = await snapshotTenant(world.app.services.store, TENANT_A);
      if (after !== before) failures.push(`reads and refusals as ${principal} changed the owner's tenant`);
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it("hides the owner's private persona from the member and the body-named user on every persona path", async () => {
    const { app, tenant } = world;
    const failures: string[] = [];
    const privateId = tenant.owned.privatePersonaId;
    const personaPaths = tenant.operations
      .filter((operation) => operation.path.startsWith("/v1/personas/") && operation.path.includes("{id}"))
      .sort((a, b) => executionOrder(a) - executionOrder(b));
    expect(personaPaths.length).toBeGreaterThan(20);
    for (const principal of ["member", "body-user"] as const) {
      const session = world.sessions.member;
      const headers = (method: string): Record<string, string> => ({
        cookie: session.cookie,
        ...(method !== "GET" ? { "x-csrf-token": session.csrf } : {}),
        ...(principal === "body-user" ? { "x-dramatis-user": OWNER_EMAIL } : {}),
      });
      const attempts: { label: string; method: string; path: string; json: unknown }[] = [
        ...personaPaths.map((operation) => ({
          label: label(operation),
          method: operation.method,
          path: tenant.fillPath(operation.path, privateId),
          json: tenant.validBody(operation.method, operation.path),
        })),
        // The paths that name a persona in their body or by its join code.
        {
          label: "POST /v1/chat/completions",
          method: "POST",
          path: "/v1/chat/completions",
          json: {
            model: `persona/${privateId}`,
            messages: [{ role: "user", content: "hi" }],
            ...(principal === "body-user" ? { user: OWNER_EMAIL } : {}),
          },
        },
        {
          label: "POST /v1/conversations",
          method: "POST",
          path: "/v1/conversations",
          json: { persona_id: privateId },
        },
        {
          label: "POST /v1/personas/join",
          method: "POST",
          path: "/v1/personas/join",
          json: { code: tenant.owned.privateJoinCode },
        },
      ];
      for (const attempt of attempts) {
        const before = await snapshotTenant(app.services.store, TENANT_A);
        const response = await app.request(attempt.path, {
          method: attempt.method,
          key: null,
          headers: headers(attempt.method),
          json: attempt.json,
        });
        const text = await tenant.bodyText(attempt.path, response);
        if (response.status !== 404)
          failures.push(`${attempt.label} on the private persona as ${principal}: ${response.status}`);
        // The caller's own input may be echoed ("persona psn_… not found", as for any unknown id).
        const named = attempt.path.includes(privateId) || JSON.stringify(attempt.json).includes(privateId);
        if (text.includes(privateId) && !named)
          failures.push(`${attempt.label} as ${principal} named the private persona`);
        if ((await snapshotTenant(app.services.store, TENANT_A)) !== before)
          failures.push(`${attempt.label} on the private persona as ${principal} changed rows`);
      }
      // Nor does it show in lists.
      for (const path of ["/v1/personas?limit=100", "/v1/models"]) {
        const listed = await app.request(path, { key: null, headers: headers("GET") });
        expect(listed.status).toBe(200);
        if ((await listed.text()).includes(privateId)) failures.push(`${path} as ${principal} lists it`);
      }
    }
    // The owner and the admin still reach it.
    for (const who of ["owner", "admin"] as const) {
      const response = await app.request(`/v1/personas/${privateId}`, {
        key: null,
        headers: { cookie: world.sessions[who].cookie },
      });
      expect(response.status, who).toBe(200);
    }
    expect(failures).toEqual([]);
  });

  it("gives a member who names the owner (header or body `user`) only their own data", async () => {
    const { app, tenant } = world;
    const mallory = world.sessions.member;
    const asMallory = (path: string, json: unknown) =>
      app.request(path, {
        method: "POST",
        key: null,
        headers: { cookie: mallory.cookie, "x-csrf-token": mallory.csrf, "x-dramatis-user": OWNER_EMAIL },
        json,
      });
    // The owner's relationship memory says "sailing"; the owner finds it, the member naming them does not.
    const ownerSearch = await app.request(`/v1/personas/${tenant.owned.personaId}/memories/search`, {
      method: "POST",
      key: null,
      headers: { cookie: world.sessions.owner.cookie, "x-csrf-token": world.sessions.owner.csrf },
      json: { query: "sailing" },
    });
    expect((await ownerSearch.json()).data.map((hit: { memory: { id: string } }) => hit.memory.id)).toContain(
      tenant.owned.memoryId,
    );
    const search = await asMallory(`/v1/personas/${tenant.owned.personaId}/memories/search`, {
      query: "sailing",
      user: OWNER_EMAIL,
    });
    expect(search.status).toBe(200);
    expect(await search.text()).not.toContain(tenant.owned.memoryId);
    // The owner's active persona answers the owner's completions; the member naming the owner has none.
    const active = await app.request(`/v1/personas/active/${tenant.owned.personaId}`, {
      method: "PUT",
      user: OWNER_EMAIL,
    });
    expect(active.status).toBe(200);
    const completion = await asMallory("/v1/chat/completions", {
      user: OWNER_EMAIL,
      messages: [{ role: "user", content: "what do you know about me?" }],
    });
    const text = await completion.text();
    expect(completion.status, text).toBeGreaterThanOrEqual(400);
    expect(text).not.toContain(tenant.owned.personaId);
    // A memory scoped to the owner's user persona is refused to the member, saying nothing about it.
    const scoped = await asMallory(`/v1/personas/${tenant.owned.personaId}/memories`, {
      owner: "relationship",
      facts: "planted",
      scope: tenant.owned.userPersonaId,
    });
    expect(scoped.status).toBe(422);
    const nowhere = await asMallory(`/v1/personas/${tenant.owned.personaId}/memories`, {
      owner: "relationship",
      facts: "planted",
      scope: "upn_doesnotexist",
    });
    expect(await nowhere.json()).toMatchObject({ errors: (await scoped.json()).errors });
    await app.request("/v1/personas/active", { method: "DELETE", user: OWNER_EMAIL });
  });

  it.each(
    discover
      ? PRINCIPALS
      : PRINCIPALS.filter((principal) => principal !== "no-key" && principal !== "other-tenant"),
  )(
    "lets %s make the writes it may, each one on the owner's objects",
    async (principal) => {
      const own = await createWorld(backend);
      try {
        const failures: string[] = [];
        const writes = own.tenant.operations
          .filter((operation) => operation.method !== "GET")
          .filter((operation) => {
            const expected = EXPECTED_STATUS[label(operation)]?.[PRINCIPALS.indexOf(principal)];
            return discover || (expected !== undefined && !isRefusal(expected));
          })
          .sort((a, b) => executionOrder(a) - executionOrder(b));
        for (const operation of writes) {
          const expected = EXPECTED_STATUS[label(operation)]?.[PRINCIPALS.indexOf(principal)];
          const rowsBefore = await snapshotTenant(own.app.services.store, TENANT_A);
          const response = await send(own, principal, operation);
          actual.set(label(operation), { ...actual.get(label(operation)), [principal]: response.status });
          if (
            isRefusal(response.status) &&
            (await snapshotTenant(own.app.services.store, TENANT_A)) !== rowsBefore
          )
            failures.push(
              `${label(operation)} as ${principal}: failed with ${response.status} but changed rows`,
            );
          if (response.status !== expected && !discover)
            failures.push(`${label(operation)} as ${principal}: ${response.status}, expected ${expected}`);
        }
        expect(failures).toEqual([]);
      } finally {
        await own.app.close();
      }
    },
    600_000,
  );
});
