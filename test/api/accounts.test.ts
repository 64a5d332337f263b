import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/lib/password-hash.ts";
import { AccountService } from "../../src/services/account-service.ts";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const SETUP_TOKEN = "setup-token-for-tests";

/** A browser-like client: keeps the session cookie and sends the CSRF token on writes. */
class WebSession {
  cookie = "";
  csrf = "";
  constructor(private readonly app: TestApp) {}

  async request(
    path: string,
    init: { method?: string; json?: unknown; csrf?: boolean; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (init.csrf !== false && this.csrf && init.method && init.method !== "GET")
      headers["x-csrf-token"] = this.csrf;
    const response = await this.app.request(path, {
      method: init.method ?? "GET",
      key: null,
      json: init.json,
      headers,
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    return response;
  }

  async signIn(email: string, password: string) {
    const response = await this.request("/v1/auth/login", { method: "POST", json: { email, password } });
    if (response.status === 200) this.csrf = (await response.json()).csrf_token;
    return response;
  }
}

describe.each(BACKENDS)("web accounts and sessions ($name)", (backend) => {
  let app: TestApp;
  let admin: WebSession;

  beforeAll(async () => {
    app = await createTestApp({ backend });
  });
  afterAll(async () => app.close());

  it("creates the first admin only with the setup token, once", async () => {
    const anonymous = new WebSession(app);
    expect(await (await anonymous.request("/v1/auth/status")).json()).toEqual({
      setup_required: true,
      signed_in: false,
    });
    await app.services.accounts.prepareSetup(SETUP_TOKEN);
    const body = { email: "Ana@Example.com", password: "correct horse battery", name: "Ana" };
    const wrong = await anonymous.request("/v1/auth/setup", {
      method: "POST",
      json: { ...body, setup_token: "nope-nope-nope" },
    });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).detail).toMatch(/setup token/);
    const short = await anonymous.request("/v1/auth/setup", {
      method: "POST",
      json: { ...body, password: "short", setup_token: SETUP_TOKEN },
    });
    expect(short.status).toBe(422);
    expect((await short.json()).errors[0].field).toBe("password");

    admin = new WebSession(app);
    const created = await admin.request("/v1/auth/setup", {
      method: "POST",
      json: { ...body, setup_token: SETUP_TOKEN },
    });
    expect(created.status).toBe(201);
    const session = await created.json();
    admin.csrf = session.csrf_token;
    expect(session.account).toMatchObject({ email: "ana@example.com", role: "admin", name: "Ana" });
    expect(created.headers.get("set-cookie")).toMatch(/dramatis_session=.+HttpOnly.*SameSite=Strict/i);
    expect(JSON.stringify(session)).not.toMatch(/scrypt/);

    const again = await anonymous.request("/v1/auth/setup", {
      method: "POST",
      json: { ...body, setup_token: SETUP_TOKEN },
    });
    expect(again.status).toBe(409);
    expect(await (await anonymous.request("/v1/auth/status")).json()).toEqual({
      setup_required: false,
      signed_in: false,
    });
  });

  it("signs in with email and password and refuses a wrong one without saying which was wrong", async () => {
    const web = new WebSession(app);
    const wrong = await web.signIn("ana@example.com", "not the password");
    expect(wrong.status).toBe(401);
    const unknown = await web.signIn("nobody@example.com", "not the password");
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).detail).toBe((await wrong.json()).detail);
    expect((await web.signIn(" ANA@example.com ", "correct horse battery")).status).toBe(200);
    const session = await (await web.request("/v1/auth/session")).json();
    expect(session.account.email).toBe("ana@example.com");
    expect(session.csrf_token).toBe(web.csrf);
    expect(await (await web.request("/v1/auth/status")).json()).toEqual({
      setup_required: false,
      signed_in: true,
    });
  });

  it("needs the CSRF token for every signed-in write", async () => {
    const withoutToken = await admin.request("/v1/personas", {
      method: "POST",
      json: { name: "Mira" },
      csrf: false,
    });
    expect(withoutToken.status).toBe(403);
    expect((await withoutToken.json()).detail).toMatch(/X-CSRF-Token/);
    const wrongToken = await admin.request("/v1/personas", {
      method: "POST",
      json: { name: "Mira" },
      csrf: false,
      headers: { "x-csrf-token": "x".repeat(32) },
    });
    expect(wrongToken.status).toBe(403);
    expect(
      (
        await app.services.store.db
          .selectFrom("personas")
          .select("id")
          .where("tenant_id", "=", "ten_default")
          .execute()
      ).length,
    ).toBe(0);
    const created = await admin.request("/v1/personas", { method: "POST", json: { name: "Mira" } });
    expect(created.status).toBe(201);
  });

