import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  UpstreamModelError,
  type GenerateObjectResult,
  type GenerateRequest,
  type JsonSchema,
  type LanguageModel,
  type ModelProvider,
} from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { BACKENDS, sqliteBackend } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";
import { readCsvRecords } from "../csv-records.ts";

const LIKERT = {
  type: "likert",
  scale: { min: 1, max: 5, labels: ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"] },
};

const generator = (ageMin: number, ageMax: number) => ({
  age: { type: "uniform", min: ageMin, max: ageMax },
  sex: { female: 1, male: 1 },
  location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1 },
  occupation: ["nurse", "teacher", "software engineer", "barista"],
  traits: { values: ["curious", "cautious", "warm", "ambitious"], per_persona: 2 },
});

/**
 * A model whose structured answers a test scripts per call: a value to return, an error to throw, or a
 * delay first. Everything else is unused by studies.
 */
class ScriptedModel implements LanguageModel {
  readonly id = "scripted/test";
  calls = 0;
  constructor(
    private readonly answer: (call: number, request: GenerateRequest) => Promise<unknown> | unknown,
  ) {}
  async generate(): Promise<never> {
    throw new Error("not used");
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<never> {
    throw new Error("not used");
  }
  async generateObject(request: GenerateRequest & { schema: JsonSchema }): Promise<GenerateObjectResult> {
    const call = ++this.calls;
    const object = await this.answer(call, request);
    return { object, usage: { inputTokens: 10, outputTokens: 2 }, model: this.id, warnings: [] };
  }
}

function registryWith(model: ScriptedModel): ModelRegistry {
  const scripted: ModelProvider = {
    name: "scripted",
    languageModel: () => model,
    listModels: async () => ["test"],
  };
  return new ModelRegistry([createOfflineProvider(), scripted], "offline/default");
}

async function post(app: TestApp, path: string, json: unknown, expected = 201) {
  const response = await app.request(path, { method: "POST", json });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(expected);
  return body;
}

/**
 * The 1,000-persona study takes minutes on a loaded machine. Waiting fails on a stall (see waitFor), so this
 * only bounds a hang; the suite's default 30 s would measure the machine, not the code.
 */
const LARGE_STUDY_TIMEOUT_MS = 15 * 60_000;

/** Polls without progress (an unchanged answer) before waiting gives up: a stall, not a slow machine. */
const STALLED_AFTER_POLLS = 600;

/**
 * Polls until `done`. It gives up only when the answer stops changing, so a busy machine that is slow but
 * still moving (a population generating, a study answering) never fails the test.
 */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last = "";
  for (let unchanged = 0; unchanged < STALLED_AFTER_POLLS; unchanged++) {
    const value = await read();
    if (done(value)) return value;
    const seen = JSON.stringify(value);
    if (seen !== last) unchanged = 0;
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no progress while waiting for ${what}: ${last}`);
}

async function readyPopulation(app: TestApp, body: unknown) {
  const population = await post(app, "/v1/populations", body);
  return waitFor(
    async () => (await app.request(`/v1/populations/${population.id}`)).json(),
    (current) => current.status !== "generating",
    "the population",
  );
}

async function finishedStudy(app: TestApp, id: string) {
  return waitFor(
    async () => (await app.request(`/v1/studies/${id}`)).json(),
    (study) => study.status !== "running",
    "the study",
  );
}

async function twoCohorts(app: TestApp) {
  const young = await post(app, "/v1/cohorts", { name: "Young", generator: generator(18, 34) });
  const old = await post(app, "/v1/cohorts", { name: "Old", generator: generator(55, 80) });
  return { young, old };
}

async function likertSkill(app: TestApp) {
  return post(app, "/v1/skills", {
    name: "Remote work",
    prompt: "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}}. {{context.question}}",
    answer: LIKERT,
    context: { question: "Working from home makes me more productive." },
  });
}

async function csvRows(app: TestApp, studyId: string): Promise<string[][]> {
  const response = await app.request(`/v1/studies/${studyId}/export?format=csv`);
  expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
  expect(response.headers.get("content-disposition")).toContain("attachment");
  return readCsvRecords(await response.text());
}

describe.each(BACKENDS)("research studies on $name", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ backend, workerConcurrency: 8 });
  });
  afterAll(async () => app.close());

  it("validates skills with errors that name the field", async () => {
    const badLabels = await post(
      app,
      "/v1/skills",
      {
        name: "x",
        prompt: "Hi {{persona.name}}",
        answer: { ...LIKERT, scale: { min: 1, max: 5, labels: ["a"] } },
      },
      422,
    );
    expect(badLabels.errors.map((error: { field: string }) => error.field)).toContain("answer.scale.labels");
    const badVariable = await post(
      app,
      "/v1/skills",
      { name: "x", prompt: "Hi {{persona.shoe_size}}", answer: LIKERT },
      422,
    );
    expect(badVariable.errors[0].field).toBe("prompt");
    expect(badVariable.detail).toMatch(/shoe_size/);
    const badWeights = await post(
      app,
      "/v1/skills",
      {
        name: "x",
        prompt: "Pick",
        answer: { type: "single_choice", options: ["Yes", "No"] },
        scoring: { weights: { Maybe: 1 } },
      },
      422,
    );
    expect(badWeights.errors[0].field).toMatch(/^scoring\.weights/);
    const skill = await likertSkill(app);
    const patched = await app.request(`/v1/skills/${skill.id}`, {
      method: "PATCH",
      json: { name: "Renamed" },
    });
    expect((await patched.json()).name).toBe("Renamed");
    expect((await app.request(`/v1/skills/${skill.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(`/v1/skills/${skill.id}`)).status).toBe(404);
  });

  it("generates the same population from the same seed, keeping each persona's cohort", async () => {
    const { young, old } = await twoCohorts(app);
    const spec = (seed: number) => ({
      name: `Panel ${seed}`,
      size: 12,
      seed,
      reference_date: "2026-06-01T00:00:00Z",
      cohorts: [
        { cohort_id: young.id, proportion: 2 },
        { cohort_id: old.id, proportion: 1 },
      ],
    });
    const first = await readyPopulation(app, spec(42));
    const again = await readyPopulation(app, spec(42));
    const other = await readyPopulation(app, spec(43));
    expect(first).toMatchObject({ status: "ready", generated: 12, size: 12 });
    expect(first.cohorts.map((part: { size: number }) => part.size)).toEqual([8, 4]);
    const members = async (id: string, query = "") =>
      (await (await app.request(`/v1/populations/${id}/members?limit=200${query}`)).json()).data;
    const describe = (list: { name: string; age: number; occupation: string }[]) =>
      list.map((member) => `${member.name}|${member.age}|${member.occupation}`);
    const firstMembers = await members(first.id);
    expect(describe(await members(again.id))).toEqual(describe(firstMembers));
    // With the same reference date the lives are the same too, memory for memory.
    const timeline = async (personaId: string) =>
      (await (await app.request(`/v1/personas/${personaId}/memories?limit=200`)).json()).data
        .map((memory: { facts: string; event_time: string }) => `${memory.event_time} ${memory.facts}`)
        .sort();
    const againMembers = await members(again.id);
    expect(await timeline(againMembers[3].persona_id)).toEqual(await timeline(firstMembers[3].persona_id));
    expect(describe(await members(other.id))).not.toEqual(describe(firstMembers));
    const old_ = await members(first.id, `&cohort_id=${old.id}`);
    expect(old_).toHaveLength(4);
    for (const member of old_) expect(member.age).toBeGreaterThanOrEqual(55);
    const persona = await (await app.request(`/v1/personas/${old_[0].persona_id}`)).json();
    expect(persona.production_version).toBe(1);
    expect(persona.tags).toContain("cohort:Old");

    // A filter cohort draws existing personas; asking for more than match is a 422 naming the cohort.
    const nurses = await post(app, "/v1/cohorts", {
      name: "Old nurses",
      filter: { age: { min: 55 }, occupations: ["nurse"], tags: ["cohort:old"] },
    });
    const preview = await (await app.request(`/v1/cohorts/${nurses.id}/preview`)).json();
    expect(preview.matching).toBeGreaterThan(0);
    const drawn = await readyPopulation(app, {
      name: "Nurses",
      size: preview.matching,
      seed: 1,
      cohorts: [{ cohort_id: nurses.id, proportion: 1 }],
    });
    for (const member of await members(drawn.id)) expect(member.occupation).toBe("nurse");
    const tooMany = await post(
      app,
      "/v1/populations",
      { name: "Too many", size: preview.matching + 1, cohorts: [{ cohort_id: nurses.id, proportion: 1 }] },
      422,
    );
    expect(tooMany.errors[0]).toMatchObject({ field: "cohorts.0.cohort_id" });
    expect((await app.request(`/v1/cohorts/${nurses.id}`, { method: "DELETE" })).status).toBe(409);

    // Deleting a population deletes the personas it generated, not the ones it drew.
    const generatedId = firstMembers[0].persona_id;
    expect((await app.request(`/v1/populations/${first.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(`/v1/personas/${generatedId}`)).status).toBe(404);
    expect((await app.request(`/v1/populations/${first.id}`)).status).toBe(404);
  });

  it(
    "runs a Likert study across two cohorts: statistics per cohort, a chi-square test, CSV and JSON",
    async () => {
      const size = backend.name === "sqlite" ? 1000 : 120;
      const { young, old } = await twoCohorts(app);
      const population = await readyPopulation(app, {
        name: "Big panel",
        size,
        seed: 7,
        cohorts: [
          { cohort_id: young.id, proportion: 0.5 },
          { cohort_id: old.id, proportion: 0.5 },
        ],
      });
      expect(population.generated).toBe(size);
      const skill = await likertSkill(app);
      const created = await post(app, "/v1/studies", {
        name: "Remote work",
        skill_id: skill.id,
        population_id: population.id,
        concurrency: 16,
        seed: 3,
      });
      expect(created.progress.total).toBe(size);
      const study = await finishedStudy(app, created.id);
      expect(study.status).toBe("completed");
      expect(study.progress).toMatchObject({
        total: size,
        answered: size,
        done: size,
        failed: 0,
        invalid: 0,
      });
      // The test app answers with the offline engine: every view of the results says so.
      expect(study).toMatchObject({ offline_engine: true, answer_models: ["offline/default"] });
      const listed = (await (await app.request("/v1/studies")).json()).data;
      expect(listed.find((item: { id: string }) => item.id === study.id).offline_engine).toBe(true);

      const statistics = await (await app.request(`/v1/studies/${study.id}/statistics`)).json();
      expect(statistics.answer_type).toBe("likert");
      expect(statistics.offline_engine).toBe(true);
      expect(statistics.cohorts.map((cohort: { cohort_name: string }) => cohort.cohort_name).sort()).toEqual([
        "Old",
        "Young",
      ]);
      for (const cohort of statistics.cohorts) {
        expect(cohort.answered).toBe(size / 2);
        expect(cohort.mean).toBeGreaterThanOrEqual(1);
        expect(cohort.mean).toBeLessThanOrEqual(5);
        expect(cohort.ci95[0]).toBeLessThan(cohort.mean);
        expect(cohort.ci95[1]).toBeGreaterThan(cohort.mean);
        expect(cohort.distribution.map((entry: { value: string }) => entry.value)).toEqual([
          "1",
          "2",
          "3",
          "4",
          "5",
        ]);
        const counted = cohort.distribution.reduce(
          (sum: number, entry: { count: number }) => sum + entry.count,
          0,
        );
        expect(counted).toBe(size / 2);
      }
      expect(statistics.test).toMatchObject({ name: "chi_square", df: 4 });
      expect(statistics.test.p_value).toBeGreaterThanOrEqual(0);
      expect(statistics.test.p_value).toBeLessThanOrEqual(1);

      const rows = await csvRows(app, study.id);
      expect(rows[0]?.slice(0, 3)).toEqual(["run_id", "persona_id", "persona_name"]);
      expect(rows).toHaveLength(size + 1);
      expect(new Set(rows.slice(1).map((row) => row[1])).size).toBe(size);
      const offlineColumn = rows[0]!.indexOf("offline_engine");
      expect(offlineColumn).toBe(rows[0]!.indexOf("model") + 1);
      expect(new Set(rows.slice(1).map((row) => row[offlineColumn]))).toEqual(new Set(["true"]));
      const exported = await (await app.request(`/v1/studies/${study.id}/export?format=json`)).json();
      expect(exported.results).toHaveLength(size);
      expect(exported.statistics.overall.answered).toBe(size);
      expect(exported).toMatchObject({
        offline_engine: true,
        warnings: [expect.stringMatching(/^Demo engine: answers are canned, not a real model/)],
        study: { offline_engine: true },
        statistics: { offline_engine: true },
      });
      expect(exported.results.every((result: { offline_engine: boolean }) => result.offline_engine)).toBe(
        true,
      );

      // The same population, skill and seed give the same answers: the versions are pinned.
      const rerun = await finishedStudy(
        app,
        (
          await post(app, "/v1/studies", {
            name: "Again",
            skill_id: skill.id,
            population_id: population.id,
            concurrency: 16,
            seed: 3,
          })
        ).id,
      );
      const again = await (await app.request(`/v1/studies/${rerun.id}/export?format=json`)).json();
      const answers = (results: { persona_id: string; answer: number }[]) =>
        Object.fromEntries(results.map((result) => [result.persona_id, result.answer]));
      expect(answers(again.results)).toEqual(answers(exported.results));

      const usage = await (await app.request("/v1/usage?group_by=kind")).json();
      const studyUsage = usage.totals.find((total: { key: string }) => total.key === "study_run");
      expect(studyUsage.requests).toBe(size * 2);
      expect((await app.request(`/v1/populations/${population.id}`, { method: "DELETE" })).status).toBe(409);
    },
    LARGE_STUDY_TIMEOUT_MS,
  );
});

describe("study runs with a scripted model", () => {
  let app: TestApp;
  let population: { id: string };
  let skill: { id: string };
  const behaviour: { next: (call: number, request: GenerateRequest) => Promise<unknown> | unknown } = {
    next: () => ({ answer: 3 }),
  };
  const model = new ScriptedModel((call, request) => behaviour.next(call, request));

  beforeAll(async () => {
    app = await createTestApp({ backend: sqliteBackend, models: registryWith(model), workerConcurrency: 4 });
    const cohort = await post(app, "/v1/cohorts", { name: "All", generator: generator(20, 60) });
    population = await readyPopulation(app, {
      name: "Small",
      size: 6,
      seed: 9,
      cohorts: [{ cohort_id: cohort.id, proportion: 1 }],
    });
    skill = await likertSkill(app);
  });
  afterAll(async () => app.close());

  const start = (extra: Record<string, unknown> = {}) =>
    post(app, "/v1/studies", {
      name: "Scripted",
      skill_id: skill.id,
      population_id: population.id,
      model: "scripted/test",
      concurrency: 2,
      ...extra,
    });

  it("asks again after an invalid answer, then records it invalid with the raw output", async () => {
    const seen: string[] = [];
    behaviour.next = (_call, request) => {
      const last = request.messages.at(-1)?.content ?? "";
      seen.push(last);
      // Always out of the scale for one persona; out of the scale once for the others.
      if (request.messages.some((message) => message.content.includes("That answer is not valid"))) {
        return last.includes("#never") ? { answer: 9 } : { answer: 4 };
      }
      return { answer: 9 };
    };
    const study = await finishedStudy(app, (await start({ invalid_retries: 1 })).id);
    expect(study.progress).toMatchObject({ answered: 6, invalid: 0 });
    // A real model answered: nothing is marked as the demo engine's.
    expect(study).toMatchObject({ offline_engine: false, answer_models: ["scripted/test"] });
    const results = (await (await app.request(`/v1/studies/${study.id}/results`)).json()).data;
    expect(results.every((result: { answer: number }) => result.answer === 4)).toBe(true);
    expect(results.some((result: { offline_engine: boolean }) => result.offline_engine)).toBe(false);
    const exported = await (await app.request(`/v1/studies/${study.id}/export?format=json`)).json();
    expect(exported).toMatchObject({ offline_engine: false, warnings: [] });
    expect(seen.some((text) => /not valid: .*9.*1-5|outside/i.test(text))).toBe(true);

    behaviour.next = () => "not json at all";
    const invalid = await finishedStudy(app, (await start({ invalid_retries: 2 })).id);
    expect(invalid.progress).toMatchObject({ invalid: 6, answered: 0 });
    const page = await (await app.request(`/v1/studies/${invalid.id}/results?status=invalid&limit=2`)).json();
    expect(page.data).toHaveLength(2);
    expect(page.next_cursor).not.toBeNull();
    expect(page.data[0].raw_output).toContain("not json at all");
    expect(page.data[0].error).toBeTruthy();
    const statistics = await (await app.request(`/v1/studies/${invalid.id}/statistics`)).json();
    expect(statistics.overall).toMatchObject({ runs: 6, answered: 0, invalid: 6, mean: null });
  });

  it("counts a model answer nested beyond the JSON policy as invalid and stores none of it", async () => {
    const deep = JSON.parse('{"a":'.repeat(1000) + "1" + "}".repeat(1000)) as unknown;
    behaviour.next = () => ({ answer: 3, note: deep });
    const study = await finishedStudy(app, (await start({ invalid_retries: 0 })).id);
    expect(study.progress).toMatchObject({ invalid: 6, answered: 0 });
    const page = await (await app.request(`/v1/studies/${study.id}/results?status=invalid&limit=1`)).json();
    expect(page.data[0].error).toMatch(/nested deeper than 64 levels/);
    expect(page.data[0].raw_output).toBe("");
  });

  it("retries retryable model errors and fails a run on a permanent one", async () => {
    const failures = new Map<string, number>();
    behaviour.next = (_call, request) => {
      const system = request.messages[0]?.content ?? "";
      const count = (failures.get(system) ?? 0) + 1;
      failures.set(system, count);
      if (system.includes(firstName)) throw new UpstreamModelError("bad request", 400, false);
      if (count === 1) throw new UpstreamModelError("busy", 503, true);
      return { answer: 2 };
    };
    const members = (await (await app.request(`/v1/populations/${population.id}/members`)).json()).data;
    const firstName: string = members[0].name;
    const created = await start({ max_attempts: 3 });
    // A retry waits for its backoff on the queue's clock, which this test moves on.
    const study = await waitFor(
      async () => {
        app.clock.advance(5_000);
        return (await app.request(`/v1/studies/${created.id}`)).json();
      },
      (current) => current.status !== "running",
      "the study with retries",
    );
    expect(study.progress).toMatchObject({ answered: 5, failed: 1 });
    const results = (await (await app.request(`/v1/studies/${study.id}/results`)).json()).data;
    const failed = results.find((result: { status: string }) => result.status === "failed");
    expect(failed.persona_name).toBe(firstName);
    expect(failed.error).toMatch(/bad request/);
    for (const result of results.filter((r: { status: string }) => r.status === "answered")) {
      expect(result.attempts).toBe(2);
    }

    // Resuming with retry_failed runs only the failed one again.
    behaviour.next = () => ({ answer: 5 });
    const resumed = await app.request(`/v1/studies/${study.id}/resume`, {
      method: "POST",
      json: { retry_failed: true },
    });
    expect(resumed.status).toBe(200);
    const done = await finishedStudy(app, study.id);
    expect(done.progress).toMatchObject({ answered: 6, failed: 0 });
    const after = (await (await app.request(`/v1/studies/${study.id}/results`)).json()).data;
    expect(after.filter((result: { answer: number }) => result.answer === 5)).toHaveLength(1);
  });

  it("cancels a running study and resumes it without answering anyone twice", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    behaviour.next = async (call) => {
      if (call > 0) await gate;
      return { answer: 1 };
    };
    const created = await start({ concurrency: 2 });
    await waitFor(
      async () => (await app.request(`/v1/studies/${created.id}`)).json(),
      (study) => study.progress.running === 2,
      "two runs in flight",
    );
    const cancelled = await (
      await app.request(`/v1/studies/${created.id}/cancel`, { method: "POST" })
    ).json();
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.progress).toMatchObject({ pending: 6, running: 0, answered: 0 });
    release();
    behaviour.next = () => ({ answer: 1 });
    await (await app.request(`/v1/studies/${created.id}/resume`, { method: "POST" })).json();
    const done = await finishedStudy(app, created.id);
    expect(done.progress).toMatchObject({ answered: 6, total: 6 });
    const results = (await (await app.request(`/v1/studies/${created.id}/results`)).json()).data;
    expect(new Set(results.map((result: { persona_id: string }) => result.persona_id)).size).toBe(6);
    const usage = await app.services.store.usage.summarize("ten_default", {
      from: "2000-01-01",
      to: "2100-01-01",
      groupBy: "kind",
    });
    expect(usage.length).toBeGreaterThan(0);
  });

  it("streams progress as server-sent events until the study completes", async () => {
    behaviour.next = () => ({ answer: 2 });
    const created = await start();
    const response = await app.request(`/v1/studies/${created.id}/events`);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text
      .split("\n\n")
      .filter((block) => block.includes("event: progress"))
      .map((block) =>
        JSON.parse(
          block
            .split("\n")
            .find((line) => line.startsWith("data: "))!
            .slice(6),
        ),
      );
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1).study.status).toBe("completed");
    expect(events.at(-1).study.progress.answered).toBe(6);
  });

  it("spaces model calls under requests_per_minute, across processes", async () => {
    const now = new Date("2026-03-01T00:00:00Z");
    const study = await start({ requests_per_minute: 600 });
    await finishedStudy(app, study.id);
    const repository = app.services.store.studies;
    await app.services.store.studies.updateById(study.id, { next_slot_at: null });
    const slots = await Promise.all([0, 1, 2].map(() => repository.reserveSlot(study.id, 100, now)));
    expect(slots.map((slot) => slot.getTime() - now.getTime()).sort((a, b) => a - b)).toEqual([0, 100, 200]);
  });

  it("refuses unknown skills (404), unknown models and bad settings (422, naming the field)", async () => {
    const unknown = await post(
      app,
      "/v1/studies",
      { name: "x", skill_id: "skl_nope", population_id: population.id },
      404,
    );
    expect(unknown.detail).toMatch(/skill skl_nope/);
    const badModel = await post(
      app,
      "/v1/studies",
      { name: "x", skill_id: skill.id, population_id: population.id, model: "nowhere/model" },
      422,
    );
    expect(badModel.errors[0].field).toBe("model");
    const badConcurrency = await post(
      app,
      "/v1/studies",
      { name: "x", skill_id: skill.id, population_id: population.id, concurrency: 0 },
      422,
    );
    expect(badConcurrency.errors[0].field).toBe("concurrency");
  });
});
