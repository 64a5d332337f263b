import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { DatabaseJobQueue } from "../../src/jobs/database-job-queue.ts";
import type { LanguageModel, ModelProvider, StreamPart } from "../../src/models/language-model.ts";
import { UpstreamModelError } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { createServices } from "../../src/composition/create-services.ts";
import { Store } from "../../src/store/store.ts";
import { BACKENDS } from "../backends.ts";
import {
  ADMIN_KEY,
  createTestApp,
  createTestSecretBox,
  type TestApp,
  type TestResponse,
} from "../test-app.ts";

/**
 * A model that holds every call until the test releases it, and says when a call has arrived: the way to
 * keep a first request in flight without sleeping.
 */
class GatedModel implements LanguageModel {
  readonly id = "gated/model";
  private waiting: (() => void)[] = [];
  private arrivals: (() => void)[] = [];
  calls = 0;

  /** Resolves when the model has been called `count` times in all. */
  called(count: number): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.calls >= count ? resolve() : this.arrivals.push(check));
      this.arrivals.push(check);
    });
  }

  /** Lets every held call finish. */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  private async arrive(): Promise<void> {
    this.calls++;
    const arrivals = this.arrivals;
    this.arrivals = [];
    for (const arrival of arrivals) arrival();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private result() {
    return {
      text: `Answer ${this.calls}`,
      usage: { inputTokens: 5, outputTokens: 2 },
      finishReason: "stop" as const,
      warnings: [],
      model: this.id,
    };
  }

  async generate() {
    await this.arrive();
    return this.result();
  }

  async generateObject(): Promise<never> {
    throw new Error("not used");
  }

  async *stream(): AsyncIterable<StreamPart> {
    await this.arrive();
    const result = this.result();
    yield { type: "delta", text: result.text };
    yield { type: "finish", result };
  }
}