  it("acts as the account's own user: the same user an API key names with X-Dramatis-User <email>", async () => {
    const made = await admin.request("/v1/user-personas", {
      method: "POST",
      json: { name: "Elena", description: "a sailor" },
    });
    expect(made.status).toBe(201);
    const viaKey = await (await app.request("/v1/user-personas", { user: "ana@example.com" })).json();
    expect(viaKey.data.map((persona: { name: string }) => persona.name)).toEqual(["Elena"]);
    // A session cannot borrow another user's identity with the header.
    const spoofed = await admin.request("/v1/user-personas", {
      headers: { "x-dramatis-user": "someone-else" },
    });
    expect((await spoofed.json()).data).toHaveLength(1);
  });

  it("gives members their own data and no admin powers", async () => {
    const created = await admin.request("/v1/accounts", {
      method: "POST",
      json: { email: "bo@example.com", password: "another long password", name: "Bo" },
    });
    expect(created.status).toBe(201);
    const bo = await created.json();
    expect(bo.role).toBe("member");
    const duplicate = await admin.request("/v1/accounts", {
      method: "POST",
      json: { email: "BO@example.com", password: "another long password" },
    });
    expect(duplicate.status).toBe(409);
    const badEmail = await admin.request("/v1/accounts", {
      method: "POST",
      json: { email: "bo", password: "another long password" },
    });
    expect(badEmail.status).toBe(422);
    expect((await badEmail.json()).errors[0].field).toBe("email");

    const member = new WebSession(app);
    expect((await member.signIn("bo@example.com", "another long password")).status).toBe(200);
    expect((await member.request("/v1/keys")).status).toBe(403);
    expect((await member.request("/v1/keys", { method: "POST", json: { name: "mine" } })).status).toBe(403);
    expect((await member.request("/v1/accounts")).status).toBe(403);
    expect((await (await member.request("/v1/user-personas")).json()).data).toEqual([]);
    const personas = await (await member.request("/v1/personas")).json();
    expect(personas.data.some((persona: { name: string }) => persona.name === "Mira")).toBe(true);

    const list = await (await admin.request("/v1/accounts")).json();
    expect(list.data.map((account: { email: string }) => account.email)).toEqual([
      "ana@example.com",
      "bo@example.com",
    ]);
    // A forgotten password: the admin sets a new one, which ends Bo's sessions.
    const tooShort = await admin.request(`/v1/accounts/${bo.id}`, {
      method: "PATCH",
      json: { password: "short" },
    });
    expect(tooShort.status).toBe(422);
    expect((await tooShort.json()).errors[0].field).toBe("password");
    const reset = await admin.request(`/v1/accounts/${bo.id}`, {
      method: "PATCH",
      json: { password: "a password set by ana" },
    });
    expect(reset.status).toBe(200);
    expect((await member.request("/v1/auth/session")).status).toBe(401);
    expect((await member.signIn("bo@example.com", "another long password")).status).toBe(401);
    expect((await member.signIn("bo@example.com", "a password set by ana")).status).toBe(200);

    const promoted = await admin.request(`/v1/accounts/${bo.id}`, {
      method: "PATCH",
      json: { role: "admin" },
    });
    expect((await promoted.json()).role).toBe("admin");
    expect((await member.request("/v1/keys")).status).toBe(200);
  });

  it("keeps one admin, and an admin cannot remove themselves", async () => {
    const accounts = (await (await admin.request("/v1/accounts")).json()).data as {
      id: string;
      email: string;
    }[];
    const ana = accounts.find((account) => account.email === "ana@example.com")!;
    const bo = accounts.find((account) => account.email === "bo@example.com")!;
    expect((await admin.request(`/v1/accounts/${ana.id}`, { method: "DELETE" })).status).toBe(409);
    expect(
      (await admin.request(`/v1/accounts/${bo.id}`, { method: "PATCH", json: { role: "member" } })).status,
    ).toBe(200);
    const lastAdmin = await admin.request(`/v1/accounts/${ana.id}`, {
      method: "PATCH",
      json: { role: "member" },
    });
    expect(lastAdmin.status).toBe(409);
    expect((await lastAdmin.json()).detail).toMatch(/last admin/);
    expect((await admin.request(`/v1/accounts/${bo.id}`, { method: "DELETE" })).status).toBe(204);
    const signedOut = new WebSession(app);
    expect((await signedOut.signIn("bo@example.com", "a password set by ana")).status).toBe(401);
  });

