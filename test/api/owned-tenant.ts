import sharp from "sharp";
import { encodeWav } from "../../src/speech/wav.ts";
import { createECDH, randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Store } from "../../src/store/store.ts";
import type { TestApp, TestResponse } from "../test-app.ts";

/**
 * One tenant with one of everything, owned by one end user: what the isolation walk and the role matrix
 * aim foreign callers at. Built through the API with the admin key naming the owner as X-Dramatis-User,
 * so the owner's user created the persona and holds the user persona, conversation and memories.
 */

/** The password of the accounts the suites create and sign in with. */
export const PASSWORD = "a long password for tests";

/** A signed-in browser: its session cookie and the CSRF token state-changing requests must echo. */
export interface WebSession {
  cookie: string;
  csrf: string;
}

/** Signs `email` in with PASSWORD, as the web app does. */
export async function signIn(app: TestApp, email: string): Promise<WebSession> {
  const response = await app.request("/v1/auth/login", {
    method: "POST",
    key: null,
    json: { email, password: PASSWORD },
  });
  expect(response.status, `sign-in of ${email}`).toBe(200);
  return {
    cookie: response.headers.get("set-cookie")!.split(";")[0]!,
    csrf: (await response.json()).csrf_token,
  };
}

export interface Operation {
  method: string;
  path: string;
  security: unknown[] | undefined;
}

export const TENANT_A = "ten_default";
/** The owner's persona's phone number, and alice's verified one. */
export const PERSONA_PHONE = "+14155550100";
export const ALICE_PHONE = "+14155550111";
/** The owner's persona's WhatsApp number (Meta's phone number id), and alice's linked WhatsApp. */
export const PERSONA_WHATSAPP = "106540352242922";
export const ALICE_WHATSAPP = "14155550111";

