import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimits, DEFAULT_RATE_LIMIT_SETTINGS } from "../../src/rate-limits/rate-limits.ts";
import { BACKENDS } from "../backends.ts";
import { startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import { ADMIN_KEY, createTestApp, TestClock, type TestApp, type TestResponse } from "../test-app.ts";

const POLICY = /^"(default|key|anonymous)";q=\d+;w=\d+$/;
const REMAINING = /^"(default|key|anonymous)";r=\d+;t=\d+$/;
const PASSWORD = "the right password";

function expectRateLimitHeaders(response: TestResponse): void {
  expect(response.headers.get("ratelimit-policy")).toMatch(POLICY);
  expect(response.headers.get("ratelimit")).toMatch(REMAINING);
}

/** Signs in from `address` (the app trusts X-Forwarded-For in these suites). */
function signIn(app: TestApp, email: string, password: string, address: string) {
  return app.request("/v1/auth/login", {
    method: "POST",
    key: null,
    json: { email, password },
    headers: { "x-forwarded-for": address },
  });
}

async function createAccount(app: TestApp, email: string): Promise<void> {
  await app.services.accounts.create("ten_default", { email, password: PASSWORD, name: "", role: "member" });
}

describe("RateLimit headers on /v1", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it("puts RateLimit and RateLimit-Policy on every /v1 answer: success, errors, public and OpenAI routes", async () => {
    const answers = [
      await app.request("/v1/personas"),
      await app.request("/v1/personas", { key: null }),
      await app.request("/v1/personas", { key: "dra_not_a_key" }),
      await app.request("/v1/no-such-route"),
      await app.request("/v1/personas", { method: "POST", json: { name: 5 } }),
      await app.request("/v1/auth/status", { key: null }),
      await app.request("/v1/models"),
      await app.request("/v1/chat/completions", { method: "POST", json: { model: "x", messages: [] } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 401, 404, 422, 200, 200, 422]);
    for (const answer of answers) expectRateLimitHeaders(answer);
    // Keys count against their own quota; requests without valid credentials against the address's.
    expect(answers[0]!.headers.get("ratelimit-policy")).toMatch(/^"default";q=1000000;w=60$/);
    expect(answers[1]!.headers.get("ratelimit-policy")).toMatch(/^"anonymous";/);
    expect(answers[5]!.headers.get("ratelimit-policy")).toMatch(/^"anonymous";/);
  });
});

describe("request rate limits", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ rateLimits: { requestsPerMinute: 3, anonymousPerMinute: 2 } });
  });
  afterAll(async () => app.close());

  it("lets a full bucket's burst through at once, then answers 429 with Retry-After and a problem document", async () => {
    // 3 a minute: a token every 20 seconds, at most 3 at once.
    const answers = [];
    for (let index = 0; index < 3; index++) answers.push(await app.request("/v1/personas"));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // t: seconds until the bucket is full again.
    expect(answers.map((answer) => answer.headers.get("ratelimit"))).toEqual([
      '"default";r=2;t=20',
      '"default";r=1;t=40',
      '"default";r=0;t=60',
    ]);

    app.clock.advance(15_000);
    const refused = await app.request("/v1/personas");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    // t and Retry-After when empty: seconds until one token.
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("ratelimit")).toBe('"default";r=0;t=5');
    expect(refused.headers.get("ratelimit-policy")).toBe('"default";q=3;w=60');
    const problem = await refused.json();
    expect(problem).toMatchObject({ status: 429, title: "Too Many Requests", instance: "/v1/personas" });
    expect(problem.detail).toMatch(/3 requests with these credentials per 60 seconds/);

    // OpenAI routes answer in OpenAI's shape, so SDKs back off.
    const completion = await app.request("/v1/chat/completions", {
      method: "POST",
      json: { model: "offline/default", messages: [{ role: "user", content: "hi" }] },
    });
    expect(completion.status).toBe(429);
    expect(completion.headers.get("retry-after")).toBe("5");
    expect((await completion.json()).error).toMatchObject({
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
    });

    // The refill is continuous: 1/rate seconds after the burst exactly one more goes through.
    app.clock.advance(5_000);
    const refilled = await app.request("/v1/personas");
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get("ratelimit")).toBe('"default";r=0;t=60');
    const again = await app.request("/v1/personas");
    expect(again.status).toBe(429);
    expect(again.headers.get("retry-after")).toBe("20");
  });

  it("allows no second burst across a minute boundary: after a burst, one request per 1/rate seconds", async () => {
    // Full again, then a burst in the last second of a clock minute (where a fixed window resets).
    app.clock.advance(60_000);
    const intoMinute = app.clock.now().getTime() % 60_000;
    app.clock.advance((59_000 - intoMinute + 60_000) % 60_000);
    expect(app.clock.now().getTime() % 60_000).toBe(59_000);
    const burst = [];
    for (let index = 0; index < 3; index++) burst.push((await app.request("/v1/personas")).status);
    expect(burst).toEqual([200, 200, 200]);

    // Step one second at a time through the next minute: a token every 20 s, never a fresh quota.
    const allowedAt: number[] = [];
    for (let second = 1; second <= 60; second++) {
      app.clock.advance(1_000);
      if ((await app.request("/v1/personas")).status === 200) allowedAt.push(second);
    }
    expect(allowedAt).toEqual([20, 40, 60]);
  });

  it("limits requests without valid credentials per address, even when they fail authentication", async () => {
    const from = (address: string) =>
      app.request("/v1/personas", { key: "dra_guessing", headers: { "x-forwarded-for": address } });
    expect((await from("203.0.113.9")).status).toBe(401);
    expect((await from("203.0.113.9")).status).toBe(401);
    const refused = await from("203.0.113.9");
    // In-process requests have no socket: without DRAMATIS_TRUST_PROXY every one is the same address.
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"anonymous";q=2;w=60');
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("gives a key its own limit, set at creation and changed later", async () => {
    app.clock.advance(60_000); // the admin key's bucket full again after the tests above
    const created = await app.request("/v1/keys", {
      method: "POST",
      json: { name: "slow bot", scopes: ["read"], rate_limit_per_minute: 1 },
    });
    expect(created.status).toBe(201);
    const key = await created.json();
    expect(key.rate_limit_per_minute).toBe(1);
    app.clock.advance(60_000);

    const first = await app.request("/v1/personas", { key: key.key });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"key";q=1;w=60');
    expect((await app.request("/v1/personas", { key: key.key })).status).toBe(429);

    const raised = await app.request(`/v1/keys/${key.id}`, {
      method: "PATCH",
      json: { rate_limit_per_minute: 5 },
    });
    expect(raised.status).toBe(200);
    expect((await raised.json()).rate_limit_per_minute).toBe(5);
    // The key keeps its bucket, read at the new rate: a token every 12 s now, and room for a burst of 5.
    const soon = await app.request("/v1/personas", { key: key.key });
    expect(soon.status).toBe(429);
    expect(Number(soon.headers.get("retry-after"))).toBeLessThanOrEqual(12);
    app.clock.advance(60_000);
    const statuses = [];
    for (let index = 0; index < 6; index++) {
      statuses.push((await app.request("/v1/personas", { key: key.key })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    app.clock.advance(12_000);
    const again = await app.request("/v1/personas", { key: key.key });
    expect(again.status).toBe(200);
    expect(again.headers.get("ratelimit-policy")).toBe('"key";q=5;w=60');
    expect(again.headers.get("ratelimit")).toBe('"key";r=0;t=60');

    const bad = await app.request(`/v1/keys/${key.id}`, {
      method: "PATCH",
      json: { rate_limit_per_minute: 0 },
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors[0].field).toBe("rate_limit_per_minute");
    const listed = (await (await app.request("/v1/keys")).json()).data;
    expect(listed.find((entry: { id: string }) => entry.id === key.id).rate_limit_per_minute).toBe(5);
  });

  it("documents the key's limit and the 429 in the OpenAPI document", async () => {
    const document = await (await app.request("/openapi.json", { key: null })).json();
    expect(document.components.schemas.ApiKeyCreate.properties.rate_limit_per_minute).toBeDefined();
    expect(document.paths["/v1/keys/{id}"].patch).toBeDefined();
    expect(document.paths["/v1/personas"].get.responses["429"].headers["Retry-After"]).toBeDefined();
  });
});

describe("sign-in throttles", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      trustProxyHops: 1,
      rateLimits: { signInFailuresPerEmail: 4, signInFailuresPerAddress: 6 },
    });
    await createAccount(app, "cy@example.com");
    await createAccount(app, "di@example.com");
  });
  afterAll(async () => app.close());

  it("locks an email guessed from many addresses, even for the right password from a new one", async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await signIn(app, "cy@example.com", `wrong ${attempt}`, `198.51.100.${attempt}`)).status).toBe(
        401,
      );
    }
    const locked = await signIn(app, "cy@example.com", PASSWORD, "198.51.100.200");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBe(15 * 60);
    expect((await locked.json()).detail).toMatch(/too many failed sign-ins for this email/);
    // Other accounts sign in as usual from those addresses.
    expect((await signIn(app, "di@example.com", PASSWORD, "198.51.100.1")).status).toBe(200);
  });

  it("locks an address spraying passwords across emails, but not other addresses", async () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const email = `nobody${attempt}@example.com`;
      expect((await signIn(app, email, "Summer2026!", "192.0.2.66")).status).toBe(401);
    }
    const locked = await signIn(app, "di@example.com", PASSWORD, "192.0.2.66");
    expect(locked.status).toBe(429);
    expect((await locked.json()).detail).toMatch(/from your address/);
    expect((await signIn(app, "di@example.com", PASSWORD, "192.0.2.67")).status).toBe(200);
  });

  it("counts wrong setup tokens against the address", async () => {
    // Setup is only open while no account exists: a fresh app.
    const fresh = await createTestApp({ trustProxyHops: 1, rateLimits: { signInFailuresPerAddress: 2 } });
    try {
      await fresh.services.accounts.prepareSetup("a-setup-token-for-tests");
      const attempt = (token: string) =>
        fresh.request("/v1/auth/setup", {
          method: "POST",
          key: null,
          headers: { "x-forwarded-for": "192.0.2.99" },
          json: { setup_token: token, email: "ana@example.com", password: PASSWORD },
        });
      expect((await attempt("guess-one")).status).toBe(403);
      expect((await attempt("guess-two")).status).toBe(403);
      expect((await attempt("a-setup-token-for-tests")).status).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});

describe("verification codes", () => {
  let app: TestApp;
  let twilio: MockTwilio;
  beforeAll(async () => {
    twilio = await startMockTwilio();
    app = await createTestApp({ twilio: twilio.settings, rateLimits: { verificationCodesPerHour: 2 } });
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Ada", features: { sms: true } } })
    ).json();
    const bound = await app.request(`/v1/personas/${persona.id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: "+14155550100" },
    });
    expect(bound.status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it("sends one user a bounded number of codes an hour, across numbers", async () => {
    const ask = (user: string, number: string) =>
      app.request("/v1/phone-numbers", { method: "POST", user, json: { phone_number: number } });
    expect((await ask("alice", "+14155550141")).status).toBe(202);
    expect((await ask("alice", "+14155550142")).status).toBe(202);
    const refused = await ask("alice", "+14155550143");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBe(3600);
    expect((await refused.json()).detail).toMatch(/2 verification codes an hour/);
    expect(twilio.messages.filter((message) => message.to === "+14155550143")).toHaveLength(0);
    // Another user is not held back.
    expect((await ask("bob", "+14155550144")).status).toBe(202);
    app.clock.advance(60 * 60_000);
    expect((await ask("alice", "+14155550143")).status).toBe(202);
  });
});

describe.each(BACKENDS)("counters shared through the database ($name)", (backend) => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const settings = { requestsPerMinute: 4, signInFailuresPerEmail: 3 };
    first = await createTestApp({ backend, rateLimits: settings });
    // A second instance on the same database: its own services, limiter and memory, like another process.
    second = await createTestApp({ database: first.database, clock: first.clock, rateLimits: settings });
    await createAccount(first, "eve@example.com");
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it("counts one key's requests across both instances", async () => {
    const statuses = [];
    for (const app of [first, second, first, second, first, second]) {
      statuses.push((await app.request("/v1/personas", { key: ADMIN_KEY })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // 4 a minute: one token 15 s later, taken by whichever instance asks first.
    first.clock.advance(15_000);
    expect((await second.request("/v1/personas", { key: ADMIN_KEY })).status).toBe(200);
    expect((await first.request("/v1/personas", { key: ADMIN_KEY })).status).toBe(429);
  });

  it("takes tokens atomically: of 10 concurrent requests on both instances, exactly the bucket's 4 pass", async () => {
    first.clock.advance(60_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 ? second : first).request("/v1/personas", { key: ADMIN_KEY }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it("keeps a sign-in lockout across a restart", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signIn(first, "eve@example.com", "wrong", "198.51.100.7")).status).toBe(401);
    }
    // The "restarted" server: a new app on the same database, nothing carried over in memory.
    const restarted = await createTestApp({
      database: first.database,
      clock: first.clock,
      rateLimits: { signInFailuresPerEmail: 3 },
    });
    try {
      expect((await signIn(restarted, "eve@example.com", PASSWORD, "198.51.100.8")).status).toBe(429);
      expect((await signIn(second, "eve@example.com", PASSWORD, "198.51.100.8")).status).toBe(429);
      restarted.clock.advance(15 * 60_000);
      expect((await signIn(restarted, "eve@example.com", PASSWORD, "198.51.100.8")).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn("Rate limits on Redis skipped: set REDIS_URL=redis://... to run them");

describe.skipIf(!redisUrl)("counters shared through Redis", () => {
  const clients: Redis[] = [];
  let first: TestApp;
  let second: TestApp;
  const settings = { ...DEFAULT_RATE_LIMIT_SETTINGS, requestsPerMinute: 4, signInFailuresPerEmail: 3 };
  // Buckets read this clock (the test moves it); Redis' own expiry runs in real time and only forgets
  // full buckets.
  const clock = new TestClock(new Date());
  const overRedis = () => {
    const client = new Redis(redisUrl!);
    clients.push(client);
    return new RateLimits({ kind: "redis", client, clock }, settings);
  };
  // Emails are per run: Redis outlives the test, and its windows are real time.
  const email = `fay-${Date.now()}@example.com`;

  beforeAll(async () => {
    first = await createTestApp({ rateLimiter: overRedis() });
    second = await createTestApp({ database: first.database, rateLimiter: overRedis() });
    await createAccount(first, email);
    // Redis outlives the test: start from full buckets whatever an earlier run left.
    for (const { id } of await first.database.db.selectFrom("api_keys").select("id").execute()) {
      await first.services.rateLimits.reset("requests", `principal:${id}`);
    }
  });
  afterAll(async () => {
    await second.close();
    await first.close();
    for (const client of clients) client.disconnect();
  });

  it("counts one key's requests across two instances on separate Redis connections", async () => {
    const statuses = [];
    for (const app of [first, second, first, second, first]) {
      statuses.push((await app.request("/v1/personas")).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    clock.advance(15_000);
    expect((await second.request("/v1/personas")).status).toBe(200);
    expect((await first.request("/v1/personas")).status).toBe(429);
    // Nothing was counted in the database.
    expect(await first.database.db.selectFrom("rate_limits").selectAll().execute()).toEqual([]);
    expect(await first.database.db.selectFrom("token_buckets").selectAll().execute()).toEqual([]);
  });

  it("takes tokens atomically: of 10 concurrent requests on both instances, exactly the bucket's 4 pass", async () => {
    clock.advance(60_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 ? second : first).request("/v1/personas")),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it("keeps a sign-in lockout across a restart", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signIn(first, email, "wrong", "unused")).status).toBe(401);
    }
    const restarted = await createTestApp({ database: first.database, rateLimiter: overRedis() });
    try {
      expect((await signIn(restarted, email, PASSWORD, "unused")).status).toBe(429);
      // The limiter's own reset (an operator unlocking the account) lifts it.
      await restarted.services.rateLimits.reset("signin-email", email);
      expect((await signIn(restarted, email, PASSWORD, "unused")).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });
});