  it("changes the password, ending the account's other sessions", async () => {
    const other = new WebSession(app);
    await other.signIn("ana@example.com", "correct horse battery");
    const wrongCurrent = await admin.request("/v1/auth/password", {
      method: "POST",
      json: { current_password: "nope nope nope", new_password: "a brand new password" },
    });
    expect(wrongCurrent.status).toBe(422);
    expect((await wrongCurrent.json()).errors[0].field).toBe("current_password");
    const changed = await admin.request("/v1/auth/password", {
      method: "POST",
      json: { current_password: "correct horse battery", new_password: "a brand new password" },
    });
    expect(changed.status).toBe(204);
    expect((await other.request("/v1/auth/session")).status).toBe(401);
    expect((await admin.request("/v1/auth/session")).status).toBe(200);
    expect((await new WebSession(app).signIn("ana@example.com", "a brand new password")).status).toBe(200);
  });

  it("ends the session on sign-out and after two weeks", async () => {
    const web = new WebSession(app);
    await web.signIn("ana@example.com", "a brand new password");
    expect((await web.request("/v1/auth/logout", { method: "POST" })).status).toBe(204);
    expect((await web.request("/v1/auth/session")).status).toBe(401);
    const later = new WebSession(app);
    await later.signIn("ana@example.com", "a brand new password");
    app.clock.advance(15 * 24 * 60 * 60 * 1000);
    const expired = await later.request("/v1/personas");
    expect(expired.status).toBe(401);
    expect((await expired.json()).detail).toMatch(/sign in/);
  });
});

describe("persona avatars and writing help", () => {
  let app: TestApp;
  let personaId: string;
  beforeAll(async () => {
    app = await createTestApp();
    personaId = (
      await (
        await app.request("/v1/personas", {
          method: "POST",
          json: {
            name: "Mira",
            identity: { age: 31, occupation: "lighthouse keeper", location: "Brittany" },
          },
        })
      ).json()
    ).id;
  });
  afterAll(async () => app.close());

  const pngOf = async (width: number, height: number) =>
    new Uint8Array(
      await sharp({ create: { width, height, channels: 3, background: "#5b3fd6" } })
        .png()
        .toBuffer(),
    );

  it("serves a generated PNG until a picture is uploaded, then the re-encoded upload", async () => {
    const generated = await app.request(`/v1/personas/${personaId}/avatar`);
    expect(generated.status).toBe(200);
    expect(generated.headers.get("content-type")).toBe("image/png");
    expect(generated.headers.get("x-content-type-options")).toBe("nosniff");
    const generatedBytes = new Uint8Array(await generated.arrayBuffer());
    expect((await sharp(generatedBytes).metadata()).format).toBe("png");
    const etag = generated.headers.get("etag")!;
    expect(
      (await app.request(`/v1/personas/${personaId}/avatar`, { headers: { "if-none-match": etag } })).status,
    ).toBe(304);

    const jpeg = await sharp(await pngOf(900, 600))
      .jpeg()
      .toBuffer();
    const uploaded = await app.request(`/v1/personas/${personaId}/avatar`, {
      method: "PUT",
      body: new Uint8Array(jpeg),
      headers: { "content-type": "image/jpeg" },
    });
    expect(uploaded.status).toBe(200);
    expect((await uploaded.json()).avatar.source).toBe("upload");
    const served = await app.request(`/v1/personas/${personaId}/avatar`);
    const metadata = await sharp(new Uint8Array(await served.arrayBuffer())).metadata();
    expect(metadata).toMatchObject({ format: "png", width: 512, height: 512 });
    expect(served.headers.get("etag")).not.toBe(etag);

    expect((await app.request(`/v1/personas/${personaId}/avatar`, { method: "DELETE" })).status).toBe(204);
    const back = await app.request(`/v1/personas/${personaId}/avatar`);
    expect(back.headers.get("etag")).toBe(etag);
  });

  it("refuses SVG, HTML, mislabelled and undecodable uploads, keeping the stored picture", async () => {
    const put = (body: Uint8Array | string, type: string) =>
      app.request(`/v1/personas/${personaId}/avatar`, {
        method: "PUT",
        body,
        headers: { "content-type": type },
      });
    expect((await put(await pngOf(64, 64), "image/png")).status).toBe(200);
    const before = await (await app.request(`/v1/personas/${personaId}/avatar`)).arrayBuffer();

    const svg = await put(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      "image/svg+xml",
    );
    expect(svg.status).toBe(415);
    expect((await svg.json()).detail).toMatch(/image\/png/);
    expect((await put("<html><script>alert(1)</script></html>", "text/html")).status).toBe(415);
    const disguised = await put("<html><script>alert(1)</script></html>", "image/png");
    expect(disguised.status).toBe(422);
    expect((await disguised.json()).errors[0]).toEqual({
      field: "body",
      message: "is not a valid image/png file",
    });
    const truncated = (await pngOf(64, 64)).slice(0, 40);
    const broken = await put(truncated, "image/png");
    expect(broken.status).toBe(422);
    expect((await broken.json()).errors[0].message).toMatch(/could not be decoded/);
    const huge = new Uint8Array(6 * 1024 * 1024);
    huge.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((await put(huge, "image/png")).status).toBe(413);

    const after = await (await app.request(`/v1/personas/${personaId}/avatar`)).arrayBuffer();
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
  });

  it("keeps presets' pictures read-only", async () => {
    const preset = (await (await app.request("/v1/personas?kind=preset")).json()).data[0];
    expect((await app.request(`/v1/personas/${preset.id}/avatar`)).status).toBe(200);
    const refused = await app.request(`/v1/personas/${preset.id}/avatar`, {
      method: "PUT",
      body: await pngOf(8, 8),
      headers: { "content-type": "image/png" },
    });
    expect(refused.status).toBe(403);
  });

  it("drafts a system message and an appearance from the form's fields with the offline engine", async () => {
    const definition = {
      name: "Mira",
      identity: {
        age: 31,
        occupation: "lighthouse keeper",
        location: "Brittany",
        summary: "Keeps the light on Île Vierge.",
      },
      personality: "Dry humour, patient, curious about ships.",
      system_message: "Talk about the sea.",
    };
    const improved = await app.request("/v1/personas/assist", {
      method: "POST",
      json: { task: "improve_system_message", definition },
    });
    expect(improved.status).toBe(200);
    const suggestion = await improved.json();
    expect(suggestion.offline).toBe(true);
    expect(suggestion.model).toBe("offline/default");
    expect(suggestion.text).toMatch(/^You are Mira, a 31-year-old lighthouse keeper from Brittany\./);
    expect(suggestion.text).toContain("Talk about the sea.");
    expect(suggestion.text).toContain("Dry humour");

    const appearance = await (
      await app.request("/v1/personas/assist", {
        method: "POST",
        json: { task: "describe_appearance", definition },
      })
    ).json();
    expect(appearance.text).toMatch(/Mira is a 31-year-old lighthouse keeper from Brittany/);

    const invalid = await app.request("/v1/personas/assist", {
      method: "POST",
      json: { task: "improve_system_message", definition: { verbosity: 9 } },
    });
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).errors[0]).toEqual({
      field: "definition.verbosity",
      message: "must be 1-5",
    });
  });
});