const brokenProvider: ModelProvider = {
  name: "broken",
  listModels: async () => ["model"],
  languageModel: (): LanguageModel => {
    const fail = () => {
      throw new UpstreamModelError("the upstream refused the request", 400, false);
    };
    return {
      id: "broken/model",
      generate: async () => fail(),
      generateObject: async () => fail(),
      // eslint-disable-next-line require-yield
      stream: async function* () {
        fail();
      },
    };
  },
};

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(BACKENDS)("Idempotency-Key on $name", (backend) => {
  let app: TestApp;
  const gated = new GatedModel();
  const models = () =>
    new ModelRegistry(
      [
        createOfflineProvider(),
        brokenProvider,
        { name: "gated", listModels: async () => ["model"], languageModel: () => gated },
      ],
      "offline/default",
    );
  let personaId: string;
  let gatedPersonaId: string;
  const user = "alice";
  let keyNumber = 0;
  const newKey = () => `key-${backend.name}-${++keyNumber}-${Date.now()}`;

  beforeAll(async () => {
    app = await createTestApp({ backend, models: models() });
    personaId = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Mira" } })).json())
      .id;
    gatedPersonaId = (
      await (
        await app.request("/v1/personas", { method: "POST", json: { name: "Slow", model: "gated/model" } })
      ).json()
    ).id;
  });
  afterAll(async () => app.close());

  async function startConversation(persona = personaId): Promise<string> {
    const response = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: persona },
    });
    expect(response.status).toBe(201);
    return (await response.json()).id;
  }

  function send(
    conversationId: string,
    body: Record<string, unknown>,
    key: string,
    request: TestApp["request"] = app.request,
  ): Promise<TestResponse> {
    return request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user,
      json: body,
      headers: { "idempotency-key": key },
    });
  }

  async function messageCount(conversationId: string): Promise<number> {
    const page = await (await app.request(`/v1/conversations/${conversationId}/messages`, { user })).json();
    return page.data.length;
  }

  async function countRows(table: "jobs" | "studies" | "personas" | "idempotency_keys"): Promise<number> {
    const row = await app.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  it("replays a synchronous reply: one exchange stored, the identical response twice", async () => {
    const conversationId = await startConversation();
    const before = await messageCount(conversationId);
    const key = newKey();
    const first = await send(conversationId, { content: "Hello there" }, key);
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstBody = await first.text();
    const again = await send(conversationId, { content: "Hello there" }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(await again.text()).toBe(firstBody);
    // One user message and one reply.
    expect(await messageCount(conversationId)).toBe(before + 2);
  });

  it("replays an async reply: one job, one user message", async () => {
    const conversationId = await startConversation();
    const before = await messageCount(conversationId);
    const jobsBefore = await countRows("jobs");
    const key = newKey();
    const first = await send(conversationId, { content: "Later, please", mode: "async" }, key);
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    const again = await send(conversationId, { content: "Later, please", mode: "async" }, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    expect(await countRows("jobs")).toBe(jobsBefore + 1);
    await app.settleJobs("conversation-reply");
    expect(await messageCount(conversationId)).toBe(before + 2);
  });

  it("replays a streamed reply as the recorded event stream, generating it once", async () => {
    const conversationId = await startConversation();
    const before = await messageCount(conversationId);
    const key = newKey();
    const first = await send(conversationId, { content: "Stream it", stream: true }, key);
    expect(first.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const firstBody = await first.text();
    expect(firstBody).toContain("event: message-end");
    const again = await send(conversationId, { content: "Stream it", stream: true }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await again.text()).toBe(firstBody);
    expect(await messageCount(conversationId)).toBe(before + 2);
  });

  it("refuses the same key with a different body (422) and creates nothing", async () => {
    const conversationId = await startConversation();
    const key = newKey();
    expect((await send(conversationId, { content: "First", mode: "async" }, key)).status).toBe(202);
    await app.settleJobs("conversation-reply");
    const before = await messageCount(conversationId);
    const jobsBefore = await countRows("jobs");
    const mismatch = await send(conversationId, { content: "Second", mode: "async" }, key);
    expect(mismatch.status).toBe(422);
    expect(mismatch.headers.get("content-type")).toBe("application/problem+json");
    const problem = await mismatch.json();
    expect(problem.detail).toMatch(/Idempotency-Key was already used with a different request/);
    expect(problem.errors[0].field).toBe("Idempotency-Key");
    // Another path with the same key is a different request too.
    const otherPath = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: personaId },
      headers: { "idempotency-key": key },
    });
    expect(otherPath.status).toBe(422);
    expect(await countRows("jobs")).toBe(jobsBefore);
    expect(await messageCount(conversationId)).toBe(before);
  });

  it("answers 409 while the first request is in flight, then replays its result", async () => {
    const conversationId = await startConversation(gatedPersonaId);
    const before = await messageCount(conversationId);
    const key = newKey();
    const callsBefore = gated.calls;
    const first = send(conversationId, { content: "Take your time" }, key);
    await gated.called(callsBefore + 1);
    const duplicate = await send(conversationId, { content: "Take your time" }, key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get("content-type")).toBe("application/problem+json");
    expect((await duplicate.json()).detail).toMatch(/still being processed/);
    gated.release();
    const firstResponse = await first;
    expect(firstResponse.status).toBe(200);
    const firstBody = await firstResponse.text();
    const retry = await send(conversationId, { content: "Take your time" }, key);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(firstBody);
    expect(gated.calls).toBe(callsBefore + 1);
    expect(await messageCount(conversationId)).toBe(before + 2);
  });

  it("replays errors: a model failure and a validation error", async () => {
    const broken = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Broken", model: "broken/model" } })
    ).json();
    const conversationId = await startConversation(broken.id);
    const key = newKey();
    const failed = await send(conversationId, { content: "Are you there?" }, key);
    expect(failed.status).toBe(502);
    const failedBody = await failed.text();
    const again = await send(conversationId, { content: "Are you there?" }, key);
    expect(again.status).toBe(502);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(failedBody);
    // The user's message was stored once, not once per retry.
    const messages = (
      await (await app.request(`/v1/conversations/${conversationId}/messages`, { user })).json()
    ).data;
    expect(messages.filter((message: { role: string }) => message.role === "user")).toHaveLength(1);

    const invalidKey = newKey();
    const invalid = await send(conversationId, { content: "" }, invalidKey);
    expect(invalid.status).toBe(422);
    const replayed = await send(conversationId, { content: "" }, invalidKey);
    expect(replayed.status).toBe(422);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(await replayed.json()).toEqual(await invalid.json());
  });

  it("refuses an empty or overlong key with a 400 naming the header", async () => {
    const conversationId = await startConversation();
    const before = await messageCount(conversationId);
    for (const key of ["", " ", "x".repeat(256)]) {
      const response = await send(conversationId, { content: "Hi", mode: "async" }, key);
      expect(response.status).toBe(400);
      const problem = await response.json();
      expect(problem.detail).toMatch(/Idempotency-Key/);
      expect(problem.errors[0].field).toBe("Idempotency-Key");
    }
    expect(await messageCount(conversationId)).toBe(before);
    // 255 characters and the draft's quoted form are accepted.
    const longest = await send(conversationId, { content: "Hi", mode: "async" }, "y".repeat(255));
    expect(longest.status).toBe(202);
    const quoted = await send(conversationId, { content: "Hi", mode: "async" }, `"${"y".repeat(255)}"`);
    expect(quoted.headers.get("idempotent-replayed")).toBe("true");
    await app.settleJobs("conversation-reply");
  });

  it("creates one study, one population and one persona per key", async () => {
    const key = newKey();
    const create = (path: string, json: unknown, requestKey = key) =>
      app.request(path, { method: "POST", json, headers: { "idempotency-key": requestKey } });
    const personasBefore = await countRows("personas");
    const persona = await create("/v1/personas", { name: "Once" });
    expect(persona.status).toBe(201);
    const personaBody = await persona.json();
    const personaAgain = await create("/v1/personas", { name: "Once" });
    expect(personaAgain.headers.get("idempotent-replayed")).toBe("true");
    expect((await personaAgain.json()).id).toBe(personaBody.id);
    expect(await countRows("personas")).toBe(personasBefore + 1);

    const skill = await (
      await create(
        "/v1/skills",
        {
          name: "Mood",
          prompt: "How do you feel, {{persona.name}}?",
          answer: { type: "single_choice", options: ["Good", "Bad"] },
        },
        newKey(),
      )
    ).json();
    const cohort = await (
      await create(
        "/v1/cohorts",
        {
          name: "Adults",
          generator: {
            age: { type: "uniform", min: 20, max: 60 },
            sex: { female: 1, male: 1 },
            location: { "Lisbon, Portugal": 1 },
            occupation: ["nurse", "teacher"],
            traits: { values: ["curious", "warm"], per_persona: 1 },
          },
        },
        newKey(),
      )
    ).json();
    const populationKey = newKey();
    const populationBody = {
      name: "Panel",
      size: 2,
      seed: 1,
      cohorts: [{ cohort_id: cohort.id, proportion: 1 }],
    };
    const population = await create("/v1/populations", populationBody, populationKey);
    expect(population.status).toBe(201);
    const populationId = (await population.json()).id;
    const populationAgain = await create("/v1/populations", populationBody, populationKey);
    expect((await populationAgain.json()).id).toBe(populationId);
    for (let attempt = 0; attempt < 400; attempt++) {
      const current = await (await app.request(`/v1/populations/${populationId}`)).json();
      if (current.status !== "generating") break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const studiesBefore = await countRows("studies");
    const studyKey = newKey();
    const studyBody = { name: "Mood check", skill_id: skill.id, population_id: populationId };
    const study = await create("/v1/studies", studyBody, studyKey);
    expect(study.status).toBe(201);
    const studyText = await study.text();
    const studyAgain = await create("/v1/studies", studyBody, studyKey);
    expect(studyAgain.status).toBe(201);
    expect(studyAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(await studyAgain.text()).toBe(studyText);
    expect(await countRows("studies")).toBe(studiesBefore + 1);
  });

  it("imports a card (raw or multipart) and memories once per key", async () => {
    const card = {
      spec: "chara_card_v2",
      spec_version: "2.0",
      data: { name: "Seraphina", description: "A guardian of the forest.", first_mes: "Hello, traveller." },
    };
    const personasBefore = await countRows("personas");
    const cardKey = newKey();
    const importCard = () =>
      app.request("/v1/personas/import", {
        method: "POST",
        json: card,
        headers: { "idempotency-key": cardKey },
      });
    const imported = await importCard();
    expect(imported.status).toBe(201);
    const importedText = await imported.text();
    const importedAgain = await importCard();
    expect(importedAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(await importedAgain.text()).toBe(importedText);

    const formKey = newKey();
    const importForm = () => {
      const form = new FormData();
      form.set("file", new Blob([JSON.stringify(card)], { type: "application/json" }), "card.json");
      return app.request("/v1/personas/import", {
        method: "POST",
        body: form,
        headers: { "idempotency-key": formKey },
      });
    };
    const formImported = await importForm();
    expect(formImported.status).toBe(201);
    const formId = (await formImported.json()).persona.id;
    // A multipart body carries a random boundary, so a client's retry resends the same bytes; a new form
    // (a new boundary) is a different request.
    expect((await importForm()).status).toBe(422);
    expect(await countRows("personas")).toBe(personasBefore + 2);
    expect((await app.request(`/v1/personas/${formId}`)).status).toBe(200);

    const memoryKey = newKey();
    const lines = [{ facts: "I keep the glade." }, { facts: "I distrust hunters." }]
      .map((memory) => JSON.stringify(memory))
      .join("\n");
    const importMemories = () =>
      app.request(`/v1/personas/${personaId}/memories/import`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", "idempotency-key": memoryKey },
        body: lines,
      });
    const report = await importMemories();
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ imported: 2, failed: 0 });
    const reportAgain = await importMemories();
    expect(reportAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(await reportAgain.json()).toMatchObject({ imported: 2, failed: 0 });
    const memories = await (await app.request(`/v1/personas/${personaId}/memories?limit=200`)).json();
    expect(
      memories.data.filter((memory: { facts: string }) => memory.facts === "I keep the glade."),
    ).toHaveLength(1);
  });

  it("replays a chat completion", async () => {
    const key = newKey();
    const body = { model: `persona/${personaId}`, messages: [{ role: "user", content: "Hi" }] };
    const first = await app.request("/v1/chat/completions", {
      method: "POST",
      user,
      json: body,
      headers: { "idempotency-key": key },
    });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    const again = await app.request("/v1/chat/completions", {
      method: "POST",
      user,
      json: body,
      headers: { "idempotency-key": key },
    });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
  });

  it("scopes keys to the tenant and the end user", async () => {
    const other = await (
      await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })
    ).json();
    const key = newKey();
    const create = (requestKey: string | null) =>
      app.request("/v1/personas", {
        method: "POST",
        key: requestKey,
        json: { name: "Twin" },
        headers: { "idempotency-key": key },
      });
    const mine = await (await create(ADMIN_KEY)).json();
    const theirsResponse = await create(other.admin_key);
    expect(theirsResponse.status).toBe(201);
    expect(theirsResponse.headers.get("idempotent-replayed")).toBeNull();
    const theirs = await theirsResponse.json();
    expect(theirs.id).not.toBe(mine.id);
    // Each tenant's retry gets its own result.
    expect((await (await create(other.admin_key)).json()).id).toBe(theirs.id);
    expect((await (await create(ADMIN_KEY)).json()).id).toBe(mine.id);

    // Another end user of the same tenant with the same key runs their own request.
    const conversationId = await startConversation();
    const userKey = newKey();
    expect((await send(conversationId, { content: "Mine", mode: "async" }, userKey)).status).toBe(202);
    const bob = await app.request("/v1/conversations", {
      method: "POST",
      user: "bob",
      json: { persona_id: personaId },
      headers: { "idempotency-key": userKey },
    });
    expect(bob.status).toBe(201);
    expect(bob.headers.get("idempotent-replayed")).toBeNull();
    await app.settleJobs("conversation-reply");
  });

  it("keeps a key for 24 hours, then forgets and prunes it", async () => {
    const key = newKey();
    const create = () =>
      app.request("/v1/personas", {
        method: "POST",
        json: { name: "Daily" },
        headers: { "idempotency-key": key },
      });
    const first = await (await create()).json();
    app.clock.advance(DAY_MS - 1000);
    const withinDay = await create();
    expect(withinDay.headers.get("idempotent-replayed")).toBe("true");
    expect((await withinDay.json()).id).toBe(first.id);
    app.clock.advance(2000);
    const afterDay = await create();
    expect(afterDay.headers.get("idempotent-replayed")).toBeNull();
    expect((await afterDay.json()).id).not.toBe(first.id);
    // Every other key written before is past its day now and is pruned.
    app.clock.advance(DAY_MS + 1000);
    await app.services.idempotency.prune();
    expect(await countRows("idempotency_keys")).toBe(0);
  });

  it("works across two app instances on one database, and a dead instance's key is taken over", async () => {
    // The second instance has no worker of its own: the first's worker runs what it queues.
    const secondQueue = new DatabaseJobQueue({ db: app.database.db, clock: app.clock });
    const second = createApp({
      services: createServices(new Store(app.database.db), app.clock, {
        models: models(),
        jobs: secondQueue,
        secrets: createTestSecretBox(),
      }),
      logger: pino({ level: "silent" }),
      config: { bodyLimitBytes: 1024 * 1024, importLimitBytes: 10 * 1024 * 1024 },
    });
    const requestSecond: TestApp["request"] = (path, init = {}) => {
      const { key = ADMIN_KEY, user: actingUser, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set("authorization", `Bearer ${key}`);
      if (actingUser !== undefined) headers.set("x-dramatis-user", actingUser);
      headers.set("content-type", "application/json");
      return Promise.resolve(
        second.request(path, { ...rest, headers, body: JSON.stringify(json) }),
      ) as Promise<TestResponse>;
    };

    // A key used on one instance is replayed by the other.
    const personaKey = newKey();
    const created = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: { name: "Shared" },
        headers: { "idempotency-key": personaKey },
      })
    ).json();
    const fromSecond = await requestSecond("/v1/personas", {
      method: "POST",
      json: { name: "Shared" },
      headers: { "idempotency-key": personaKey },
    });
    expect(fromSecond.headers.get("idempotent-replayed")).toBe("true");
    expect((await fromSecond.json()).id).toBe(created.id);

    // The first instance hangs in the model (as if its process died): the second sees 409 until the lease
    // runs out, then runs the request itself; the first instance's late result does not replace it.
    const conversationId = await startConversation(gatedPersonaId);
    const key = newKey();
    const callsBefore = gated.calls;
    const stuck = send(conversationId, { content: "Anyone?" }, key);
    await gated.called(callsBefore + 1);
    expect((await send(conversationId, { content: "Anyone?" }, key, requestSecond)).status).toBe(409);
    app.clock.advance(61_000);
    const takeover = send(conversationId, { content: "Anyone?" }, key, requestSecond);
    await gated.called(callsBefore + 2);
    gated.release();
    const takeoverResponse = await takeover;
    expect(takeoverResponse.status).toBe(200);
    const takeoverBody = await takeoverResponse.text();
    expect((await stuck).status).toBe(200);
    const retry = await send(conversationId, { content: "Anyone?" }, key);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(takeoverBody);
    await secondQueue.close();
  });

  it("documents the header as one shared parameter on every covered route", async () => {
    const document = await (await app.request("/openapi.json", { key: null })).json();
    expect(document.components.parameters.IdempotencyKey).toMatchObject({
      name: "idempotency-key",
      in: "header",
    });
    const covered = [
      "/v1/conversations",
      "/v1/conversations/{id}/messages",
      "/v1/studies",
      "/v1/populations",
      "/v1/personas",
      "/v1/personas/import",
      "/v1/personas/{id}/memories/import",
      "/v1/chat/completions",
    ];
    for (const path of covered) {
      expect(document.paths[path].post.parameters, path).toContainEqual({
        $ref: "#/components/parameters/IdempotencyKey",
      });
    }
  });
});