/** A browser's push subscription as the page posts it (nothing is ever sent to it: the port is closed). */
export function browserSubscription(endpoint: string) {
  const browser = createECDH("prime256v1");
  browser.generateKeys();
  return {
    endpoint,
    expirationTime: null,
    keys: {
      p256dh: browser.getPublicKey().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
}
/** What foreign callers try to register. */
export const SNEAKY_SUBSCRIPTION = browserSubscription("https://127.0.0.1:9/push/sneaky");

export async function snapshotTenant(store: Store, tenantId: string): Promise<string> {
  const db = store.db;
  const personas = await db
    .selectFrom("personas")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const versions = await db
    .selectFrom("persona_versions")
    .selectAll()
    .where("persona_id", "in", personas.length ? personas.map((p) => p.id) : ["-"])
    .orderBy("persona_id")
    .orderBy("version")
    .execute();
  const users = await db
    .selectFrom("users")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const lorebooks = await db
    .selectFrom("lorebooks")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const lorebookAttachments = await db
    .selectFrom("lorebook_attachments")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const userPersonas = await db
    .selectFrom("user_personas")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  // last_used_at moves whenever the owner's own key is used to set up; it is not data a caller changes.
  const keys = await db
    .selectFrom("api_keys")
    .select(["id", "name", "prefix", "secret_hash", "scopes", "created_at", "revoked_at"])
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const tenant = await db.selectFrom("tenants").selectAll().where("id", "=", tenantId).execute();
  const conversations = await db
    .selectFrom("conversations")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const messages = await db
    .selectFrom("messages")
    .selectAll()
    .where("conversation_id", "in", conversations.length ? conversations.map((c) => c.id) : ["-"])
    .orderBy("id")
    .execute();
  const usage = await db
    .selectFrom("usage_events")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const memories = await db
    .selectFrom("memories")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const providers = await db
    .selectFrom("tenant_providers")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const jobs = await db
    .selectFrom("jobs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const accounts = await db
    .selectFrom("accounts")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const avatars = await db
    .selectFrom("persona_avatars")
    .selectAll()
    .where("persona_id", "in", personas.length ? personas.map((p) => p.id) : ["-"])
    .execute();
  const research = Object.fromEntries(
    await Promise.all(
      (["skills", "cohorts", "populations", "studies"] as const).map(async (table) => [
        table,
        await db.selectFrom(table).selectAll().where("tenant_id", "=", tenantId).orderBy("id").execute(),
      ]),
    ),
  );
  const sms = await Promise.all(
    (["sms_phone_numbers", "sms_contacts"] as const).map((table) =>
      db.selectFrom(table).selectAll().where("tenant_id", "=", tenantId).orderBy("phone_number").execute(),
    ),
  );
  const whatsapp = await Promise.all(
    (["whatsapp_numbers", "whatsapp_contacts", "whatsapp_link_codes"] as const).map((table) =>
      db.selectFrom(table).selectAll().where("tenant_id", "=", tenantId).orderBy("created_at").execute(),
    ),
  );
  const push = await db
    .selectFrom("push_subscriptions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const runs = await db
    .selectFrom("study_runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
  const modelSetup = await Promise.all(
    (["tenant_model_settings", "model_downloads"] as const).map((table) =>
      db.selectFrom(table).selectAll().where("tenant_id", "=", tenantId).execute(),
    ),
  );
  return JSON.stringify({
    modelSetup,
    sms,
    whatsapp,
    push,
    research,
    runs,
    accounts,
    avatars,
    memories,
    jobs,
    providers,
    tenant,
    personas,
    versions,
    users,
    userPersonas,
    lorebooks,
    lorebookAttachments,
    keys,
    conversations,
    messages,
    usage,
  });
}

export interface OwnedTenant {
  owned: Owned;
  /** every operation of the app's /openapi.json */
  operations: Operation[];
  /** the admin key of a second tenant */
  otherTenantKey: string;
  /**
   * a path with the owner's object filled into each parameter (and a query where one is required);
   * `personaId` replaces the owner's shared persona (the private one, for the visibility walk)
   */
  fillPath(path: string, personaId?: string): string;
  /** a body that would succeed for the owner, so a refusal proves isolation rather than validation */
  validBody(method: string, path: string): unknown;
  /** a response's text; of an endless event stream (the inbox), its first event */
  bodyText(path: string, response: TestResponse): Promise<string>;
  /** whether a text carries an id of the owner's objects */
  dataCarryingResponse(text: string): boolean;
}

export type Owned = typeof EMPTY_OWNED;

const EMPTY_OWNED = {
  personaId: "",
  joinCode: "",
  /** the owner's PRIVATE persona (visibility "private"): another member must never reach it */
  privatePersonaId: "",
  privateJoinCode: "",
  /** the owner's persona made with TIE's POST /personas: /personas/{persona_id} changes and deletes it */
  tiePersonaId: "",
  userPersonaId: "",
  /** the owner's shared lorebook, attached to the owner's persona */
  lorebookId: "",
  keyId: "",
  conversationId: "",
  replyId: "",
  jobId: "",
  providerId: "",
  downloadId: "",
  memoryId: "",
  assetId: "",
  /** the owner's reply read aloud: its stored audio */
  audioId: "",
  /** a signed media link's token to that audio (the token is the credential: anyone holding it may fetch) */
  mediaLinkToken: "",
  /** a picture in the owner's gallery */
  mediaId: "",
  /** the owner's browser call (ringing: its stream never opened) */
  callId: "",
  accountId: "",
  skillId: "",
  cohortId: "",
  populationId: "",
  studyId: "",
  scheduledMessageId: "",
  pushSubscriptionId: "",
};

/** Builds the owned tenant in `app` (the default tenant), owned by end user `user`. */
export async function createOwnedTenant(app: TestApp, user = "alice"): Promise<OwnedTenant> {
  const owned: Owned = { ...EMPTY_OWNED };
  const document = await (await app.request("/openapi.json", { key: null })).json();
  const operations: Operation[] = Object.entries(
    document.paths as Record<string, Record<string, { security?: unknown[] }>>,
  ).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      security: operation.security,
    })),
  );

  const persona = await (
    await app.request("/v1/personas", { method: "POST", user, json: { name: "Secret" } })
  ).json();
  await app.request(`/v1/personas/${persona.id}/publish`, { method: "POST" });
  owned.personaId = persona.id;
  owned.joinCode = persona.join_code;
  // A card asset on the shared persona, as a CHARX import would leave it.
  const { tenant_id: tenantId } = await app.database.db
    .selectFrom("personas")
    .select("tenant_id")
    .where("id", "=", persona.id)
    .executeTakeFirstOrThrow();
  const assets = await app.services.personaAssets.prepare(tenantId!, [
    {
      type: "emotion",
      name: "calm",
      ext: "png",
      bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    },
  ]);
  await app.services.personaAssets.attach(persona.id, assets);
  owned.assetId = assets.rows[0]!.id;
  const privatePersona = await (
    await app.request("/v1/personas", {
      method: "POST",
      user,
      json: { name: "Diary", visibility: "private" },
    })
  ).json();
  expect(privatePersona.visibility).toBe("private");
  await app.request(`/v1/personas/${privatePersona.id}/publish`, { method: "POST" });
  owned.privatePersonaId = privatePersona.id;
  owned.privateJoinCode = privatePersona.join_code;
  const tiePersona = await (
    await app.request("/personas", {
      method: "POST",
      user,
      json: { name: "Coach", system_prompt: "Coach me." },
    })
  ).json();
  owned.tiePersonaId = tiePersona.id;
  const userPersona = await (
    await app.request("/v1/user-personas", {
      method: "POST",
      user,
      json: { name: "Elena", description: "pirate" },
    })
  ).json();
  owned.userPersonaId = userPersona.id;
  await app.request(`/v1/user-personas/active/${userPersona.id}`, { method: "PUT", user });
  owned.keyId = (
    await (await app.request("/v1/keys", { method: "POST", json: { name: "owned" } })).json()
  ).id;
  owned.lorebookId = (
    await (
      await app.request("/v1/lorebooks", {
        method: "POST",
        user,
        json: { name: "Owned lore", entries: [{ keys: ["secret"], content: "The owner's lore." }] },
      })
    ).json()
  ).id;
  await app.request(`/v1/lorebooks/${owned.lorebookId}/attachments/persona/${persona.id}`, {
    method: "PUT",
    user,
  });
  const conversation = await (
    await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: persona.id },
    })
  ).json();
  owned.conversationId = conversation.id;
  const exchange = await (
    await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user,
      json: { content: "a secret" },
    })
  ).json();
  owned.replyId = exchange.message.id;
  const call = (
    await (await app.request("/v1/calls", { method: "POST", user, json: { persona_id: persona.id } })).json()
  ).call;
  owned.callId = call.id;
  // As if the call had run with recording on: its stereo recording kept with its conversation.
  const owner = await app.services.users.resolve(tenantId!, user);
  const recordingId = await app.services.speech.storeCallRecording(
    owner,
    call.conversation_id,
    encodeWav({ left: new Float32Array(1600), right: new Float32Array(1600), sampleRate: 16_000 }),
  );
  await app.services.store.calls.update(call.id, { recording_audio_id: recordingId, status: "completed" });
  owned.audioId = (
    await (
      await app.request(`/v1/conversations/${conversation.id}/messages/${exchange.message.id}/speech`, {
        method: "POST",
        user,
      })
    ).json()
  ).id;
  owned.mediaId = (
    await app.services.media.upload(owner, conversation.id, {
      bytes: new Uint8Array(
        await sharp({ create: { width: 8, height: 8, channels: 3, background: "#369" } })
          .png()
          .toBuffer(),
      ),
    })
  ).id;
  // Kept as a persona's picture: the gallery keeps it after its conversation is deleted.
  await app.services.store.media.update(owner.tenant_id, owned.mediaId, { source: "generated" });
  owned.mediaLinkToken = app.services.mediaLinks.token({
    kind: "audio",
    tenantId: owner.tenant_id,
    conversationId: conversation.id,
    audioId: owned.audioId,
    format: "stored",
  });
  const accepted = await (
    await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user,
      json: { content: "in the background", mode: "async" },
    })
  ).json();
  owned.jobId = accepted.job.id;
  owned.memoryId = (
    await (
      await app.request(`/v1/personas/${persona.id}/memories`, {
        method: "POST",
        user,
        json: { owner: "relationship", facts: "Alice's secret: she loves sailing." },
      })
    ).json()
  ).id;
  // A model download of the tenant's (the test app has no catalog, so it is stored as a finished one).
  owned.downloadId = "mdl_owned";
  await app.services.store.modelSetup.insertDownload({
    id: owned.downloadId,
    catalog_id: "owned-model",
    tenant_id: "ten_default",
    status: "failed",
    received_bytes: 0,
    total_bytes: null,
    error: "stored by the test",
    job_id: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });
  owned.providerId = (
    await (
      await app.request("/v1/providers", {
        method: "POST",
        json: {
          name: "owned",
          kind: "openai-compatible",
          base_url: "http://127.0.0.1:9/v1",
          models: ["m"],
        },
      })
    ).json()
  ).id;
  owned.accountId = (
    await (
      await app.request("/v1/accounts", {
        method: "POST",
        json: { email: "bob@example.com", password: "a long password", name: "Bob" },
      })
    ).json()
  ).id;
  owned.skillId = (
    await (
      await app.request("/v1/skills", {
        method: "POST",
        json: { name: "Owned", prompt: "Agree?", answer: { type: "likert", scale: { min: 1, max: 5 } } },
      })
    ).json()
  ).id;
  owned.cohortId = (
    await (
      await app.request("/v1/cohorts", {
        method: "POST",
        json: {
          name: "Owned",
          generator: {
            age: { type: "uniform", min: 20, max: 30 },
            location: ["Oslo"],
            occupation: ["chef"],
          },
        },
      })
    ).json()
  ).id;
  owned.populationId = (
    await (
      await app.request("/v1/populations", {
        method: "POST",
        json: { name: "Owned", size: 2, seed: 1, cohorts: [{ cohort_id: owned.cohortId, proportion: 1 }] },
      })
    ).json()
  ).id;
  for (let attempt = 0; attempt < 200; attempt++) {
    const population = await (await app.request(`/v1/populations/${owned.populationId}`)).json();
    if (population.status === "ready") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  owned.studyId = (
    await (
      await app.request("/v1/studies", {
        method: "POST",
        user,
        json: { name: "Owned", skill_id: owned.skillId, population_id: owned.populationId },
      })
    ).json()
  ).id;
  for (let attempt = 0; attempt < 200; attempt++) {
    const study = await (await app.request(`/v1/studies/${owned.studyId}`)).json();
    if (study.status === "completed") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(
    (
      await app.request(`/v1/personas/${persona.id}/phone-numbers`, {
        method: "POST",
        json: { phone_number: PERSONA_PHONE },
      })
    ).status,
  ).toBe(201);
  // Verified directly: the test app has no Twilio to text a code through.
  const alice = await app.services.store.users.findByExternalId(TENANT_A, user);
  const aliceContact = await app.services.store.sms.ensureContact({
    id: "smc_alice",
    tenant_id: TENANT_A,
    phone_number: ALICE_PHONE,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });
  await app.services.store.sms.updateContact(aliceContact.id, {
    user_id: alice!.id,
    verified_at: "2026-01-01T00:00:00.000Z",
  });
  expect(
    (
      await app.request(`/v1/personas/${persona.id}/whatsapp-numbers`, {
        method: "POST",
        json: { phone_number_id: PERSONA_WHATSAPP, display_phone_number: "+1 415 555 0100" },
      })
    ).status,
  ).toBe(201);
  // Linked directly: the test app has no WhatsApp to send a link code through.
  const aliceWhatsApp = await app.services.store.whatsapp.ensureContact({
    id: "wac_alice",
    tenant_id: TENANT_A,
    wa_id: ALICE_WHATSAPP,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });
  await app.services.store.whatsapp.updateContact(aliceWhatsApp.id, {
    user_id: alice!.id,
    linked_at: "2026-01-01T00:00:00.000Z",
  });
  // A slot alice's persona plans for her (the pair is active: she wrote above).
  await app.services.proactive.plan();
  owned.scheduledMessageId = (
    await (await app.request("/v1/scheduled-messages", { user })).json()
  ).data[0].id;
  owned.pushSubscriptionId = (
    await (
      await app.request("/v1/push/subscriptions", {
        method: "POST",
        user,
        json: browserSubscription("https://127.0.0.1:9/push/alice"),
      })
    ).json()
  ).id;
  for (let attempt = 0; attempt < 100; attempt++) {
    const job = await (await app.request(`/v1/jobs/${owned.jobId}`, { user })).json();
    if (job.status === "succeeded") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const [name, value] of Object.entries(owned)) expect(value, name).toMatch(/\w{6,}/);
  const otherTenantKey = (
    await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json()
  ).admin_key;
  /** The owner's object for each path parameter, so a foreign caller aims at something real. */
  function fillPath(path: string, personaId = owned.personaId): string {
    const query = path.endsWith("/diff")
      ? "?from=1&to=draft"
      : path === "/v1/conversations/search"
        ? "?q=secret"
        : "";
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === "version") return "1";
      if (name === "messageId") return owned.replyId;
      if (name === "memoryId") return owned.memoryId;
      if (name === "assetId") return owned.assetId;
      if (name === "audioId") return owned.audioId;
      if (name === "token") return owned.mediaLinkToken;
      if (name === "phoneNumber") return path.startsWith("/v1/personas") ? PERSONA_PHONE : ALICE_PHONE;
      if (name === "phoneNumberId") return PERSONA_WHATSAPP;
      if (name === "waId") return ALICE_WHATSAPP;
      if (name === "kind") return "persona";
      if (name === "style") return "anime";
      if (name === "targetId") return personaId;
      if (name === "persona_id") return owned.tiePersonaId;
      if (name !== "id")
        throw new Error(`isolation test does not know path parameter {${name}} in ${path}: add it`);
      if (path.startsWith("/v1/personas")) return personaId;
      if (path.startsWith("/v1/voices")) return "espeak/en-us";
      if (path === "/v1/models/{id}") return `persona/${personaId}`;
      if (path.startsWith("/v1/user-personas")) return owned.userPersonaId;
      if (path.startsWith("/v1/lorebooks")) return owned.lorebookId;
      if (path.startsWith("/v1/keys")) return owned.keyId;
      if (path.startsWith("/v1/conversations")) return owned.conversationId;
      if (path.startsWith("/v1/jobs")) return owned.jobId;
      if (path.startsWith("/v1/calls")) return owned.callId;
      if (path.startsWith("/v1/media/")) return owned.mediaId;
      if (path.startsWith("/v1/providers")) return owned.providerId;
      if (path.startsWith("/v1/model-setup/downloads")) return owned.downloadId;
      if (path.startsWith("/v1/accounts")) return owned.accountId;
      if (path.startsWith("/v1/skills")) return owned.skillId;
      if (path.startsWith("/v1/cohorts")) return owned.cohortId;
      if (path.startsWith("/v1/populations")) return owned.populationId;
      if (path.startsWith("/v1/studies")) return owned.studyId;
      if (path.startsWith("/v1/scheduled-messages")) return owned.scheduledMessageId;
      if (path.startsWith("/v1/push/subscriptions")) return owned.pushSubscriptionId;
      throw new Error(`isolation test does not know which object {id} names in ${path}: add it`);
    });
    return filled + query;
  }

  /** A body that would succeed for the owner, so a refusal proves isolation rather than validation. */
  function validBody(method: string, path: string): unknown {
    if (method === "GET" || method === "DELETE") return undefined;
    if (path.endsWith("/rollback")) return { version: 1 };
    if (path.endsWith("/phone-numbers/verify")) return { phone_number: ALICE_PHONE, code: "123456" };
    if (path.endsWith("/phone-numbers"))
      return { phone_number: path.startsWith("/v1/personas") ? "+14155550177" : ALICE_PHONE };
    if (path.endsWith("/whatsapp-numbers"))
      return { phone_number_id: "106540352240000", display_phone_number: "+1 415 555 0177" };
    if (path === "/v1/personas/join") return { code: owned.joinCode };
    if (path === "/personas") return { name: "Sneaky", system_prompt: "Obey me." };
    if (path === "/v1/push/subscriptions") return SNEAKY_SUBSCRIPTION;
    if (path === "/v1/lorebooks/import") return { entries: { "0": { key: ["k"], content: "c" } } };
    if (path.startsWith("/v1/lorebooks/{id}/attachments")) return undefined;
    if (path === "/v1/lorebooks") return { name: "Sneaky lore" };
    if (path === "/v1/personas/import")
      return { spec: "chara_card_v2", spec_version: "2.0", data: { name: "Imported" } };
    if (path === "/v1/tenants") return { name: "Sneaky" };
    // Aimed at the owner's persona: another tenant must not find it.
    if (path === "/v1/media") return { persona_id: owned.personaId, kind: "image", description: "x" };
    if (path.endsWith("/avatar/from-media")) return { media_id: owned.mediaId };
    if (path.endsWith("/avatar/candidates")) return { count: 1 };
    if (path === "/v1/accounts") return { email: "sneaky@example.com", password: "a long password" };
    if (path.startsWith("/v1/accounts/")) return { role: "member" };
    if (path === "/v1/personas/assist") return { task: "improve_system_message", definition: { name: "X" } };
    if (path === "/v1/auth/setup")
      return { setup_token: "guessed-token", email: "sneaky@example.com", password: "a long password" };
    if (path === "/v1/auth/login") return { email: "bob@example.com", password: "not bob's password" };
    if (path === "/v1/auth/password")
      return { current_password: "a long password", new_password: "another long password" };
    if (path === "/v1/model-setup/default-model") return { model: null };
    if (path === "/v1/model-setup/local-servers") return { kind: "ollama" };
    if (path === "/v1/model-setup/downloads") return { catalog_id: "llama-3.2-1b-instruct-q4_k_m" };
    if (path.startsWith("/v1/providers")) {
      return method === "PATCH"
        ? { models: ["stolen"] }
        : { name: "sneaky", kind: "openai-compatible", base_url: "http://127.0.0.1:9/v1" };
    }
    if (path.includes("/publish") || path.startsWith("/v1/user-personas/active")) return undefined;
    if (path === "/v1/skills")
      return { name: "Sneaky", prompt: "Agree?", answer: { type: "single_choice", options: ["a", "b"] } };
    if (path === "/v1/cohorts") return { name: "Sneaky", filter: { occupations: ["chef"] } };
    if (path === "/v1/populations")
      return { name: "Sneaky", size: 1, cohorts: [{ cohort_id: owned.cohortId, proportion: 1 }] };
    if (path === "/v1/studies")
      return { name: "Sneaky", skill_id: owned.skillId, population_id: owned.populationId };
    if (path.endsWith("/cancel") || path.endsWith("/resume")) return {};
    if (path.endsWith("/regenerate") || path.endsWith("/continue")) return {};
    if (method === "PATCH" && path === "/v1/conversations/{id}") return { title: "Renamed by someone else" };
    if (method === "PATCH" && path.endsWith("/messages/{messageId}"))
      return { content: "edited by someone else" };
    if (path === "/v1/conversations") return { persona_id: owned.personaId };
    if (path.endsWith("/branch")) return { message_id: owned.replyId };
    if (path === "/v1/conversations/import") {
      return {
        format: "dramatis.conversation",
        version: 1,
        conversation: {
          title: "Imported",
          created_at: "2026-01-01T00:00:00.000Z",
          persona: { id: owned.personaId, name: "Owned" },
        },
        messages: [
          { role: "user", alternatives: [{ content: "hi", created_at: "2026-01-01T00:00:00.000Z" }] },
        ],
      };
    }
    if (path === "/v1/speech") return { text: "Hello there." };
    if (path === "/v1/calls") return { persona_id: owned.personaId };
    if (path.endsWith("/hangup")) return undefined;
    if (path.endsWith("/speech")) return {};
    if (path === "/v1/embeddings") return { model: "offline/default", input: "hi" };
    if (path === "/v1/chat/completions") {
      return { model: `persona/${owned.personaId}`, messages: [{ role: "user", content: "hi" }] };
    }
    if (path.endsWith("/messages")) return { content: "let me in" };
    if (path.endsWith("/memories/import")) return [{ facts: "planted" }];
    if (path.endsWith("/memories/search")) return { query: "sailing" };
    if (path === "/v1/personas/generate")
      return { name: "Gen", age: 30, location: "Oslo", occupation: "chef" };
    if (path.includes("/memories")) return method === "PATCH" ? { strength: 1 } : { facts: "planted" };
    return { name: "Changed by someone else" };
  }

  /** The body; of an endless event stream (the inbox), what its first event says. */
  async function bodyText(path: string, response: TestResponse): Promise<string> {
    if (!path.endsWith("/inbox/events") || response.status !== 200) return response.text();
    const reader = (response as unknown as Response).body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return new TextDecoder().decode(value);
  }

  const dataCarryingResponse = (text: string) =>
    [
      owned.personaId,
      owned.tiePersonaId,
      owned.userPersonaId,
      owned.lorebookId,
      owned.keyId,
      owned.conversationId,
      owned.replyId,
      owned.callId,
      owned.jobId,
      owned.skillId,
      owned.cohortId,
      owned.populationId,
      owned.studyId,
      owned.scheduledMessageId,
      owned.pushSubscriptionId,
    ].some((id) => text.includes(id));

  return { owned, operations, otherTenantKey, fillPath, validBody, bodyText, dataCarryingResponse };
}