describe("sign-in throttling", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
    await app.services.accounts.create("ten_default", {
      email: "cy@example.com",
      password: "the right password",
      name: "Cy",
      role: "member",
    });
  });
  afterAll(async () => app.close());

  it("locks an email for 15 minutes after 10 wrong passwords, even for the right one", async () => {
    const web = new WebSession(app);
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await web.signIn("cy@example.com", `wrong ${attempt}`)).status).toBe(401);
    }
    const locked = await web.signIn("cy@example.com", "the right password");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    app.clock.advance(15 * 60 * 1000 + 1000);
    expect((await web.signIn("cy@example.com", "the right password")).status).toBe(200);
  });
});

describe.each(BACKENDS)("password hashing cost ($name)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ backend, passwordCost: { N: 1024, r: 8, p: 1 } });
    await app.services.accounts.create("ten_default", {
      email: "dee@example.com",
      password: "an old cheap hash",
      name: "Dee",
      role: "member",
    });
  });
  afterAll(async () => app.close());

  const storedHash = async () =>
    (await app.services.store.accounts.findByEmail("dee@example.com"))!.password_hash;

  it("rehashes a password stored at a lower cost on the next successful sign-in, and only then", async () => {
    expect(await storedHash()).toMatch(/^scrypt\$1024\$8\$1\$/);
    // The same database read by a server whose cost has since been raised.
    const raised = new AccountService({
      store: app.services.store,
      clock: app.clock,
      users: app.services.users,
      throttle: app.services.rateLimits,
      passwordCost: { N: 2048, r: 8, p: 1 },
    });
    await expect(raised.signIn("dee@example.com", "a wrong password")).rejects.toThrow(/wrong/);
    expect(await storedHash()).toMatch(/^scrypt\$1024\$/);
    await raised.signIn("dee@example.com", "an old cheap hash");
    const rehashed = await storedHash();
    expect(rehashed).toMatch(/^scrypt\$2048\$8\$1\$/);
    expect(await verifyPassword("an old cheap hash", rehashed)).toBe(true);
    // At the current cost nothing changes again; the old server still signs in with the new hash.
    await raised.signIn("dee@example.com", "an old cheap hash");
    expect(await storedHash()).toBe(rehashed);
    const web = new WebSession(app);
    expect((await web.signIn("dee@example.com", "an old cheap hash")).status).toBe(200);
  });
});
